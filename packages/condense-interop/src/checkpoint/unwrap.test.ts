import { describe, expect, it } from 'vitest';
import { InteropError } from '../errors.js';
import type { PickleKey, PickleValue, TorchTensor } from '../torch/types.js';
import { unwrapCheckpoint } from './unwrap.js';

const tensor = (...shape: number[]): TorchTensor => ({
  kind: 'tensor',
  dtype: 'float32',
  shape,
  data: new Float32Array(shape.reduce((a, b) => a * b, 1)),
  requiresGrad: false,
});
const dict = (entries: Record<string, PickleValue> | [PickleKey, PickleValue][]) =>
  new Map<PickleKey, PickleValue>(Array.isArray(entries) ? entries : Object.entries(entries));

const stem = tensor(8, 3, 3, 3);
const bias = tensor(10);
const stateDict = (prefix = '') => dict({ [`${prefix}features.init_conv.weight`]: stem, [`${prefix}classifier.bias`]: bias });
const plain = new Map([
  ['features.init_conv.weight', stem],
  ['classifier.bias', bias],
]);

describe('unwrapCheckpoint', () => {
  it("reads main.py's save_checkpoint dict: DataParallel prefix, metadata, SGD state by parameter number", () => {
    const buffers = [tensor(8, 3, 3, 3), tensor(10)];
    const optimizer = dict({
      state: dict([
        [0, dict({ momentum_buffer: buffers[0] })],
        [2, dict({ momentum_buffer: buffers[1] })],
      ]),
      param_groups: [
        dict({ lr: 0.05, momentum: 0.9, dampening: 0, weight_decay: 1e-4, nesterov: true, params: [0, 1, 2] }),
      ],
    });
    const root = dict({ epoch: 6, model: 'condensenet', state_dict: stateDict('module.'), best_prec1: 71.5, optimizer });
    expect(unwrapCheckpoint(root, 'ckpt.pth.tar')).toEqual({
      wrapper: 'main.py checkpoint',
      stateDict: plain,
      hadModulePrefix: true,
      epoch: 6,
      bestPrec1: 71.5,
      arch: 'condensenet',
      optimizer: { momentumBuffers: [buffers[0], null, buffers[1]], lr: 0.05, momentum: 0.9, weightDecay: 1e-4, nesterov: true },
    });
  });

  it('numbers parameters across param groups in order', () => {
    const b = tensor(1);
    const group = (params: number[]) => dict({ lr: 0.1, momentum: 0.9, weight_decay: 0, nesterov: false, params });
    const optimizer = dict({ state: dict([[3, dict({ momentum_buffer: b })], [1, dict({ momentum_buffer: null })]]), param_groups: [group([0, 1]), group([2, 3])] });
    const got = unwrapCheckpoint(dict({ state_dict: stateDict(), optimizer }), 'f');
    expect(got.optimizer?.momentumBuffers).toEqual([null, null, null, b]);
  });

  it("reads --convert-from's {'state_dict': ...} as a wrapper", () => {
    expect(unwrapCheckpoint(dict({ state_dict: stateDict('module.') }), 'f')).toEqual({
      wrapper: 'state_dict wrapper',
      stateDict: plain,
      hadModulePrefix: true,
    });
  });

  it.each(['model', 'model_state_dict', 'net'])("reads {'%s': state_dict}", (key) => {
    expect(unwrapCheckpoint(dict({ [key]: stateDict(), epoch: 3 }), 'f')).toEqual({
      wrapper: 'state_dict wrapper',
      stateDict: plain,
      hadModulePrefix: false,
      epoch: 3,
    });
  });

  it('reads a bare state_dict', () => {
    expect(unwrapCheckpoint(stateDict(), 'f')).toEqual({ wrapper: 'bare state_dict', stateDict: plain, hadModulePrefix: false });
  });

  it('keeps module. when only some keys have it', () => {
    const got = unwrapCheckpoint(dict({ 'module.features.init_conv.weight': stem, 'classifier.bias': bias }), 'f');
    expect([...got.stateDict.keys()]).toEqual(['module.features.init_conv.weight', 'classifier.bias']);
    expect(got.hadModulePrefix).toBe(false);
  });

  it('refuses a dict with no state_dict, listing its keys and their kinds', () => {
    const args: PickleValue = { kind: 'object', className: 'argparse.Namespace', state: new Map() };
    const root = dict({ epoch: 6, model: 'condensenet', args, state_dict: null, history: [1, 2] });
    expect(() => unwrapCheckpoint(root, 'ckpt.pth')).toThrow(
      new InteropError(
        'ckpt.pth',
        'no state_dict: the top level has epoch (a number), model (a str), args (an instance of argparse.Namespace), state_dict (None), history (a list of 2); ' +
          'expected a dict of tensors, or a dict holding one under state_dict, model_state_dict, model, net',
      ),
    );
  });

  it('refuses a non-tensor entry inside a state_dict, naming it', () => {
    const inner = stateDict();
    inner.set('features.extra', 'hello');
    expect(() => unwrapCheckpoint(dict({ state_dict: inner }), 'f')).toThrow(
      new InteropError('f', "['state_dict'] entry 'features.extra' is a str, expected a tensor"),
    );
    const bare = stateDict();
    bare.set('step', 12);
    expect(() => unwrapCheckpoint(bare, 'f')).toThrow(new InteropError('f', "the state_dict entry 'step' is a number, expected a tensor"));
  });

  it('refuses a top level that is not a dict', () => {
    expect(() => unwrapCheckpoint([stem], 'f')).toThrow(/the file holds a list of 1, expected a dict/);
  });

  it('refuses metadata of the wrong kind, naming the field', () => {
    expect(() => unwrapCheckpoint(dict({ state_dict: stateDict(), epoch: 'six' }), 'f')).toThrow(
      new InteropError('f', 'epoch is a str, expected a number'),
    );
    const optimizer = dict({ state: dict({}), param_groups: [dict({ momentum: 0.9, weight_decay: 0, nesterov: true, params: [] })] });
    expect(() => unwrapCheckpoint(dict({ state_dict: stateDict(), optimizer }), 'f')).toThrow(
      new InteropError('f', 'optimizer.param_groups[0].lr is nothing, expected a number'),
    );
    const noGroups = dict({ state: dict({}), param_groups: [] });
    expect(() => unwrapCheckpoint(dict({ state_dict: stateDict(), optimizer: noGroups }), 'f')).toThrow(
      /optimizer.param_groups is a list of 0, expected a non-empty list of dicts/,
    );
    const badBuffer = dict({
      state: dict([[0, dict({ momentum_buffer: 3 })]]),
      param_groups: [dict({ lr: 0.1, momentum: 0.9, weight_decay: 0, nesterov: true, params: [0] })],
    });
    expect(() => unwrapCheckpoint(dict({ state_dict: stateDict(), optimizer: badBuffer }), 'f')).toThrow(
      /optimizer.state\[0\].momentum_buffer is a number, expected a tensor/,
    );
  });
});
