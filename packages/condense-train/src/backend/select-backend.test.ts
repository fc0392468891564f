import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from './select-backend.js';

describe('selectBackend', () => {
  it('picks wasm on a plain machine (no tfjs-node, no GPU) and says so', async () => {
    expect(await selectBackend('auto')).toEqual({ name: 'wasm' });
    expect(tf.getBackend()).toBe('wasm');
  });

  it('honours an explicit choice', async () => {
    expect(await selectBackend('cpu')).toEqual({ name: 'cpu' });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('explains why a requested backend is unavailable', async () => {
    await expect(selectBackend('tensorflow')).rejects.toThrow(/tensorflow: @tensorflow\/tfjs-node-gpu \/ @tensorflow\/tfjs-node not installed/);
    await expect(selectBackend('webgpu')).rejects.toThrow(/navigator.gpu is not available/);
    await expect(selectBackend('tpu' as never)).rejects.toThrow(/unknown backend 'tpu'/);
  });
});
