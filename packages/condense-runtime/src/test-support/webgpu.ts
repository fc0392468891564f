import { exposeDawnGpu, INSTALL_MESA, type Requirement } from '@condensenet/golden-fixtures';
import * as tf from '@tensorflow/tfjs-core';

/** Switches tfjs to its webgpu backend on Dawn's adapter, naming the adapter, or says why it cannot. */
export async function setUpWebGPU(): Promise<Requirement> {
  const dawn = await exposeDawnGpu();
  if ('missing' in dawn) return dawn;
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) return { missing: 'tf.setBackend("webgpu") failed on the Dawn adapter', install: INSTALL_MESA };
  return dawn;
}
