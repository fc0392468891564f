import { InteropError } from '../errors.js';
import { isTorchTensor, type PickleKey, type PickleValue, type TorchTensor } from '../torch/types.js';
import { describeEntries, describeValue } from './format.js';
import { readOptimizerState, type ReferenceOptimizerState } from './optimizer.js';

export type CheckpointWrapper = 'main.py checkpoint' | 'state_dict wrapper' | 'bare state_dict';

export interface UnwrappedCheckpoint {
  wrapper: CheckpointWrapper;
  /** Keys as the model names them: DataParallel's `module.` prefix removed. */
  stateDict: Map<string, TorchTensor>;
  epoch?: number;
  /** main.py stores the best top-1 *error* (100 - accuracy) under this name. */
  bestPrec1?: number;
  /** The architecture name main.py saves under `model`, e.g. 'condensenet'. */
  arch?: string;
  optimizer?: ReferenceOptimizerState;
  hadModulePrefix: boolean;
}

/** Where people put the state_dict, most specific first; main.py's `model` is a str, not one. */
const STATE_DICT_KEYS = ['state_dict', 'model_state_dict', 'model', 'net'];

/** Keys only main.py's save_checkpoint writes beside `state_dict`. */
const MAIN_PY_KEYS = ['epoch', 'best_prec1', 'optimizer'];

const MODULE_PREFIX = 'module.';

/**
 * Finds the state_dict in what torch.load would return: main.py's checkpoint dict, the
 * `{'state_dict': ...}` that `--convert-from` writes, the wrappers people commonly write, or a
 * bare state_dict.
 */
export function unwrapCheckpoint(root: PickleValue, source: string): UnwrappedCheckpoint {
  if (!(root instanceof Map)) {
    throw new InteropError(source, `the file holds ${describeValue(root)}, expected a dict: a state_dict or a checkpoint holding one`);
  }
  const key = STATE_DICT_KEYS.find((k) => root.get(k) instanceof Map);
  if (key === undefined) {
    if (![...root.values()].some(isTorchTensor)) {
      throw new InteropError(
        source,
        `no state_dict: the top level has ${describeEntries(root)}; expected a dict of tensors, or a dict holding one under ${STATE_DICT_KEYS.join(', ')}`,
      );
    }
    return { wrapper: 'bare state_dict', ...tensorsOnly(root, 'the state_dict', source) };
  }
  const mainPy = key === 'state_dict' && (MAIN_PY_KEYS.some((k) => root.has(k)) || typeof root.get('model') === 'string');
  const unwrapped: UnwrappedCheckpoint = {
    wrapper: mainPy ? 'main.py checkpoint' : 'state_dict wrapper',
    ...tensorsOnly(root.get(key) as Map<PickleKey, PickleValue>, `['${key}']`, source),
  };
  const epoch = optionalNumber(root, 'epoch', source);
  if (epoch !== undefined) unwrapped.epoch = epoch;
  const bestPrec1 = optionalNumber(root, 'best_prec1', source);
  if (bestPrec1 !== undefined) unwrapped.bestPrec1 = bestPrec1;
  const arch = root.get('model');
  if (typeof arch === 'string') unwrapped.arch = arch;
  const optimizer = root.get('optimizer');
  if (optimizer !== undefined && optimizer !== null) unwrapped.optimizer = readOptimizerState(optimizer, source);
  return unwrapped;
}

function tensorsOnly(
  map: Map<PickleKey, PickleValue>,
  where: string,
  source: string,
): { stateDict: Map<string, TorchTensor>; hadModulePrefix: boolean } {
  const entries: [string, TorchTensor][] = [];
  for (const [name, value] of map) {
    if (typeof name !== 'string') {
      throw new InteropError(source, `${where} has the key ${String(name)} (a ${typeof name}), expected tensor names`);
    }
    if (!isTorchTensor(value)) {
      throw new InteropError(source, `${where} entry '${name}' is ${describeValue(value)}, expected a tensor`);
    }
    entries.push([name, value]);
  }
  // DataParallel and DDP prefix every key; a prefix on only some keys is a real name, kept.
  const hadModulePrefix = entries.length > 0 && entries.every(([name]) => name.startsWith(MODULE_PREFIX));
  const stateDict = new Map(
    hadModulePrefix ? entries.map(([name, t]) => [name.slice(MODULE_PREFIX.length), t] as const) : entries,
  );
  return { stateDict, hadModulePrefix };
}

function optionalNumber(root: Map<PickleKey, PickleValue>, key: string, source: string): number | undefined {
  const value = root.get(key);
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw new InteropError(source, `${key} is ${describeValue(value)}, expected a number`);
  return value;
}
