// The installed @condensenet/interop reads a checkpoint written by the authors' PyTorch code,
// infers its architecture, and writes it back as a torch zip file that reads the same.
import { readFileSync } from 'node:fs';
import { encodeTorchZip, readReferenceFile } from '@condensenet/interop';

const FILE = './converted_checkpoint_006.pth.tar';

const file = readReferenceFile(new Uint8Array(readFileSync(FILE)), FILE);
const { stages, growth, group1x1, condenseFactor } = file.config;
if (file.form !== 'condensed' || stages.join('-') !== '2-2-2' || growth.join('-') !== '4-8-16' || group1x1 !== 4 || condenseFactor !== 4) {
  throw new Error(`${FILE}: read as the ${file.form} form of stages ${stages}, growth ${growth}, G ${group1x1}, C ${condenseFactor}`);
}
const back = readReferenceFile(encodeTorchZip({ state_dict: file.stateDict }), 'rewritten');
for (const [name, tensor] of file.stateDict) {
  const again = back.stateDict.get(name);
  if (!again || again.data.length !== tensor.data.length || again.data.some((v, i) => v !== tensor.data[i])) {
    throw new Error(`${name} differs after writing and reading back`);
  }
}
console.log(`${FILE} (${file.format}): condensed 2-2-2 / 4-8-16, G = C = 4; ${file.stateDict.size} tensors rewritten identically`);
