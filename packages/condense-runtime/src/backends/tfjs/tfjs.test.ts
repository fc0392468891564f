import '@tensorflow/tfjs-backend-cpu';
import { describeBackendConformance, localTarget } from '../../test-support/conformance.js';
import { tfjsConfig } from './index.js';

describeBackendConformance(localTarget(tfjsConfig, 'cpu'));
