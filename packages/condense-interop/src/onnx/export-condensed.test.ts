import { buildPlan, referenceParameters } from '@condensenet/core';
import type { CondenseNetConfigInput } from '@condensenet/core';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { InteropError } from '../errors.js';
import { exportCondensedOnnx } from './export-condensed.js';
import type { CondensedOnnxOptions, CondensedWeights } from './export-condensed.js';
import { seededRandom } from '@condensenet/golden-fixtures';
import { goldenTiny, randomCondensedWeights } from './test-support/models.js';
import { integers, messages, readFields, strings } from './test-support/proto-reader.js';
import type { Fields } from './test-support/proto-reader.js';
import { referenceForward } from './test-support/reference-forward.js';

const golden = goldenTiny();
const IMAGE = 3 * 32 * 32;

async function run(bytes: Uint8Array, x: Float32Array, shape: number[]): Promise<ort.Tensor> {
  const session = await ort.InferenceSession.create(bytes);
  expect(session.inputNames).toEqual(['input']);
  expect(session.outputNames).toEqual(['logits']);
  const { logits } = await session.run({ input: new ort.Tensor('float32', x, shape) });
  return logits;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function exportError(model: CondensedWeights, options?: CondensedOnnxOptions): InteropError {
  try {
    exportCondensedOnnx(model, options);
  } catch (e) {
    expect(e).toBeInstanceOf(InteropError);
    return e as InteropError;
  }
  throw new Error('the export did not fail');
}

function withTensors(edit: (tensors: Map<string, Float32Array | Int32Array>) => void): CondensedWeights {
  const tensors = new Map(golden.model.tensors);
  edit(tensors);
  return { ...golden.model, tensors };
}

/** The graph of an exported model, decoded independently of the encoder. */
function decode(bytes: Uint8Array) {
  const model = readFields(bytes);
  const [graph] = messages(model, 7);
  const nodes = messages(graph, 1).map((n) => ({
    inputs: strings(n, 1),
    name: strings(n, 3)[0],
    opType: strings(n, 4)[0],
    attributes: new Map(messages(n, 5).map((a) => [strings(a, 1)[0], a])),
  }));
  const initializers = new Map(
    messages(graph, 5).map((t) => {
      const tensor = { dims: integers(t, 1), dataType: integers(t, 2)[0], raw: t.get(9)![0] as Uint8Array };
      return [strings(t, 8)[0], tensor];
    }),
  );
  const valueInfo = (v: Fields) => {
    const [tensorType] = messages(messages(v, 2)[0], 1);
    const dims = messages(messages(tensorType, 2)[0], 1).map((d) => (d.has(2) ? strings(d, 2)[0] : integers(d, 1)[0]));
    return { name: strings(v, 1)[0], elemType: integers(tensorType, 1)[0], dims };
  };
  return {
    irVersion: integers(model, 1)[0],
    producer: strings(model, 2)[0],
    opsets: messages(model, 8).map((o) => ({ domain: strings(o, 1)[0], version: integers(o, 2)[0] })),
    nodes,
    initializers,
    inputs: messages(graph, 11).map(valueInfo),
    outputs: messages(graph, 12).map(valueInfo),
  };
}

describe('exportCondensedOnnx on the golden condensenet_tiny', () => {
  let bytes: Uint8Array;
  beforeAll(() => {
    bytes = exportCondensedOnnx(golden.model);
  });

  it('gives the official converted model\'s logits in onnxruntime', async () => {
    const logits = await run(bytes, golden.x, [4, 3, 32, 32]);
    expect(logits.dims).toEqual([4, 10]);
    expect(maxAbsDiff(logits.data as Float32Array, golden.logits)).toBeLessThan(1e-4);
  });

  it('takes any batch size', async () => {
    const session = await ort.InferenceSession.create(bytes);
    for (const [start, count] of [
      [0, 1],
      [1, 3],
    ]) {
      const x = golden.x.slice(start * IMAGE, (start + count) * IMAGE);
      const { logits } = await session.run({ input: new ort.Tensor('float32', x, [count, 3, 32, 32]) });
      expect(logits.dims).toEqual([count, 10]);
      const rows = golden.logits.subarray(start * 10, (start + count) * 10);
      expect(maxAbsDiff(logits.data as Float32Array, rows)).toBeLessThan(1e-4);
    }
  });

  it('normalises [0, 1] images inside the graph when asked', async () => {
    const normalization = { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] };
    const raw = golden.x.map((v, i) => {
      const c = Math.floor(i / 1024) % 3;
      return v * normalization.std[c] + normalization.mean[c];
    });
    const model = { ...golden.model, normalization };
    const logits = await run(exportCondensedOnnx(model, { includeNormalization: true }), raw, [4, 3, 32, 32]);
    expect(maxAbsDiff(logits.data as Float32Array, golden.logits)).toBeLessThan(1e-4);
    // Without the option the same raw input is taken as normalised, so the logits move.
    const plain = await run(exportCondensedOnnx(model), raw, [4, 3, 32, 32]);
    expect(maxAbsDiff(plain.data as Float32Array, golden.logits)).toBeGreaterThan(1e-2);
  });

  it('declares IR 8, opset 13, a dynamic batch and the reference names', () => {
    const g = decode(bytes);
    expect(g.irVersion).toBe(8);
    expect(g.producer).toBe('condensenet');
    expect(g.opsets).toEqual([{ domain: '', version: 13 }]);
    expect(g.inputs).toEqual([{ name: 'input', elemType: 1, dims: ['batch', 3, 32, 32] }]);
    expect(g.outputs).toEqual([{ name: 'logits', elemType: 1, dims: ['batch', 10] }]);
    for (const p of referenceParameters(buildPlan(golden.model.config), 'condensed')) {
      const init = g.initializers.get(p.name);
      if (p.role === 'bn-num-batches') {
        expect(init).toBeUndefined();
        continue;
      }
      expect(init?.dims, p.name).toEqual(p.shape);
      expect(init?.dataType, p.name).toBe(p.role === 'index' ? 7 : 1);
    }
    const index = g.initializers.get('features.denseblock_1.denselayer_2.conv_1.index')!;
    const expected = golden.model.tensors.get('features.denseblock_1.denselayer_2.conv_1.index')!;
    expect(Array.from(new BigInt64Array(index.raw.slice().buffer), Number)).toEqual(Array.from(expected));
  });

  it('builds each layer as the reference converted model computes it', () => {
    const g = decode(bytes);
    const counts = new Map<string, number>();
    for (const n of g.nodes) counts.set(n.opType, (counts.get(n.opType) ?? 0) + 1);
    const layers = 6;
    expect(Object.fromEntries(counts)).toEqual({
      Conv: 1 + 2 * layers,
      Gather: layers + 1,
      BatchNormalization: 2 * layers + 1,
      Relu: 2 * layers + 1,
      Reshape: 2 * layers,
      Transpose: layers,
      Concat: layers,
      AveragePool: 2 + 1,
      Flatten: 1,
      Gemm: 1,
    });

    const p = 'features.denseblock_1.denselayer_1';
    const layer = g.nodes.filter((n) => n.name.startsWith(`${p}.`) || n.name === p);
    expect(layer.map((n) => n.opType)).toEqual([
      'Gather', 'BatchNormalization', 'Relu', 'Conv', 'Reshape', 'Transpose', 'Reshape',
      'BatchNormalization', 'Relu', 'Conv', 'Concat',
    ]);
    const [gather, , , conv1, split, transpose, merge, , , conv2, concat] = layer;
    expect(gather.inputs).toEqual(['features.init_conv', `${p}.conv_1.index`]);
    expect(integers(gather.attributes.get('axis')!, 3)).toEqual([1]);
    expect(integers(conv1.attributes.get('group')!, 3)).toEqual([4]);
    expect(integers(conv2.attributes.get('group')!, 3)).toEqual([4]);
    expect(integers(conv2.attributes.get('pads')!, 8)).toEqual([1, 1, 1, 1]);
    expect(integers(transpose.attributes.get('perm')!, 8)).toEqual([0, 2, 1, 3, 4]);
    const shape = (name: string) => Array.from(new BigInt64Array(g.initializers.get(name)!.raw.slice().buffer), Number);
    expect(shape(split.inputs[1])).toEqual([0, 4, 4, 32, 32]);
    expect(shape(merge.inputs[1])).toEqual([0, 16, 32, 32]);
    expect(concat.inputs).toEqual(['features.init_conv', `${p}.conv_2.conv`]);

    const head = g.nodes.slice(-6);
    expect(head.map((n) => n.opType)).toEqual([
      'BatchNormalization', 'Relu', 'AveragePool', 'Flatten', 'Gather', 'Gemm',
    ]);
    expect(integers(head[2].attributes.get('kernel_shape')!, 8)).toEqual([8, 8]);
    expect(integers(head[5].attributes.get('transB')!, 3)).toEqual([1]);
  });

  it('starts with Sub and Div when it normalises', () => {
    const model = { ...golden.model, normalization: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } };
    const g = decode(exportCondensedOnnx(model, { includeNormalization: true }));
    expect(g.nodes.slice(0, 3).map((n) => n.opType)).toEqual(['Sub', 'Div', 'Conv']);
    expect(g.initializers.get('normalize.std')!.dims).toEqual([1, 3, 1, 1]);
  });

  it('writes another opset from 13 to 17 on request and refuses the rest', async () => {
    const bytes17 = exportCondensedOnnx(golden.model, { opset: 17 });
    expect(decode(bytes17).opsets).toEqual([{ domain: '', version: 17 }]);
    const logits = await run(bytes17, golden.x, [4, 3, 32, 32]);
    expect(maxAbsDiff(logits.data as Float32Array, golden.logits)).toBeLessThan(1e-4);
    expect(exportError(golden.model, { opset: 12 }).message).toMatch(/opset 12/);
    expect(exportError(golden.model, { opset: 18 }).message).toMatch(/opset 18/);
  });
});

