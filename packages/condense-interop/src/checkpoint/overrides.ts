import type { CondenseNetConfigInput } from '@condensenet/core';
import { InteropError } from '../errors.js';
import { formatSetting } from './format.js';
import type { OverrideNames } from './types.js';

export type Overrides = Partial<CondenseNetConfigInput>;

/** The caller's settings, each checked against what a tensor shows before it is used. */
export class OverrideCheck {
  constructor(
    readonly values: Overrides,
    private readonly names: OverrideNames,
    private readonly source: string,
  ) {}

  label(field: keyof Overrides): string {
    return this.names[field] ?? `overrides.${field}`;
  }

  /**
   * Throws unless the override for `field` (if any) equals `found`, which `evidence` (a tensor
   * with its shape or value) shows; `reading` says what the tensor means for that field.
   */
  agree(field: keyof Overrides, found: unknown, evidence: string, reading = `${field} ${formatSetting(found)}`): void {
    const wanted = this.values[field];
    if (wanted !== undefined && formatSetting(wanted) !== formatSetting(found)) {
      this.contradict(field, evidence, reading);
    }
  }

  contradict(field: keyof Overrides, evidence: string, reading: string): never {
    throw new InteropError(
      this.source,
      `${this.label(field)} ${formatSetting(this.values[field])} contradicts ${evidence} (${reading})`,
    );
  }
}
