import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoIdOfCacheFolder, resolveCheckpoints } from '../../../../src/core/activations/checkpoint-source';
import { pythiaTokensPerStep } from '../../../../src/core/hf/model-folder';
import { demoFamily } from '../../../helpers/activation-fixtures';
import { fakeSha, writeFakeHfCache } from '../../../helpers/hf-cache';
import { createTmpDirs } from '../../../helpers/tmp-dir';

const tmp = createTmpDirs('ctt-checkpoint-source-');
afterAll(() => tmp.cleanup());

describe('resolveCheckpoints', () => {
  it('takes revisions as subfolders of a family folder, with tokens seen from family.json', async () => {
    const resolved = await resolveCheckpoints(demoFamily, ['step100', 'step1600']);
    expect(resolved).toEqual({
      model: demoFamily,
      kind: 'folder',
      checkpoints: [
        { revision: 'step100', path: join(demoFamily, 'step100'), tokensSeen: 51_200 },
        { revision: 'step1600', path: join(demoFamily, 'step1600'), tokensSeen: 819_200 },
      ],
    });
    await expect(resolveCheckpoints(demoFamily, ['step100', 'step3'])).rejects.toThrow(
      /has no revision "step3" \(subfolders: step25, step50, step100, step200, step400, step800, step1600\)/,
    );
    await expect(resolveCheckpoints(join(demoFamily, 'nothing'), ['a'])).rejects.toThrow(/not a folder/);
  });

  it('resolves revisions of a Hugging Face cache repo folder through refs/ or commits', async () => {
    const cacheDir = tmp.make();
    const repoDir = await writeFakeHfCache(cacheDir, 'EleutherAI/pythia-tiny', [
      { ref: 'step1000', sha: fakeSha('a') },
      { ref: 'main', sha: fakeSha('b') },
    ]);
    const resolved = await resolveCheckpoints(repoDir, ['step1000', fakeSha('b')]);
    expect(resolved.model).toBe('EleutherAI/pythia-tiny');
    expect(resolved.kind).toBe('hfCache');
    expect(resolved.checkpoints).toEqual([
      {
        revision: 'step1000',
        path: join(repoDir, 'snapshots', fakeSha('a')),
        tokensSeen: 1000 * pythiaTokensPerStep,
      },
      { revision: fakeSha('b'), path: join(repoDir, 'snapshots', fakeSha('b')), tokensSeen: null },
    ]);
    await expect(resolveCheckpoints(repoDir, ['step2000'])).rejects.toThrow(
      /unknown revision "step2000" of EleutherAI\/pythia-tiny \(cached: main, step1000\)/,
    );
  });

  it('reads repo ids from cache folder names', () => {
    expect(repoIdOfCacheFolder('models--EleutherAI--pythia-1b')).toBe('EleutherAI/pythia-1b');
    expect(repoIdOfCacheFolder('models--gpt2')).toBe('gpt2');
    expect(repoIdOfCacheFolder('demo-lm')).toBeNull();
  });
});
