import type * as tfl from '@tensorflow/tfjs-layers';
import type { Dataset } from '../data/dataset.js';

/** Metadata key under which a saved model carries its data set (classes and normalisation). */
export const DATASET_METADATA_KEY = 'dataset';

/** The data description (class names, normalisation) travels inside the saved model. */
export function attachDataset(model: tfl.LayersModel, dataset: Dataset): void {
  const metadata = (model.getUserDefinedMetadata() ?? {}) as Record<string, unknown>;
  model.setUserDefinedMetadata({ ...metadata, [DATASET_METADATA_KEY]: dataset });
}

/** The data description a saved model carries, if any. */
export function datasetOf(model: tfl.LayersModel): Dataset | undefined {
  return (model.getUserDefinedMetadata() as Record<string, unknown> | undefined)?.[DATASET_METADATA_KEY] as Dataset | undefined;
}
