import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError, toModelInput } from './pixels.js';

const rgba = (width: number, height: number, pixel: number[]) => ({
  data: Uint8ClampedArray.from({ length: width * height * 4 }, (_, i) => pixel[i % 4]),
  width,
  height,
});

describe('toModelInput', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('turns RGBA images into [0, 1] RGB or luma, dropping alpha', async () => {
    const image = rgba(2, 2, [255, 0, 51, 7]);
    const rgb = await toModelInput([image, image], { size: 2, channels: 3 });
    expect(rgb.batch).toBe(2);
    expect([...rgb.pixels.subarray(0, 3)].map((v) => +v.toFixed(4))).toEqual([1, 0, 0.2]);
    const gray = await toModelInput(image, { size: 2, channels: 1 });
    expect(gray.pixels[0]).toBeCloseTo(0.299 + 0.114 * 0.2, 5);
  });

  it('reads int32 tensors as bytes and float32 tensors as [0, 1], repeating gray into RGB', async () => {
    const bytes = tf.tensor4d([0, 255, 51, 102], [1, 2, 2, 1], 'int32');
    const fromBytes = await toModelInput(bytes, { size: 2, channels: 3 });
    expect([...fromBytes.pixels.subarray(3, 6)]).toEqual([1, 1, 1]);
    const floats = tf.tensor3d([0.5, 0.25, 0.125, 1], [2, 2, 1]);
    expect([...(await toModelInput(floats, { size: 2, channels: 1 })).pixels]).toEqual([0.5, 0.25, 0.125, 1]);
    tf.dispose([bytes, floats]);
  });

  it('refuses corrupt or mismatched input with a clear message', async () => {
    const geometry = { size: 2, channels: 3 };
    await expect(toModelInput(rgba(3, 2, [0, 0, 0, 0]), geometry)).rejects.toThrow(/3x2, the model takes 2x2/);
    await expect(toModelInput({ data: new Uint8Array(5), width: 2, height: 2 }, geometry)).rejects.toThrow(/5 bytes, expected width \* height \* 4 = 16/);
    await expect(toModelInput({ data: [1, 2] as unknown as Uint8Array, width: 2, height: 2 }, geometry)).rejects.toThrow(InputError);
    await expect(toModelInput([], geometry)).rejects.toThrow(/no images/);
    const nan = tf.fill([1, 2, 2, 3], NaN);
    await expect(toModelInput(nan, geometry)).rejects.toThrow(/NaN/);
    const flat = tf.zeros([12]);
    await expect(toModelInput(flat, geometry)).rejects.toThrow(/shape \[12\]/);
    const twoChannels = tf.zeros([1, 2, 2, 2]);
    await expect(toModelInput(twoChannels, geometry)).rejects.toThrow(/2 channels/);
    tf.dispose([nan, flat, twoChannels]);
  });
});
