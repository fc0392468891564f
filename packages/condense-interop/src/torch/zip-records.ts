/** The zip records torch's archives use, as the reader checks them and the writer lays them out (APPNOTE 4.3). */
export const LOCAL_HEADER = 0x04034b50;
export const CENTRAL_HEADER = 0x02014b50;
export const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
/** Fixed parts of each record, before their variable-length name, extra field and comment. */
export const LOCAL_HEADER_SIZE = 30;
export const CENTRAL_HEADER_SIZE = 46;
export const END_RECORD_SIZE = 22;
