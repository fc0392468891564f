export const THREADS_MAX_PAGES: number;
export function compileKernels(options?: { threads?: boolean }): Promise<Uint8Array<ArrayBuffer>>;
