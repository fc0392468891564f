/**
 * Entry of the page webgl-session.test.ts bundles (esbuild) and runs in headless Chromium: the
 * browser entry of this package with tfjs's webgl and cpu backends, driven through
 * `globalThis.condenseWebGL`. Models arrive as encoded artifacts, so the page also decodes them
 * with the browser entry.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import * as tf from '@tensorflow/tfjs-core';
import { createSession, decodeArtifact } from '../index.js';

export interface WebGLCase {
  json: string;
  /** base64 of the weight file and of the float32 images. */
  weights: string;
  images: string;
  batch: number;
  /** Runs after the first whose logits and tensor count must equal the first's. */
  repeats: number;
}

export interface WebGLCaseResult {
  path: string;
  webgl: number[];
  cpu: number[];
  /** numTensors before the session, after its first run, after each repeat, after dispose. */
  before: number;
  held: number;
  repeatCounts: number[];
  repeatsEqual: boolean;
  afterDispose: number;
}

const bytes = (base64: string): Uint8Array => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

/** Switches to webgl and says what renders it, or throws why it cannot. */
async function setUp(): Promise<{ renderer: string; webglVersion: number; float32: boolean }> {
  if (!(await tf.setBackend('webgl'))) throw new Error('tf.setBackend("webgl") failed: no WebGL context in this browser');
  const gl = (tf.backend() as unknown as { gpgpu: { gl: WebGLRenderingContext } }).gpgpu.gl;
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  return {
    renderer: String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER)),
    webglVersion: tf.env().getNumber('WEBGL_VERSION'),
    float32: tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED'),
  };
}

async function runCase(c: WebGLCase): Promise<WebGLCaseResult> {
  const model = decodeArtifact(c.json, bytes(c.weights));
  const images = new Float32Array(bytes(c.images).buffer);
  const before = tf.memory().numTensors;
  const session = await createSession(model, { backend: 'webgl' });
  const first = await session.run(images, c.batch);
  const held = tf.memory().numTensors;
  const repeatCounts: number[] = [];
  let repeatsEqual = true;
  for (let i = 0; i < c.repeats; i++) {
    const again = await session.run(images, c.batch);
    repeatsEqual &&= again.every((v, j) => v === first[j]);
    repeatCounts.push(tf.memory().numTensors);
  }
  session.dispose();
  const afterDispose = tf.memory().numTensors;
  const cpuSession = await createSession(model, { backend: 'cpu' });
  const cpu = await cpuSession.run(images, c.batch);
  cpuSession.dispose();
  await tf.setBackend('webgl');
  return {
    path: session.path, webgl: Array.from(first), cpu: Array.from(cpu),
    before, held, repeatCounts, repeatsEqual, afterDispose,
  };
}

Object.assign(globalThis, { condenseWebGL: { setUp, runCase } });
