import { referenceClassNames, referenceNormalization, type DataKind } from '@condensenet/core';
import { readReferenceFile, type ReferenceFile } from '@condensenet/interop';
import { condensedModelFromStateDict, encodeArtifact, type CondensedModel } from '@condensenet/runtime';
import { condenseTrainingStateDict } from '@condensenet/interop';

/** A model the page can run, with what to say about where it came from. */
export interface LoadedModel {
  model: CondensedModel;
  /** The file's name, or the kept model's URL. */
  source: string;
  /** One line: the file, its format and form. */
  origin: string;
  /** What was read from which tensor, and where the classes and normalisation came from. */
  notes: string[];
}

/**
 * A PyTorch checkpoint of the authors' code (or a safetensors file) as a condensed model: the
 * converted form as it is, a training form that has finished condensing converted here. Nothing
 * in the file is executed (the interop reader unpickles plain data only); anything unusable is
 * an error saying why.
 */
export function modelFromFile(bytes: Uint8Array, source: string, options: { data?: DataKind } = {}): LoadedModel {
  const file = readReferenceFile(bytes, source, options);
  const { config, saved } = file;
  if (file.unfinished) {
    throw new Error(
      `${source} is a training checkpoint that has not finished condensing (${file.unfinished}), so it has no condensed form yet. ` +
        `Fine-tune it to the end of its schedule with the CLI (condense import ${source} --out DIR, then condense train --resume --out DIR --data SPEC); ` +
        'condense export DIR/condensed --format pytorch --out model.pth then writes a file to drop here.',
    );
  }
  const tensors = file.form === 'condensed' ? floatAndIndexTensors(file.stateDict) : condenseTrainingStateDict(file.stateDict, config);
  const reference = referenceClassNames(config.data);
  const classes = saved?.classes ?? reference ?? Array.from({ length: config.numClasses }, (_, i) => String(i));
  const model = condensedModelFromStateDict(tensors, {
    config,
    normalization: saved?.normalization ?? referenceNormalization(config.data),
    classes,
  });
  try {
    // Encoding checks what a session would not: every tensor present at its size, finite, indices in range.
    encodeArtifact(model);
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`);
  }
  const epoch = file.imported.epoch === undefined ? '' : `, epoch ${file.imported.epoch}`;
  const container = file.format === 'safetensors' ? 'safetensors' : `${file.wrapper}, torch ${file.format} format${epoch}`;
  return {
    model,
    source,
    origin:
      `${source} (${container}): the ${file.form} form` +
      (file.form === 'training' ? ", condensed here as the reference's convert_model does" : ''),
    notes: [
      ...file.notes,
      `classes: ${saved?.classes ? 'as saved in the file' : reference ? `${config.data}'s` : `label numbers (${config.data}'s class names are not bundled)`}`,
      `normalisation: ${saved?.normalization ? 'as saved in the file' : `${config.data}'s, as the reference's main.py normalises it`}`,
    ],
  };
}

/** The converted form's tensors; bool and uint8 entries are none of the artifact's. */
function floatAndIndexTensors(stateDict: ReferenceFile['stateDict']): Map<string, Float32Array | Int32Array> {
  const out = new Map<string, Float32Array | Int32Array>();
  for (const [name, { data }] of stateDict) if (!(data instanceof Uint8Array)) out.set(name, data);
  return out;
}
