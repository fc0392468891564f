#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { followLauncher, mallocNeedsTuning, runsOnGlibc, runWithTunedMalloc } from './malloc-tuning.js';

const args = process.argv.slice(2);
if (mallocNeedsTuning(process.env, runsOnGlibc())) {
  process.exitCode = await runWithTunedMalloc(fileURLToPath(import.meta.url), args);
} else {
  followLauncher();
  // Imported only here, so the relaunching process never loads TensorFlow.js.
  const [{ main }, tf] = await Promise.all([import('./main.js'), import('@tensorflow/tfjs-core')]);
  // Production mode silences tfjs's banner urging tfjs-node on every command; tfjs-node is an
  // optional accelerator here, picked up when installed.
  tf.env().set('PROD', true);
  process.exitCode = await main(args);
}
