export function compileKernels(): Promise<Uint8Array>;
export function kernelsModuleSource(bytes: Uint8Array): string;
