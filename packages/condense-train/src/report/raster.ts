import { PNG } from 'pngjs';
import { GLYPH_ADVANCE, glyph } from './font.js';

export type Rgb = readonly [number, number, number];

/** A small RGBA drawing surface: just enough to plot curves, axes and labels into a PNG. */
export class Raster {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    this.pixels = new Uint8Array(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  setPixel(x: number, y: number, [r, g, b]: Rgb): void {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= this.width || yi >= this.height) return;
    const o = (yi * this.width + xi) * 4;
    this.pixels[o] = r;
    this.pixels[o + 1] = g;
    this.pixels[o + 2] = b;
    this.pixels[o + 3] = 255;
  }

  fillRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    for (let yy = Math.max(0, Math.round(y)); yy < Math.min(this.height, Math.round(y + h)); yy++) {
      for (let xx = Math.max(0, Math.round(x)); xx < Math.min(this.width, Math.round(x + w)); xx++) {
        this.setPixel(xx, yy, color);
      }
    }
  }

  /** A line of the given thickness; `dash` = [on, off] pixel lengths. */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, thickness = 1, dash?: [number, number]): void {
    const length = Math.hypot(x1 - x0, y1 - y0);
    const steps = Math.max(1, Math.ceil(length * 2));
    const half = (thickness - 1) / 2;
    for (let i = 0; i <= steps; i++) {
      const along = (i / steps) * length;
      if (dash && along % (dash[0] + dash[1]) >= dash[0]) continue;
      const x = x0 + ((x1 - x0) * i) / steps;
      const y = y0 + ((y1 - y0) * i) / steps;
      for (let dy = -half; dy <= half; dy++) {
        for (let dx = -half; dx <= half; dx++) this.setPixel(x + dx, y + dy, color);
      }
    }
  }

  /** Text with its top-left corner at (x, y), each font pixel drawn as scale x scale. */
  text(x: number, y: number, text: string, color: Rgb, scale = 1): void {
    [...text].forEach((ch, i) => {
      glyph(ch).forEach((row, gy) =>
        row.forEach((on, gx) => {
          if (on) this.fillRect(x + (i * GLYPH_ADVANCE + gx) * scale, y + gy * scale, scale, scale, color);
        }),
      );
    });
  }

  toPng(): Buffer {
    const png = new PNG({ width: this.width, height: this.height });
    png.data = Buffer.from(this.pixels.buffer, this.pixels.byteOffset, this.pixels.byteLength);
    return PNG.sync.write(png);
  }
}
