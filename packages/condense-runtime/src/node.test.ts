import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-cpu';
import { loadArtifactFromFile, loadModel, resolveArtifactPath, saveArtifactToDirectory, saveArtifactToFile } from './node.js';
import { randomCondensedModel } from './test-support/model.js';

describe('artifact files', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('writes model.json and its weight file side by side and reads them back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'condense-runtime-'));
    dirs.push(dir);
    const model = randomCondensedModel();
    await saveArtifactToFile(join(dir, 'model.json'), model, { weightsFile: 'tiny.bin' });
    expect(JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')).weightsFile).toBe('tiny.bin');
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'tiny.bin']);
    const back = await loadArtifactFromFile(join(dir, 'model.json'));
    for (const [name, data] of model.tensors) expect(back.tensors.get(name)).toEqual(data);
  });

  it('loads a model from a directory holding model.cnn.json and runs it on the backend asked for', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'condense-runtime-'));
    dirs.push(dir);
    expect(await saveArtifactToDirectory(dir, randomCondensedModel())).toBe(join(dir, 'model.cnn.json'));
    const model = await loadModel(dir, { backend: 'cpu' });
    expect([model.backend, model.path, model.kernelBuild, model.inputSize]).toEqual(['cpu', 'js-kernels', 'javascript', 32]);
    const out = await model.predict({ data: new Uint8Array(32 * 32 * 4), width: 32, height: 32 });
    expect(out.topK(3)[0]).toHaveLength(3);
    await expect(loadModel(join(dir, 'nope'))).rejects.toThrow(/nope: no such file or directory/);
    await expect(loadModel(tmpdir())).rejects.toThrow(/holds no model.cnn.json, nor condensed\/model.cnn.json/);
  });

  it("finds a run directory's condensed model in condensed/", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'condense-run-'));
    dirs.push(dir);
    await mkdir(join(dir, 'condensed'));
    await saveArtifactToDirectory(join(dir, 'condensed'), randomCondensedModel());
    expect(await resolveArtifactPath(dir)).toBe(join(dir, 'condensed', 'model.cnn.json'));
  });
});
