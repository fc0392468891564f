import type { ModelForm } from '@condensenet/core';
import { InteropError } from '../errors.js';
import type { ShapedEntry } from './types.js';

const STEM = 'features.init_conv.weight';
/** The LearnedGroupConv's buffers: only the training form has them. */
const TRAINING = /\.conv_1\.(_mask|_stage|_count)$/;
/** CondensingConv's and CondensingLinear's index and CondensingLinear's inner Linear. */
const CONDENSED = /(\.conv_1\.index|^classifier\.index|^classifier\.linear\.(weight|bias))$/;

/** Refuses anything but a CondenseNet, then tells its form by the names only one form has. */
export function detectForm(stateDict: ReadonlyMap<string, ShapedEntry>, source: string): ModelForm {
  const names = [...stateDict.keys()];
  if (!stateDict.has(STEM)) {
    const prefixed = names.find((n) => n.endsWith(`.${STEM}`));
    const hint = prefixed === undefined ? '' : ` (it is under the prefix '${prefixed.slice(0, -STEM.length)}')`;
    throw new InteropError(
      source,
      `not a CondenseNet state_dict: no ${STEM}${hint}; it has ${sample(names)}`,
    );
  }
  const training = names.find((n) => TRAINING.test(n));
  const condensed = names.find((n) => CONDENSED.test(n));
  if (training !== undefined && condensed !== undefined) {
    throw new InteropError(source, `mixes the training form (${training}) and the condensed form (${condensed})`);
  }
  if (training !== undefined) return 'training';
  if (condensed !== undefined) return 'condensed';
  throw new InteropError(
    source,
    `has no learned group convolutions: neither the training form's conv_1._mask nor the condensed form's conv_1.index; it has ${sample(names)}`,
  );
}

function sample(names: readonly string[]): string {
  if (names.length === 0) return 'no entries';
  return `${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''} (${names.length} entries)`;
}
