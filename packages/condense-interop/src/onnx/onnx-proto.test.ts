import { describe, expect, it } from 'vitest';
import { encodeModel, OnnxDataType } from './onnx-proto.js';
import type { ModelInit } from './onnx-proto.js';

const littleEndian = (array: Float32Array | BigInt64Array) =>
  new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

/** Gemm -> Gather -> Transpose with FLOAT, INT (zero and negative) and INTS attributes. */
const tiny: ModelInit = {
  irVersion: 8,
  producerName: 'condensenet',
  opsetVersion: 13,
  graph: {
    name: 'tiny_graph',
    docString: 'tiny',
    nodes: [
      {
        name: 'gemm',
        opType: 'Gemm',
        inputs: ['x', 'w'],
        outputs: ['y'],
        attributes: [
          { name: 'alpha', kind: 'float', value: 0.5 },
          { name: 'transA', kind: 'int', value: 0 },
        ],
      },
      {
        name: 'gather',
        opType: 'Gather',
        inputs: ['y', 'idx'],
        outputs: ['g'],
        attributes: [{ name: 'axis', kind: 'int', value: -1 }],
      },
      {
        name: 'transpose',
        opType: 'Transpose',
        inputs: ['g'],
        outputs: ['out'],
        attributes: [{ name: 'perm', kind: 'ints', value: [1, 0] }],
      },
    ],
    initializers: [
      {
        name: 'w',
        dataType: OnnxDataType.FLOAT,
        dims: [2, 3],
        rawData: littleEndian(new Float32Array([1, -2, 3, 0.25, 5, -6])),
      },
      { name: 'idx', dataType: OnnxDataType.INT64, dims: [2], rawData: littleEndian(new BigInt64Array([2n, 0n])) },
    ],
    inputs: [{ name: 'x', elemType: OnnxDataType.FLOAT, shape: ['n', 2] }],
    outputs: [{ name: 'out', elemType: OnnxDataType.FLOAT, shape: [2, 'n'] }],
  },
};

/**
 * Generated with the onnx package (1.12, /usr/bin/python3): the same model built with
 * onnx.helper (make_node, make_tensor(raw=True), make_tensor_value_info, make_graph), ir_version 8,
 * producer_name 'condensenet', opset_import ('', 13), passed onnx.checker.check_model(full_check=True),
 * then `model.SerializeToString().hex()`.
 */
const ONNX_BYTES =
  '0808120b636f6e64656e73656e65743a9b020a350a01780a01771201791a0467656d6d220447656d6d2a0f0a05616c706861150000003fa001012a0d0a067472616e73411800a001020a310a01790a036964781201671a0667617468657222064761746865722a140a046178697318ffffffffffffffffff01a001020a2d0a016712036f75741a097472616e73706f736522095472616e73706f73652a0d0a047065726d40014000a00107120a74696e795f67726170682a230802080310014201774a180000803f000000c0000040400000803e0000a0400000c0c02a1b0802100742036964784a1002000000000000000000000000000000520474696e795a140a0178120f0a0d080112090a0312016e0a02080262160a036f7574120f0a0d080112090a0208020a0312016e42040a00100d';

describe('encodeModel', () => {
  it('produces the bytes the onnx package serialises for the same ModelProto', () => {
    expect(Buffer.from(encodeModel(tiny)).toString('hex')).toBe(ONNX_BYTES);
  });

  it('produces a model onnxruntime runs', async () => {
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(encodeModel(tiny));
    const x = new ort.Tensor('float32', new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]);
    const { out } = await session.run({ x });
    // y = 0.5 * x @ w; g = y[:, [2, 0]]; out = g^T.
    const y = [
      [0.5 * (1 + 0.5), 0.5 * (-2 + 10), 0.5 * (3 - 12)],
      [0.5 * (3 + 1), 0.5 * (-6 + 20), 0.5 * (9 - 24)],
      [0.5 * (5 + 1.5), 0.5 * (-10 + 30), 0.5 * (15 - 36)],
    ];
    expect(out.dims).toEqual([2, 3]);
    expect(Array.from(out.data as Float32Array)).toEqual([...y.map((r) => r[2]), ...y.map((r) => r[0])]);
  });
});
