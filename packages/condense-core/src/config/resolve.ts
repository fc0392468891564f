import { ConfigError } from './errors.js';
import { DATA_KINDS, geometryForInput, inputGeometry, stemOutputSize } from './types.js';
import type { CondenseNetConfig, CondenseNetConfigInput, DataKind } from './types.js';

/**
 * Fills the reference's defaults (b = 4, G = group3x3 = 4, C = G, no dropout, geometry and
 * classes from `data`) and checks every rule of the spec, so that anything built from the
 * result cannot fail on shapes later.
 */
export function resolveConfig(input: CondenseNetConfigInput): CondenseNetConfig {
  if (input === null || typeof input !== 'object') {
    throw new ConfigError('config', input, 'must be an object with at least stages and growth');
  }
  const data = (input.data ?? 'cifar10') as DataKind;
  if (!DATA_KINDS.includes(data)) {
    throw new ConfigError('data', data, `must be one of ${DATA_KINDS.join(', ')}`);
  }
  const geometry = inputGeometry(data);
  const group1x1 = input.group1x1 ?? 4;
  const inputSize = input.inputSize ?? geometry.inputSize;
  const stemStride = input.stemStride ?? geometry.stemStride;
  // A chosen input size or stem stride moves the last block's side, so the pool follows it.
  const geometryChanged = input.inputSize !== undefined || input.stemStride !== undefined;
  const config: CondenseNetConfig = {
    stages: copyList(input.stages, 'stages'),
    growth: copyList(input.growth, 'growth'),
    bottleneck: input.bottleneck ?? 4,
    group1x1,
    group3x3: input.group3x3 ?? 4,
    condenseFactor: input.condenseFactor ?? group1x1,
    dropout: input.dropout ?? 0,
    numClasses: input.numClasses ?? geometry.numClasses,
    data,
    inputSize,
    inputChannels: input.inputChannels ?? 3,
    stemStride,
    poolSize:
      input.poolSize ??
      (geometryChanged ? geometryForInput(inputSize, input.stages.length, stemStride).poolSize : geometry.poolSize),
  };
  validateConfig(config);
  return config;
}

/** Throws a ConfigError naming the first field that breaks a rule. */
export function validateConfig(config: CondenseNetConfig): void {
  const { stages, growth } = config;
  if (stages.length === 0) throw new ConfigError('stages', stages, 'must name at least one block');
  if (growth.length !== stages.length) {
    throw new ConfigError(
      'growth',
      growth,
      `must have one entry per block (stages has ${stages.length}, growth has ${growth.length})`,
    );
  }
  stages.forEach((v, i) => positiveInteger(`stages[${i}]`, v));
  growth.forEach((v, i) => positiveInteger(`growth[${i}]`, v));
  for (const field of [
    'bottleneck',
    'group1x1',
    'group3x3',
    'condenseFactor',
    'numClasses',
    'inputSize',
    'inputChannels',
    'stemStride',
    'poolSize',
  ] as const) {
    positiveInteger(field, config[field]);
  }
  if (!(typeof config.dropout === 'number' && config.dropout >= 0 && config.dropout < 1)) {
    throw new ConfigError('dropout', config.dropout, 'must be a number in [0, 1)');
  }
  checkLayerChannels(config);
  checkSpatial(config);
}

/**
 * The learned group conv of layer j in block i sees R = F + j * growth[i] channels and emits
 * O = bottleneck * growth[i]; the spec requires R % G == 0, R % C == 0 and O % G == 0, and the
 * 3x3 conv needs both of its channel counts divisible by group3x3.
 */
function checkLayerChannels(config: CondenseNetConfig): void {
  const { group1x1: G, condenseFactor: C, group3x3, bottleneck } = config;
  let features = 2 * config.growth[0];
  config.stages.forEach((layers, i) => {
    const k = config.growth[i];
    const where = (j: number) => `denseblock_${i + 1}.denselayer_${j + 1}`;
    const out = bottleneck * k;
    if (out % G !== 0) {
      throw new ConfigError(
        `growth[${i}]`,
        k,
        `bottleneck * growth = ${out} output channels of the learned group convs in denseblock_${i + 1} must be divisible by group1x1 = ${G}`,
      );
    }
    if (out % group3x3 !== 0 || k % group3x3 !== 0) {
      throw new ConfigError(
        `growth[${i}]`,
        k,
        `the 3x3 convs of denseblock_${i + 1} map ${out} -> ${k} channels; both must be divisible by group3x3 = ${group3x3}`,
      );
    }
    for (let j = 0; j < layers; j++) {
      const r = features + j * k;
      if (r % G !== 0) {
        throw new ConfigError(
          `growth[${i}]`,
          k,
          `${where(j)} has ${r} input channels, not divisible by group1x1 = ${G}`,
        );
      }
      if (r % C !== 0) {
        throw new ConfigError(
          `growth[${i}]`,
          k,
          `${where(j)} has ${r} input channels, not divisible by condenseFactor = ${C}`,
        );
      }
    }
    features += layers * k;
  });
}

/** The last block must end at poolSize x poolSize so the classifier sees one vector per image. */
function checkSpatial(config: CondenseNetConfig): void {
  let size = stemOutputSize(config.inputSize, config.stemStride);
  for (let i = 1; i < config.stages.length; i++) {
    if (size < 2) {
      throw new ConfigError(
        'inputSize',
        config.inputSize,
        `too small: the feature map is ${size}x${size} before transition_${i}`,
      );
    }
    size = Math.floor(size / 2);
  }
  if (size !== config.poolSize) {
    throw new ConfigError(
      'poolSize',
      config.poolSize,
      `the last block's maps are ${size}x${size} for inputSize ${config.inputSize}, stemStride ${config.stemStride} and ${config.stages.length} blocks; the final pool must cover them exactly`,
    );
  }
}

function positiveInteger(field: string, value: unknown): void {
  if (!(typeof value === 'number' && Number.isInteger(value) && value > 0)) {
    throw new ConfigError(field, value, 'must be a positive integer');
  }
}

function copyList(value: unknown, field: string): number[] {
  if (!Array.isArray(value)) throw new ConfigError(field, value, 'must be a list of positive integers');
  return value.slice();
}