describe('exportCondensedOnnx refuses bad weights', () => {
  it('names a missing tensor', () => {
    const name = 'features.denseblock_2.denselayer_1.conv_2.norm.running_var';
    const error = exportError(withTensors((t) => t.delete(name)));
    expect(error.message).toContain(`'${name}' is missing`);
  });

  it('names a tensor of the wrong length', () => {
    const name = 'features.denseblock_3.denselayer_2.conv_1.conv.weight';
    const error = exportError(withTensors((t) => t.set(name, new Float32Array(64 * 12 - 1))));
    expect(error.message).toContain(`'${name}' has 767 elements, expected 768`);
  });

  it('names a tensor of the wrong type', () => {
    const name = 'classifier.index';
    const error = exportError(withTensors((t) => t.set(name, new Float32Array(32))));
    expect(error.message).toContain(`'${name}' is Float32Array data, expected Int32Array`);
  });

  it('names an index outside the channels it selects from', () => {
    const name = 'features.denseblock_1.denselayer_2.conv_1.index';
    const outOfRange = Int32Array.from({ length: 12 }, (_, i) => (i === 5 ? 12 : i));
    const error = exportError(withTensors((t) => t.set(name, outOfRange)));
    expect(error.message).toContain(`'${name}' holds 12 at position 5`);
    const negative = exportError(withTensors((t) => t.set('classifier.index', new Int32Array(32).fill(-1))));
    expect(negative.message).toContain(`'classifier.index' holds -1`);
  });

  it('needs a valid normalisation to include it', () => {
    expect(exportError(golden.model, { includeNormalization: true }).message).toMatch(/normalization/);
    const short = { ...golden.model, normalization: { mean: [0.5, 0.5], std: [1, 1, 1] } };
    expect(exportError(short, { includeNormalization: true }).message).toContain('normalization.mean has 2 entries');
    const zero = { ...golden.model, normalization: { mean: [0, 0, 0], std: [1, 0, 1] } };
    expect(exportError(zero, { includeNormalization: true }).message).toMatch(/normalization\.std .* positive/);
  });

  it('needs a usable batch-norm epsilon', () => {
    expect(exportError({ ...golden.model, batchNormEpsilon: Number.NaN }).message).toMatch(/batchNormEpsilon/);
  });
});

