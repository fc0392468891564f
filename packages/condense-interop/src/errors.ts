/**
 * Everything a reader or writer of this package refuses: `source` is the file (or a
 * description of the input) and the message says what was found and what was expected.
 */
export class InteropError extends Error {
  constructor(
    readonly source: string,
    readonly detail: string,
  ) {
    super(`${source}: ${detail}`);
    this.name = 'InteropError';
  }
}
