import type { TorchDtype } from './types.js';

interface DtypeInfo {
  /** Bytes per element in the file. */
  size: number;
  /** The legacy typed-storage class torch pickles for it (`torch.<name>`). */
  storage: string;
  /** safetensors' name for it. */
  safetensors: string;
}

export const DTYPES: Readonly<Record<TorchDtype, DtypeInfo>> = {
  float64: { size: 8, storage: 'DoubleStorage', safetensors: 'F64' },
  float32: { size: 4, storage: 'FloatStorage', safetensors: 'F32' },
  float16: { size: 2, storage: 'HalfStorage', safetensors: 'F16' },
  bfloat16: { size: 2, storage: 'BFloat16Storage', safetensors: 'BF16' },
  int64: { size: 8, storage: 'LongStorage', safetensors: 'I64' },
  int32: { size: 4, storage: 'IntStorage', safetensors: 'I32' },
  int16: { size: 2, storage: 'ShortStorage', safetensors: 'I16' },
  int8: { size: 1, storage: 'CharStorage', safetensors: 'I8' },
  uint8: { size: 1, storage: 'ByteStorage', safetensors: 'U8' },
  bool: { size: 1, storage: 'BoolStorage', safetensors: 'BOOL' },
};

const BY_STORAGE = new Map(Object.entries(DTYPES).map(([dtype, info]) => [info.storage, dtype as TorchDtype]));
const BY_SAFETENSORS = new Map(Object.entries(DTYPES).map(([dtype, info]) => [info.safetensors, dtype as TorchDtype]));

/** `FloatStorage` -> 'float32'; undefined for a name torch does not use. */
export function dtypeOfStorage(storageClass: string): TorchDtype | undefined {
  return BY_STORAGE.get(storageClass);
}

/** `F32` -> 'float32'; undefined for a name safetensors does not use (or one we do not read). */
export function dtypeOfSafetensors(name: string): TorchDtype | undefined {
  return BY_SAFETENSORS.get(name);
}

/** The array type a dtype is held in (see TorchTensor). */
export function holderOf(dtype: TorchDtype): 'float' | 'int' | 'byte' {
  if (dtype.startsWith('float') || dtype === 'bfloat16') return 'float';
  return dtype === 'uint8' || dtype === 'bool' ? 'byte' : 'int';
}
