const BLOCK = 512;

/**
 * The regular files of a POSIX (ustar or GNU) tar archive, by path, as views into `bytes`. Only
 * what a data set's archive needs: no links, no base-256 sizes, and each header's checksum and
 * size are checked against the archive, so a corrupt or truncated one is refused naming `file`.
 */
export function readTar(bytes: Uint8Array, file: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let longName: string | undefined;
  for (let offset = 0; offset < bytes.length; ) {
    if (offset + BLOCK > bytes.length) throw new Error(`${file}: the tar archive ends inside a header at byte ${offset} (truncated?)`);
    const header = bytes.subarray(offset, offset + BLOCK);
    // Two zero blocks end the archive; one is enough to stop reading.
    if (header.every((b) => b === 0)) return files;
    const where = `${file}: tar header at byte ${offset}`;
    if (octal(header, 148, 8, where) !== checksum(header)) throw new Error(`${where}: bad checksum; the archive is corrupt or not a tar file`);
    const size = octal(header, 124, 12, where);
    const start = offset + BLOCK;
    if (start + size > bytes.length) throw new Error(`${where}: an entry of ${size} bytes runs past the end of the ${bytes.length}-byte archive (truncated?)`);
    const type = String.fromCharCode(header[156]);
    const data = bytes.subarray(start, start + size);
    if (type === 'L') {
      // GNU's long name: the next entry's path.
      longName = text(data, 0, size);
    } else {
      if (type === '0' || type === '\0') {
        const ustar = text(header, 257, 5) === 'ustar';
        const prefix = ustar ? text(header, 345, 155) : '';
        const name = longName ?? (prefix ? `${prefix}/` : '') + text(header, 0, 100);
        files.set(name.replace(/^\.\//, ''), data);
      }
      longName = undefined;
    }
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}

function text(bytes: Uint8Array, at: number, length: number): string {
  const field = bytes.subarray(at, at + length);
  const end = field.indexOf(0);
  return new TextDecoder().decode(end < 0 ? field : field.subarray(0, end));
}

function octal(header: Uint8Array, at: number, length: number, where: string): number {
  const field = text(header, at, length).trim();
  if (!/^[0-7]+$/.test(field)) throw new Error(`${where}: '${field}' is not an octal number; the archive is corrupt or not a tar file`);
  return Number.parseInt(field, 8);
}

/** The header's byte sum with its checksum field read as spaces. */
function checksum(header: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  return sum;
}
