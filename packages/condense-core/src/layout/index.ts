export { transpose4d } from './transpose.js';
export { hwioToOihw, oihwToHwio } from './conv.js';
export { nchwToNhwc, nhwcToNchw } from './activation.js';
export { linearIoToOi, linearOiToIo } from './linear.js';
