import { describeNeeding, findPythonTorch, type PythonTorch, pythonTorchRequirement } from '@condensenet/golden-fixtures';

/** A describe block whose tests check files against torch itself, with the Python that has it. */
export function describeWithTorch(name: string, body: (python: PythonTorch) => void): void {
  describeNeeding(pythonTorchRequirement(), name, () => body(findPythonTorch() as PythonTorch));
}
