import { plainBytes } from '../bytes.js';
import { InteropError } from '../errors.js';
import { readLegacyCheckpoint } from './legacy-format.js';
import type { PickleValue } from './types.js';
import { readZipCheckpoint } from './zip-format.js';

export interface TorchFile {
  /** 'zip' for torch >= 1.6's default, 'legacy' for older files and `_use_new_zipfile_serialization=False`. */
  format: 'zip' | 'legacy';
  /** What torch.save was given, as plain data: dicts are Maps, tensors TorchTensors. */
  root: PickleValue;
}

/**
 * Reads what torch.save wrote (`.pth`, `.pt`, `.pth.tar`: the name does not matter) without
 * running anything from it: only data-only globals are allowed (DATA_ONLY_GLOBALS), and
 * every size in the file is checked against the file before it is used.
 */
export function readTorchFile(input: Uint8Array, source: string): TorchFile {
  const bytes = plainBytes(input);
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06])) {
    return { format: 'zip', root: readZipCheckpoint(bytes, source) };
  }
  if (isTar(bytes)) {
    throw new InteropError(
      source,
      "a tar archive: torch's oldest checkpoint format (torch < 0.4), which is not read; load and torch.save it again with a newer torch",
    );
  }
  if (looksLikePickle(bytes)) return { format: 'legacy', root: readLegacyCheckpoint(bytes, source) };
  throw new InteropError(
    source,
    `neither a torch zip file (torch >= 1.6) nor a legacy torch file (torch < 1.6): ${whatItIs(bytes)}`,
  );
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((byte, i) => bytes[i] === byte);
}

function isTar(bytes: Uint8Array): boolean {
  return bytes.length >= 262 && new TextDecoder('latin1').decode(bytes.subarray(257, 262)) === 'ustar';
}

/** A binary pickle opens with PROTO; a protocol-0/1 legacy file with its magic number as a LONG. */
function looksLikePickle(bytes: Uint8Array): boolean {
  return (bytes[0] === 0x80 && bytes[1] <= 5) || (bytes[0] === 0x4c && bytes[1] >= 0x30 && bytes[1] <= 0x39);
}

function whatItIs(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'the file is empty';
  const ascii = new TextDecoder('latin1').decode(bytes.subarray(0, 8));
  if (ascii === 'CNDNCKPT') return "it is this project's own checkpoint ('CNDNCKPT'), which @condensenet/train reads";
  if (isSafetensors(bytes)) return 'it is a safetensors file';
  if (bytes[0] === 0x08 && bytes[1] < 0x80 && (bytes[2] & 7) === 2)
    return 'it looks like an ONNX model (a protobuf starting with ir_version)';
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return 'it is gzip-compressed: decompress it first';
  const head = [...bytes.subarray(0, 8)].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
  return `its first bytes are ${head}`;
}

/** An 8-byte little-endian header length, then that many bytes of JSON. */
function isSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true);
  return 8 + headerLength <= bytes.length && bytes[8] === 0x7b;
}
