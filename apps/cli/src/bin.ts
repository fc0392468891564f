#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { mallocNeedsTuning, runsOnGlibc, runWithTunedMalloc } from './malloc-tuning.js';

const args = process.argv.slice(2);
if (mallocNeedsTuning(process.env, runsOnGlibc())) {
  process.exitCode = await runWithTunedMalloc(fileURLToPath(import.meta.url), args);
} else {
  // Imported only here, so the relaunching process never loads TensorFlow.js.
  const { main } = await import('./main.js');
  process.exitCode = await main(args);
}
