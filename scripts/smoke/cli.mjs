// The installed `condense` bin: summary numbers and a prediction on the kept model.
import { spawnSync } from 'node:child_process';

const MODEL_DIR = './long-fashion-mnist-model';
const IMAGE = './9-ankle-boot.png';

function condense(...args) {
  const run = spawnSync('node_modules/.bin/condense', args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`condense ${args.join(' ')}: exit ${run.status ?? run.signal}\n${run.stdout}${run.stderr}`);
  return run.stdout;
}

const { condensed } = JSON.parse(condense('summary', '--preset', 'condensenet-86', '--json'));
if (condensed.flops !== 65_812_394 || condensed.params !== 516_202) {
  throw new Error(`summary: ${condensed.flops} FLOPs, ${condensed.params} params; expected 65812394 / 516202`);
}

// The sample is a Fashion-MNIST test image the kept model ranks first at 99.99%.
const predicted = condense('predict', MODEL_DIR, IMAGE);
if (!/^ +1\. Ankle boot /m.test(predicted)) throw new Error(`predict ${IMAGE}: expected "Ankle boot" first, got:\n${predicted}`);
console.log(`summary: 65,812,394 FLOPs, 516,202 params; predict ${IMAGE}: Ankle boot`);
