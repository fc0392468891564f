import { InteropError } from '../errors.js';
import { isTorchTensor, type PickleKey, type PickleValue, type TorchTensor } from '../torch/types.js';
import { describeValue } from './format.js';

/**
 * The SGD state `main.py` saves with a checkpoint, enough to resume training where it stopped.
 * torch numbers the parameters in `model.parameters()` order across the param groups: the order
 * of the state_dict's weights and biases once its buffers (BN statistics, `_mask`, `_count`,
 * `_stage`, `index`) are left out.
 */
export interface ReferenceOptimizerState {
  /** Per parameter, in that order: its momentum buffer, or null where SGD has made none yet. */
  momentumBuffers: (TorchTensor | null)[];
  /** Hyper-parameters of the first param group (the reference has only one). */
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
}

/** Reads `optimizer.state_dict()` of a torch SGD: `{state: {int: {momentum_buffer}}, param_groups: [...]}`. */
export function readOptimizerState(value: PickleValue, source: string): ReferenceOptimizerState {
  const optimizer = dict(value, 'optimizer', source);
  const state = dict(optimizer.get('state'), 'optimizer.state', source);
  const groups = optimizer.get('param_groups');
  if (!Array.isArray(groups) || groups.length === 0) {
    throw new InteropError(source, `optimizer.param_groups is ${describeValue(groups)}, expected a non-empty list of dicts`);
  }
  const parsed = groups.map((group, i) => dict(group, `optimizer.param_groups[${i}]`, source));
  const first = parsed[0];
  const where = 'optimizer.param_groups[0]';
  return {
    momentumBuffers: parsed
      .flatMap((group, i) => parameterIds(group.get('params'), `optimizer.param_groups[${i}].params`, source))
      .map((id) => momentumBuffer(state.get(id), `optimizer.state[${id}]`, source)),
    lr: number(first.get('lr'), `${where}.lr`, source),
    momentum: number(first.get('momentum'), `${where}.momentum`, source),
    weightDecay: number(first.get('weight_decay'), `${where}.weight_decay`, source),
    nesterov: bool(first.get('nesterov'), `${where}.nesterov`, source),
  };
}

function momentumBuffer(entry: PickleValue | undefined, where: string, source: string): TorchTensor | null {
  if (entry === undefined) return null;
  const buffer = dict(entry, where, source).get('momentum_buffer');
  if (buffer === undefined || buffer === null) return null;
  if (!isTorchTensor(buffer)) {
    throw new InteropError(source, `${where}.momentum_buffer is ${describeValue(buffer)}, expected a tensor`);
  }
  return buffer;
}

function parameterIds(value: PickleValue | undefined, where: string, source: string): number[] {
  if (!Array.isArray(value) || !value.every((id) => typeof id === 'number' && Number.isInteger(id))) {
    throw new InteropError(source, `${where} is ${describeValue(value)}, expected a list of parameter numbers`);
  }
  return value as number[];
}

function dict(value: PickleValue | undefined, where: string, source: string): Map<PickleKey, PickleValue> {
  if (!(value instanceof Map)) throw new InteropError(source, `${where} is ${describeValue(value)}, expected a dict`);
  return value;
}

function number(value: PickleValue | undefined, where: string, source: string): number {
  if (typeof value !== 'number') throw new InteropError(source, `${where} is ${describeValue(value)}, expected a number`);
  return value;
}

function bool(value: PickleValue | undefined, where: string, source: string): boolean {
  if (typeof value !== 'boolean') throw new InteropError(source, `${where} is ${describeValue(value)}, expected a bool`);
  return value;
}
