/**
 * A configuration that breaks one of the architecture's rules. `field` is the dotted path of
 * the offending setting, so callers (the CLI, a config file loader) can point at it.
 */
export class ConfigError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly rule: string,
  ) {
    super(`${field} = ${formatValue(value)}: ${rule}`);
    this.name = 'ConfigError';
  }
}

function formatValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}
