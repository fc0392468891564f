import { describe, expect, it } from 'vitest';
import { defaultWorkers } from './default-workers.js';

describe('defaultWorkers', () => {
  it('uses every core on the single-threaded CPU backends, keeping 16 images per shard', () => {
    expect(defaultWorkers('wasm', 64, 2)).toBe(2);
    expect(defaultWorkers('cpu', 64, 16)).toBe(4);
    expect(defaultWorkers('wasm', 256, 32)).toBe(8);
    expect(defaultWorkers('wasm', 16, 4)).toBe(1);
    expect(defaultWorkers('wasm', 8, 4)).toBe(1);
    expect(defaultWorkers('wasm', 64, 1)).toBe(1);
  });

  it('stays in one thread on tfjs-node and GPU backends', () => {
    for (const backend of ['tensorflow', 'webgpu', 'webgl']) expect(defaultWorkers(backend, 64, 8)).toBe(1);
  });
});
