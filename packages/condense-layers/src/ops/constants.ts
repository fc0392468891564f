/** PyTorch's BatchNorm2d defaults: eps 1e-5, running stats updated with momentum 0.1. */
export const BN_EPSILON = 1e-5;
export const BN_MOMENTUM = 0.1;
