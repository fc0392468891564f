import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MODEL_DIR, MODEL_MANIFEST } from '../../scripts/build.mjs';

export const KEPT_MODEL_MANIFEST = join(DEFAULT_MODEL_DIR, MODEL_MANIFEST);
export const SAMPLES_DIR = fileURLToPath(new URL('../../public/samples/', import.meta.url));
