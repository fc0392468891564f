/**
 * Entry of the page webgl.test.ts bundles (esbuild) and runs in headless Chromium, with tfjs's
 * webgl and cpu backends, driven through `globalThis.condenseWebGL`: each conformance case
 * arrives as an encoded artifact and images, and runs there as it would in Node.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import * as tf from '@tensorflow/tfjs-core';
import { decodeArtifact } from '../artifact/decode.js';
import { webglConfig } from '../backends/webgl/index.js';
import { runConformanceCase, type ConformanceResult } from './conformance-case.js';
import type { serializeCase } from './conformance.js';

export type SerializedCase = ReturnType<typeof serializeCase>;

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

function runCase(c: SerializedCase): Promise<ConformanceResult> {
  const model = decodeArtifact(c.json, bytes(c.weights));
  const images = new Float32Array(bytes(c.images).buffer);
  return runConformanceCase(webglConfig, 'webgl', { model, images, batch: c.batch, repeats: c.repeats });
}

Object.assign(globalThis, { condenseWebGL: { setUp, runCase } });
