/** Element types torch stores; the names are torch's (`torch.float32` -> 'float32'). */
export type TorchDtype = 'float64' | 'float32' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/**
 * A tensor read from (or to be written to) a torch, safetensors or ONNX file, in C order
 * (row-major, contiguous). Floating types are held as Float32Array (float64, float16 and
 * bfloat16 converted), signed integers as Int32Array (an int64 that does not fit is an error),
 * uint8 and bool as Uint8Array.
 */
export interface TorchTensor {
  readonly kind: 'tensor';
  /** The element type in the file (what a writer stores). */
  dtype: TorchDtype;
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
  requiresGrad: boolean;
}

/**
 * What the unpickler builds: plain data only. Lists and tuples become arrays; dicts and
 * OrderedDicts become Maps (keys may be strings or numbers: an optimizer's state is keyed by
 * parameter index); Python ints become numbers, or bigints beyond 2^53; bytes become Uint8Array.
 * Objects of the few allowlisted classes that are not tensors (argparse.Namespace, numpy
 * scalars) become PickleObject.
 */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | Map<PickleKey, PickleValue>
  | TorchTensor
  | PickleObject;

export type PickleKey = string | number | bigint | boolean | null;

/** An instance of an allowlisted non-tensor class: its qualified name and its state. */
export interface PickleObject {
  readonly kind: 'object';
  /** e.g. 'argparse.Namespace' */
  className: string;
  state: Map<PickleKey, PickleValue>;
}

export function isTorchTensor(value: unknown): value is TorchTensor {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'tensor' && !(value instanceof Map);
}

/** Elements of a shape ([] is a scalar: 1). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