describe('exportCondensedOnnx on other geometries', () => {
  const cases: [string, CondenseNetConfigInput][] = [
    // Fashion-MNIST: one channel, 28 -> 14 after a stride-2 stem -> 7.
    ['28x28x1, stem stride 2', { stages: [2, 2], growth: [4, 8], inputChannels: 1, inputSize: 28, stemStride: 2 }],
    // ImageNet-like stem with odd maps (13 -> 6 -> 3), G != C and a dense 3x3.
    [
      'imagenet, 26x26, G 2, C 4, group3x3 1',
      {
        data: 'imagenet',
        stages: [1, 2, 1],
        growth: [8, 8, 8],
        inputSize: 26,
        numClasses: 7,
        group1x1: 2,
        condenseFactor: 4,
        group3x3: 1,
      },
    ],
  ];

  it.each(cases)('%s matches the reference forward', async (_, input) => {
    const model = randomCondensedWeights(input, 11);
    const { inputChannels: c, inputSize: s, numClasses } = model.config;
    const batch = 3;
    const next = seededRandom(5);
    const x = Float32Array.from({ length: batch * c * s * s }, () => 2 * next() - 1);
    const logits = await run(exportCondensedOnnx(model), x, [batch, c, s, s]);
    expect(logits.dims).toEqual([batch, numClasses]);
    const expected = referenceForward(model, x, batch);
    const scale = Math.max(1, ...Array.from(expected, Math.abs));
    expect(maxAbsDiff(logits.data as Float32Array, expected)).toBeLessThan(1e-4 * scale);
  });
});
