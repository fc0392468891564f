/**
 * The same bytes as a plain Uint8Array view (no copy). Node's Buffer is a Uint8Array whose
 * `slice` shares memory instead of copying, so readers given a Buffer (what readFileSync
 * returns) would hand out views of the whole file; every entry point takes its input through
 * this first.
 */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
