import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { AUTO_ORDER, selectBackend } from './backend.js';

describe('selectBackend', () => {
  it('auto takes the first backend in AUTO_ORDER that loads and initialises', async () => {
    const tried: string[] = [];
    const load = async (backend: string) => {
      tried.push(backend);
      if (backend === 'tensorflow') throw new Error('@tensorflow/tfjs-node not installed');
    };
    // webgl is not registered here and webgpu has no navigator.gpu: both are skipped.
    expect(await selectBackend('auto', load)).toBe('wasm');
    expect(tried).toEqual(AUTO_ORDER.filter((b) => b !== 'webgpu').slice(0, 3));
    expect(await selectBackend('cpu')).toBe('cpu');
  });

  it('does not take a backend that failed to initialise for an active one on the next try', async () => {
    // A failed setBackend still leaves tfjs's current backend name set to it.
    tf.registerBackend('webgl', () => {
      throw new Error('no WebGL context');
    });
    try {
      await expect(selectBackend('webgl')).rejects.toThrow(/webgl: /);
      await expect(selectBackend('webgl')).rejects.toThrow(/webgl: /);
      const load = async (b: string) => {
        if (b === 'tensorflow') throw new Error('not installed');
      };
      expect(await selectBackend('auto', load)).toBe('wasm');
    } finally {
      tf.removeBackend('webgl');
    }
  });

  it('says why nothing usable was found', async () => {
    await expect(selectBackend('webgl')).rejects.toThrow(/webgl: not registered/);
    await expect(selectBackend('gpu' as never)).rejects.toThrow(/unknown backend 'gpu'/);
  });
});
