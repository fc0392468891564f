import { buildPlan, referenceParameters } from '@condensenet/core';
import type { CondenseNetConfig, ReferenceRole } from '@condensenet/core';
import { buildCondenseNet, loadReferenceStateDict, referenceVariable, toModelLayout } from '@condensenet/layers';
import type { ReferenceTensor } from '@condensenet/layers';
import type { Checkpoint, CheckpointTensor } from '../checkpoint/checkpoint-file.js';
import type { Dataset } from '../data/dataset.js';
import { trainableFromLayersModel } from '../model/layers-model.js';
import { emptyHistory } from '../training/history.js';

/** What nn.Module.parameters() yields (and an optimizer's state is indexed by); the rest are buffers. */
const PARAMETER_ROLES: ReadonlySet<ReferenceRole> = new Set(['conv-weight', 'bn-weight', 'bn-bias', 'linear-weight', 'linear-bias']);

/** A training-form model of the authors' code, as a checkpoint of theirs holds it. */
export interface ReferenceTraining {
  config: CondenseNetConfig;
  /** The training form's state_dict, reference names, in the file's order. */
  stateDict: ReadonlyMap<string, ReferenceTensor>;
  /**
   * SGD momentum buffers by parameter index (torch's optimizer state_dict: index k is the k-th
   * entry of model.parameters(), which is the k-th parameter of the state_dict in its order).
   */
  momentum?: ReadonlyMap<number, ReferenceTensor>;
  /** Where it came from, and what its file said, kept in the checkpoint's training state. */
  imported: { source: string; epoch?: number; bestPrec1?: number; arch?: string };
  /** The data it expects (normalisation, class names), so eval and convert know them. */
  dataset?: Dataset;
}

/**
 * A checkpoint of ours that `condense train --resume` continues as a fine-tuning run: every
 * weight, mask and condensing state of the reference model, its momentum buffers, and a training
 * state at epoch 0 (the new run's schedule starts afresh; layers already condensed stay so, as
 * the learned group convolutions only ever advance).
 */
export async function checkpointFromReference(reference: ReferenceTraining): Promise<Checkpoint> {
  const model = buildCondenseNet(reference.config);
  try {
    loadReferenceStateDict(model, reference.stateDict);
    const weights = await trainableFromLayersModel(model).exportWeights();
    const optimizer: CheckpointTensor[] = [];
    if (reference.momentum && reference.momentum.size > 0) {
      const roles = new Map(referenceParameters(buildPlan(reference.config), 'training').map((p) => [p.name, p.role]));
      const parameters = [...reference.stateDict.keys()].filter((name) => PARAMETER_ROLES.has(roles.get(name) as ReferenceRole));
      for (const [index, buffer] of reference.momentum) {
        const name = parameters[index];
        if (name === undefined) {
          throw new Error(`optimizer state has a momentum buffer for parameter ${index}; the model has ${parameters.length} parameters`);
        }
        const variable = referenceVariable(model, name);
        const shape = variable.shape as number[];
        const values = toModelLayout(buffer, shape, 'float32', `optimizer momentum of parameter ${index} (${name})`);
        optimizer.push({ name: variable.originalName, shape, dtype: 'float32', values });
      }
    }
    return {
      config: reference.config,
      training: {
        epoch: 0,
        batchInEpoch: 0,
        iteration: 0,
        history: emptyHistory(),
        imported: reference.imported,
        ...(reference.dataset ? { dataset: reference.dataset } : {}),
      },
      weights,
      optimizer,
    };
  } finally {
    model.dispose();
  }
}
