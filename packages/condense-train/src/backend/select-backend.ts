import { selectBackend as selectRegisteredBackend } from '@condensenet/runtime';
import type { BackendChoice, BackendName } from '@condensenet/runtime';
import { importBackendPackage } from '@condensenet/runtime/node';

export { AUTO_ORDER, BACKEND_CHOICES, type BackendChoice, type BackendName } from '@condensenet/runtime';

export interface SelectedBackend {
  /** tfjs's name for the backend now active. */
  name: BackendName;
}

/**
 * Activates the requested backend, or for 'auto' the fastest installed one (the runtime's order:
 * tfjs-node(-gpu), webgpu where navigator.gpu exists, webgl, wasm, cpu), importing its optional
 * package on the way, and says which it got.
 */
export async function selectBackend(choice: BackendChoice = 'auto'): Promise<SelectedBackend> {
  return { name: await selectRegisteredBackend(choice, importBackendPackage) };
}
