import {
  advanceCondensation,
  groupLassoValue,
  linearIoToOi,
  linearOiToIo,
  targetStage,
  validateLearnedGroupShape,
  type CondensationState,
  type LearnedGroupShape,
} from '@condensenet/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { learnedGroupConvTrain } from '../ops/condensed-conv1x1-train.js';
import { maskedConv1x1 } from '../ops/masked-conv1x1.js';
import {
  CondenseLayer,
  batchNormRelu,
  runningStatsSink,
  convInitializer,
  isPositiveInt,
  isTraining,
  requireField,
  singleInput,
  singleShape,
  type Kwargs,
  type LayerArgs,
  type LayerVariable,
  type NormVariables,
  type Shape,
} from './base.js';

export interface LearnedGroupConvArgs extends NonNullable<LayerArgs> {
  /** O: output channels. */
  filters: number;
  /** G: groups (interleaved: output o is in group o % G). */
  groups: number;
  /** C: each group keeps R / C input channels once condensed. */
  condenseFactor: number;
  /** Dropout rate between the ReLU and the conv (0 = none). */
  dropout?: number;
}

/**
 * The reference's LearnedGroupConv in training form: BN -> ReLU -> dropout -> 1x1 conv with
 * kernel * mask. Mask, stage and count are non-trainable weights, so they save with the model.
 * Before every forward, in training and inference alike (as the reference's `_check_drop`), the
 * layer catches up with the stage its `progress` calls for, pruning through core's
 * `advanceCondensation`. Progress lives on the layer, not in a global shared by all models.
 */
export class LearnedGroupConv extends CondenseLayer {
  static className = 'LearnedGroupConv';
  readonly filters: number;
  readonly groups: number;
  readonly condenseFactor: number;
  readonly dropout: number;
  /** Training progress in [0, 1]; set it with `setProgress(model, p)` or per step. */
  progress = 0;
  /**
   * Whether every forward first catches up with `progress` (the reference's `_check_drop`).
   * A training loop that calls `advanceAsync` itself before each step turns it off, so that a
   * step still prunes at most once and the forward reads nothing back from the device.
   */
  autoAdvance = true;
  private norm!: NormVariables;
  private kernel!: LayerVariable;
  private mask!: LayerVariable;
  private stage!: LayerVariable;
  private count!: LayerVariable;
  /** `stage` as last read, keyed by the variable's data: every write (prune, load) changes it. */
  private stageCache: { dataId: object; value: number } | null = null;

  constructor(args: LearnedGroupConvArgs) {
    super(args);
    const cfg = args as unknown as Record<string, unknown>;
    requireField(LearnedGroupConv.className, cfg, 'filters', isPositiveInt, 'a positive integer');
    requireField(LearnedGroupConv.className, cfg, 'groups', isPositiveInt, 'a positive integer');
    requireField(LearnedGroupConv.className, cfg, 'condenseFactor', isPositiveInt, 'a positive integer');
    requireField(
      LearnedGroupConv.className,
      cfg,
      'dropout',
      (v) => v === undefined || (typeof v === 'number' && v >= 0 && v < 1),
      'a number in [0, 1)',
    );
    this.filters = args.filters;
    this.groups = args.groups;
    this.condenseFactor = args.condenseFactor;
    this.dropout = args.dropout ?? 0;
  }

  /** The shape rules of core, for this layer's input width. */
  shapeFor(inChannels: number): LearnedGroupShape {
    return {
      outChannels: this.filters,
      inChannels,
      groups: this.groups,
      condenseFactor: this.condenseFactor,
    };
  }

  get groupShape(): LearnedGroupShape {
    return this.shapeFor(this.kernel.shape[2] as number);
  }

