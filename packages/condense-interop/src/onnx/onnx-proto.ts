import { ProtoWriter } from './protobuf.js';

/**
 * Encoders for the ONNX messages an inference graph needs, with the field numbers of onnx.proto.
 * Fields are written in field-number order and repeated scalars unpacked (onnx.proto is proto2
 * and declares `dims` and `ints` without `packed`), so the bytes equal those of the onnx
 * package's `SerializeToString` for the same message.
 */

/** TensorProto.DataType values used here. */
export const OnnxDataType = { FLOAT: 1, INT64: 7 } as const;
export type OnnxDataType = (typeof OnnxDataType)[keyof typeof OnnxDataType];

export interface TensorInit {
  name: string;
  dataType: OnnxDataType;
  dims: readonly number[];
  /** Little-endian element bytes in C order. */
  rawData: Uint8Array;
}

export type AttributeInit =
  | { name: string; kind: 'float'; value: number }
  | { name: string; kind: 'int'; value: number }
  | { name: string; kind: 'ints'; value: readonly number[] };

export interface NodeInit {
  name: string;
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: readonly AttributeInit[];
}

/** A tensor-typed graph input or output; a string dimension is symbolic (dim_param). */
export interface ValueInfoInit {
  name: string;
  elemType: OnnxDataType;
  shape: readonly (number | string)[];
}

export interface GraphInit {
  name: string;
  nodes: readonly NodeInit[];
  initializers: readonly TensorInit[];
  inputs: readonly ValueInfoInit[];
  outputs: readonly ValueInfoInit[];
  docString?: string;
}

export interface ModelInit {
  irVersion: number;
  producerName: string;
  /** Version of the default ('' = ai.onnx) operator set. */
  opsetVersion: number;
  graph: GraphInit;
}

export function encodeModel(model: ModelInit): Uint8Array {
  const opset = new ProtoWriter().string(1, '').varint(2, model.opsetVersion);
  return new ProtoWriter()
    .varint(1, model.irVersion)
    .string(2, model.producerName)
    .message(7, encodeGraph(model.graph))
    .message(8, opset)
    .finish();
}

function encodeGraph(graph: GraphInit): ProtoWriter {
  const w = new ProtoWriter();
  for (const node of graph.nodes) w.message(1, encodeNode(node));
  w.string(2, graph.name);
  for (const tensor of graph.initializers) w.message(5, encodeTensor(tensor));
  if (graph.docString !== undefined) w.string(10, graph.docString);
  for (const input of graph.inputs) w.message(11, encodeValueInfo(input));
  for (const output of graph.outputs) w.message(12, encodeValueInfo(output));
  return w;
}

function encodeNode(node: NodeInit): ProtoWriter {
  const w = new ProtoWriter();
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, node.name).string(4, node.opType);
  for (const attribute of node.attributes ?? []) w.message(5, encodeAttribute(attribute));
  return w;
}

/** AttributeProto.AttributeType values. */
const ATTRIBUTE_TYPE = { float: 1, int: 2, ints: 7 } as const;

function encodeAttribute(attribute: AttributeInit): ProtoWriter {
  const w = new ProtoWriter().string(1, attribute.name);
  switch (attribute.kind) {
    case 'float':
      w.float(2, attribute.value);
      break;
    case 'int':
      w.varint(3, attribute.value);
      break;
    case 'ints':
      for (const v of attribute.value) w.varint(8, v);
      break;
  }
  return w.varint(20, ATTRIBUTE_TYPE[attribute.kind]);
}

function encodeTensor(tensor: TensorInit): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of tensor.dims) w.varint(1, d);
  return w.varint(2, tensor.dataType).string(8, tensor.name).bytes(9, tensor.rawData);
}

function encodeValueInfo(info: ValueInfoInit): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of info.shape) {
    const dim = typeof d === 'string' ? new ProtoWriter().string(2, d) : new ProtoWriter().varint(1, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().varint(1, info.elemType).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, info.name).message(2, type);
}
