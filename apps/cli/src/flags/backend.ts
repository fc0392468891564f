import { BACKEND_CHOICES, type BackendChoice } from '@condensenet/runtime';
import { UsageError } from '../errors.js';

export const BACKEND_HELP = `--backend B   ${BACKEND_CHOICES.join(' | ')} (default auto: the first available of
                tensorflow, webgpu, webgl, wasm, cpu)`;

/** The --backend flag for runtime sessions (default auto). */
export function backendFlag(text: string | undefined): BackendChoice {
  if (text === undefined) return 'auto';
  if (!(BACKEND_CHOICES as readonly string[]).includes(text)) throw new UsageError(`--backend ${text}: expected one of ${BACKEND_CHOICES.join(', ')}`);
  return text as BackendChoice;
}
