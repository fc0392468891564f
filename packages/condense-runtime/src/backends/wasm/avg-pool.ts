import type { KernelModule } from './kernel-module.js';

/**
 * The transition's 2x2 average pool, stride 2, from one block's feature buffer into the first
 * `channels` channels of the next one's (odd trailing rows and columns are dropped, as in
 * PyTorch's AvgPool2d(2)).
 */
export function avgPool2x2(
  kernels: KernelModule,
  x: number, batch: number, height: number, width: number, channels: number, xStride: number,
  y: number, yStride: number,
): void {
  kernels.exports.avgPool2x2(...avgPool2x2Args(x, batch, height, width, channels, xStride, y, yStride));
}

/** The kernel's arguments for `avgPool2x2(kernels, ...)`, checked. */
export function avgPool2x2Args(
  x: number, batch: number, height: number, width: number, channels: number, xStride: number,
  y: number, yStride: number,
): Parameters<KernelModule['exports']['avgPool2x2']> {
  if (channels > xStride || channels > yStride) {
    throw new Error(`avgPool2x2: ${channels} channels do not fit rows of ${xStride} (in) / ${yStride} (out) floats`);
  }
  return [x, batch, height, width, channels, xStride, y, yStride];
}
