export const THREADS_MAX_PAGES: number;
export const KERNEL_BUILDS: readonly { file: string; threads: boolean; relaxedSimd: boolean }[];
export function compileKernels(options?: { threads?: boolean; relaxedSimd?: boolean }): Promise<Uint8Array<ArrayBuffer>>;
