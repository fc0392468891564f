import '@tensorflow/tfjs-backend-cpu';
import { describeBackendConformance, localTarget } from '../../test-support/conformance.js';
import { describeNeeding } from '@condensenet/golden-fixtures';
import { setUpWebGPU } from '../../test-support/webgpu.js';
import { webgpuConfig } from './index.js';

/**
 * Dawn + Mesa when there is no GPU: software rendering, so models and batches stay small. Where
 * neither a GPU nor Mesa's EGL (or the `webgpu` package) is present the suite is skipped, and its
 * name says why; under CI it fails.
 */
const webgpu = await setUpWebGPU();

describeNeeding(webgpu, 'webgpu backend on Dawn', () => {
  describeBackendConformance(localTarget(webgpuConfig, 'webgpu'));
});
