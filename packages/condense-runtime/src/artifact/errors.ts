/** A problem with an artifact; `field` is the JSON path or tensor name at fault. */
export class ArtifactError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`artifact ${field}: ${problem}`);
    this.name = 'ArtifactError';
  }
}
