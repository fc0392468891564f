import { OnnxDataType } from './onnx-proto.js';
import type { AttributeInit, GraphInit, NodeInit, TensorInit, ValueInfoInit } from './onnx-proto.js';

/**
 * Collects the nodes and initializers of a graph in the order they are added. Each node has one
 * output named after the node, so a value can be traced back to the node that made it.
 */
export class GraphBuilder {
  private readonly nodes: NodeInit[] = [];
  private readonly initializers: TensorInit[] = [];

  /** Adds a node and returns the name of its output (`output`, or else the node's name). */
  node(
    opType: string,
    name: string,
    inputs: readonly string[],
    attributes: readonly AttributeInit[] = [],
    output = name,
  ): string {
    this.nodes.push({ name, opType, inputs, outputs: [output], attributes });
    return output;
  }

  floats(name: string, dims: readonly number[], data: ArrayLike<number>): string {
    const bytes = new Uint8Array(data.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
    this.initializers.push({ name, dataType: OnnxDataType.FLOAT, dims, rawData: bytes });
    return name;
  }

  int64s(name: string, dims: readonly number[], data: ArrayLike<number>): string {
    const bytes = new Uint8Array(data.length * 8);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < data.length; i++) view.setBigInt64(i * 8, BigInt(data[i]), true);
    this.initializers.push({ name, dataType: OnnxDataType.INT64, dims, rawData: bytes });
    return name;
  }

  graph(name: string, inputs: ValueInfoInit[], outputs: ValueInfoInit[], docString: string): GraphInit {
    return { name, nodes: this.nodes, initializers: this.initializers, inputs, outputs, docString };
  }
}

export const ints = (name: string, value: readonly number[]): AttributeInit => ({ name, kind: 'ints', value });
export const int = (name: string, value: number): AttributeInit => ({ name, kind: 'int', value });
export const float = (name: string, value: number): AttributeInit => ({ name, kind: 'float', value });
