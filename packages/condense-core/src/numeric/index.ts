export { fromBfloat16Bits, fromFloat16Bits, toBfloat16Bits, toFloat16Bits } from './float16.js';
