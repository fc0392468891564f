import { cifar10, cifar100 } from './cifar.js';
import type { DatasetSource } from './dataset.js';
import { fashionMnist } from './fashion-mnist.js';
import { imageFolder, type ImageFolderOptions } from './image-folder.js';
import { mnist } from './mnist.js';
import type { PackagedOptions } from './packaged.js';

export type LoadOptions = PackagedOptions & ImageFolderOptions;

const SPECS = "'fashion-mnist', 'mnist', 'cifar10:PATH', 'cifar100:PATH' (the binary folder or its .tar.gz) or 'folder:DIR'";

/**
 * Opens a dataset named the way a command line names it. `padTo` applies to the 28x28
 * sets and `imageSize`/`mean`/`std`/`testFraction` to folders only; passing them
 * elsewhere is an error rather than silently ignored.
 */
export async function loadDataset(spec: string, options: LoadOptions = {}): Promise<DatasetSource> {
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const dir = colon < 0 ? undefined : spec.slice(colon + 1);
  const packagedOnly = options.padTo !== undefined ? ['padTo'] : [];
  const folderOnly = (['imageSize', 'mean', 'std', 'testFraction'] as const).filter((k) => options[k] !== undefined);
  const refuse = (names: readonly string[]) => {
    if (names.length > 0) throw new Error(`dataset '${spec}' does not take the option(s) ${names.join(', ')}`);
  };

  switch (kind) {
    case 'fashion-mnist':
    case 'mnist':
      if (dir !== undefined) break;
      refuse(folderOnly);
      return kind === 'mnist' ? mnist(options) : fashionMnist(options);
    case 'cifar10':
    case 'cifar100':
    case 'folder': {
      if (!dir) throw new Error(`dataset '${spec}' needs a directory after the colon, e.g. '${kind}:./data'`);
      if (kind === 'folder') {
        refuse(packagedOnly);
        return imageFolder(dir, options);
      }
      refuse([...packagedOnly, ...folderOnly]);
      return kind === 'cifar10' ? cifar10(dir) : cifar100(dir);
    }
  }
  throw new Error(`unknown dataset '${spec}'; expected ${SPECS}`);
}
