/**
 * The kernels' calling convention, shared by the SIMD WebAssembly build of asm/kernels.ts and
 * its JavaScript port: byte addresses into `memory`, semantics documented in asm/kernels.ts.
 */
export interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  /** 1 in the relaxed-SIMD build (fused multiply-adds), 0 in the SIMD build and the JavaScript port. */
  relaxedSimd(): number;
  condensedConv1x1(
    x: number, xStride: number, spans: number, spanPixels: number,
    index: number, scale: number, shift: number, weight: number, bias: number, relu: number,
    quads: number, K: number, kOut: number,
    y: number, yStride: number, ySpanPitch: number, yOffset: number,
    scratch: number,
  ): void;
  condensedConv1x1Planes(
    x: number, xStride: number, rows: number, width: number,
    index: number, scale: number, shift: number, weight: number, bias: number, relu: number,
    groups: number, K: number, kOut: number,
    y: number, yRowPitch: number, yPlanePitch: number, scratch: number,
  ): void;
  groupedConv3x3(
    x: number, batch: number, height: number, width: number, cin: number, groups: number,
    weight: number, cout: number, stride: number,
    y: number, yStride: number, yOffset: number,
  ): void;
  groupedConv3x3Planes(
    x: number, height: number, width: number, pitch: number, cin: number, groups: number,
    weight: number, cout: number, y: number, yStride: number, yOffset: number,
  ): void;
  avgPool2x2(
    x: number, batch: number, height: number, width: number, channels: number, xStride: number,
    y: number, yStride: number,
  ): void;
  normReluMean(x: number, pixels: number, channels: number, scale: number, shift: number, y: number): void;
  condensingLinear(
    x: number, batch: number, features: number, index: number, kept: number,
    weight: number, bias: number, classes: number, y: number, scratch: number,
  ): void;
}
