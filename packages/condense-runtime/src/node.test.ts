import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadArtifactFromFile, saveArtifactToFile } from './node.js';
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
    const back = await loadArtifactFromFile(join(dir, 'model.json'));
    for (const [name, data] of model.tensors) expect(back.tensors.get(name)).toEqual(data);
  });
});
