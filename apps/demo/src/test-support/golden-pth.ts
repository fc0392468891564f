import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pthRoot } from '@condensenet/golden-fixtures';
import { PNG } from 'pngjs';
import type { RgbaImage } from '@condensenet/runtime';

/** The torch-written files of the golden set and what the authors' code computed from them. */
export const PTH_ROOT = pthRoot;

export interface PthExpected {
  args: { stages: number[]; growth: number[]; group_1x1: number; condense_factor: number; num_classes: number };
  images: string[];
  logits_converted: number[][];
}

export const pthExpected = (): PthExpected => JSON.parse(readFileSync(join(pthRoot, 'expected.json'), 'utf8'));

export const pthBytes = (file: string): Uint8Array => new Uint8Array(readFileSync(join(pthRoot, file)));

/** A golden 32x32 RGB image as decoded RGBA, as the page gets an upload. */
export function pthImage(file: string): RgbaImage {
  const png = PNG.sync.read(readFileSync(join(pthRoot, file)));
  return { data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength), width: png.width, height: png.height };
}
