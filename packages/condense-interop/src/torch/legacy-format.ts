import { InteropError } from '../errors.js';
import { readPickle } from '../pickle/unpickler.js';
import { describe, type Unpickled } from '../pickle/values.js';
import { DTYPES } from './dtypes.js';
import { ElementBudget, parseStorageId, storageHandle, TorchStorage } from './storage.js';
import type { PickleValue } from './types.js';

/** torch.serialization's MAGIC_NUMBER, the first pickle of a legacy file. */
export const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL_VERSION = 1001;

/**
 * torch's legacy format (torch < 1.6, or `_use_new_zipfile_serialization=False`): pickles one
 * after another (the magic number, the protocol version 1001, sys_info, the object, the list
 * of storage keys), then, per key in that order, an int64 element count and the storage's
 * raw bytes, both little-endian. The object's tensors are made before their bytes are read,
 * and filled in then.
 */
export function readLegacyCheckpoint(bytes: Uint8Array, source: string): PickleValue {
  let at = 0;
  const next = (persistentLoad?: (pid: Unpickled) => Unpickled): PickleValue => {
    const { value, end } = readPickle(bytes, at, { source, persistentLoad });
    at = end;
    return value;
  };
  if (next() !== LEGACY_MAGIC) {
    throw new InteropError(
      source,
      "neither a torch zip file nor a legacy torch file: a pickle, but without torch's magic number (pickle.dump output?)",
    );
  }
  const version = next();
  if (version !== LEGACY_PROTOCOL_VERSION)
    throw new InteropError(source, `legacy torch protocol version ${describe(version)}; ${LEGACY_PROTOCOL_VERSION} expected`);
  // sys_info (byte order, type sizes) only describes the saving machine: torch writes legacy
  // storages little-endian on every machine, and ignores sys_info when loading.
  next();

  const budget = new ElementBudget(bytes.length, source);
  const storages = new Map<string, TorchStorage>();
  const root = next((pid) => {
    const { dtype, key, numel } = parseStorageId(pid, 'legacy', source);
    let storage = storages.get(key);
    if (storage === undefined) {
      storage = new TorchStorage(key, dtype, numel, budget, source);
      storages.set(key, storage);
    } else if (storage.dtype !== dtype || storage.numel !== numel) {
      throw new InteropError(source, `storage '${key}' is named as ${storage.numel} ${storage.dtype} and as ${numel} ${dtype}`);
    }
    return storageHandle(storage);
  });

  const keys = next();
  if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'string')) {
    throw new InteropError(source, `the legacy storage key list is ${describe(keys)}, not a list of str`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const key of keys as string[]) {
    const storage = storages.get(key);
    if (storage === undefined) throw new InteropError(source, `the storage list names '${key}', which no tensor uses`);
    if (storage.loaded) throw new InteropError(source, `the storage list names '${key}' twice`);
    if (at + 8 > bytes.length) throw new InteropError(source, `truncated: storage '${key}' has no element count at offset ${at}`);
    const high = view.getInt32(at + 4, true);
    const count = high * 2 ** 32 + view.getUint32(at, true);
    const size = DTYPES[storage.dtype].size;
    const remaining = bytes.length - at - 8;
    if (count < 0 || count * size > remaining) {
      throw new InteropError(
        source,
        `storage '${key}' at offset ${at} claims ${count} ${storage.dtype} elements (${count * size} bytes), only ${remaining} bytes remain`,
      );
    }
    if (count !== storage.numel)
      throw new InteropError(source, `storage '${key}' holds ${count} elements, its persistent id says ${storage.numel}`);
    storage.load(bytes.subarray(at + 8, at + 8 + count * size), 'little');
    at += 8 + count * size;
  }
  const missing = [...storages.values()].find((storage) => !storage.loaded);
  if (missing) throw new InteropError(source, `storage '${missing.name}' is used by a tensor but missing from the storage list`);
  return root;
}