  override build(inputShape: Shape | Shape[]): void {
    const r = singleShape(inputShape).at(-1) as number;
    validateLearnedGroupShape(this.shapeFor(r), `LearnedGroupConv layer "${this.name}"`);
    this.norm = this.addNorm(r);
    this.kernel = this.weight('conv.weight', [1, 1, r, this.filters], convInitializer(1, 1, this.filters));
    this.mask = this.weight('_mask', [1, 1, r, this.filters], tfl.initializers.ones(), false);
    this.count = this.weight('_count', [1], tfl.initializers.zeros(), false);
    this.stage = this.weight('_stage', [1], tfl.initializers.zeros(), false);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape);
    return [...s.slice(0, -1), this.filters];
  }

  /** Mask (PyTorch [O, R] layout), stage and count as core sees them. */
  condensationState(): CondensationState {
    const { outChannels: o, inChannels: r } = this.groupShape;
    return {
      stage: this.stage.read().dataSync()[0],
      count: this.count.read().dataSync()[0],
      mask: linearIoToOi(this.mask.read().dataSync() as Float32Array, r, o),
    };
  }

  setCondensationState(state: CondensationState): void {
    const { outChannels: o, inChannels: r } = this.groupShape;
    tf.tidy(() => {
      this.mask.write(tf.tensor4d(linearOiToIo(state.mask, o, r), [1, 1, r, o]));
      this.stage.write(tf.tensor1d([state.stage]));
      this.count.write(tf.tensor1d([state.count]));
    });
  }

  /** The kernel in PyTorch [O, R] layout (unmasked). */
  weightOI(): Float32Array {
    const { outChannels: o, inChannels: r } = this.groupShape;
    return linearIoToOi(this.kernel.read().dataSync() as Float32Array, r, o);
  }

  /**
   * The condensation stage without a device read on every forward: the value is read back only
   * after the variable's data changed (a prune, a load, `setCondensationState`).
   */
  currentStage(): number {
    const t = this.stage.read();
    const dataId = t.dataId as object;
    if (this.stageCache?.dataId !== dataId) this.stageCache = { dataId, value: t.dataSync()[0] };
    return this.stageCache.value;
  }

  /** `currentStage` reading back asynchronously, and likewise only after the data changed. */
  private async currentStageAsync(): Promise<number> {
    const t = this.stage.read();
    const dataId = t.dataId as object;
    if (this.stageCache?.dataId !== dataId) this.stageCache = { dataId, value: (await t.data())[0] };
    return this.stageCache.value;
  }

  /** The reference's `_check_drop`: at most one prune per call. Returns whether it pruned. */
  advance(progress = this.progress): boolean {
    if (targetStage(progress, this.condenseFactor) <= this.currentStage()) return false;
    return this.prune(this.weightOI(), this.condensationState(), progress);
  }

  /**
   * `advance` reading the weights back asynchronously, for backends without synchronous reads
   * (webgpu in Node) and loops that should not block on the device: the same rule, the same prune.
   */
  async advanceAsync(progress = this.progress): Promise<boolean> {
    const stage = await this.currentStageAsync();
    if (targetStage(progress, this.condenseFactor) <= stage) return false;
    const { outChannels: o, inChannels: r } = this.groupShape;
    const [kernel, mask, count] = await Promise.all([this.kernel.read().data(), this.mask.read().data(), this.count.read().data()]);
    return this.prune(linearIoToOi(kernel as Float32Array, r, o), { stage, count: count[0], mask: linearIoToOi(mask as Float32Array, r, o) }, progress);
  }

  private prune(weightOI: Float32Array, state: CondensationState, progress: number): boolean {
    const next = advanceCondensation(weightOI, state, this.groupShape, progress);
    if (next.pruned) this.setCondensationState(next.state);
    return next.pruned;
  }

  /**
   * The reference's `lasso_loss` as a differentiable scalar: sum over groups g and inputs j of
   * sqrt(max(sum_{o % G == g} (W * M)[o, j]^2, 1e-6)); 0 once stage >= G - 1.
   */
  groupLasso(): tf.Scalar {
    const { outChannels: o, inChannels: r, groups: g } = this.groupShape;
    if (this.currentStage() >= g - 1) return tf.scalar(0);
    return tf.tidy(() => {
      const masked = tf.reshape(tf.mul(this.kernel.read(), this.mask.read()), [r, o / g, g]);
      return tf.sum(tf.sqrt(tf.maximum(tf.sum(tf.square(masked), 1), 1e-6))) as tf.Scalar;
    });
  }

  /** The same value computed by core, for checks. */
  groupLassoReference(): number {
    const state = this.condensationState();
    return groupLassoValue(this.weightOI(), state.mask, this.groupShape, state.stage);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    if (this.autoAdvance) this.advance();
    return tf.tidy(() => {
      const training = isTraining(kwargs);
      const x = singleInput(inputs) as tf.Tensor4D;
      const kernel = this.kernel.read() as tf.Tensor4D;
      const mask = this.mask.read() as tf.Tensor4D;
      if (training && this.dropout === 0) {
        const { weight, bias } = this.norm;
        const sink = runningStatsSink(this.norm);
        // Dense until the condensing stages have dropped enough; then only the kept connections.
        return learnedGroupConvTrain(x, weight.read() as tf.Tensor1D, bias.read() as tf.Tensor1D, kernel, mask, this.groups, sink);
      }
      let h = batchNormRelu(x, this.norm, training);
      if (training) h = tf.dropout(h, this.dropout);
      return maskedConv1x1(h as tf.Tensor4D, kernel, mask);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      groups: this.groups,
      condenseFactor: this.condenseFactor,
      dropout: this.dropout,
    };
  }
}
tf.serialization.registerClass(LearnedGroupConv);
