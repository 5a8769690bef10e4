import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseStudyConfig, planStudy, StudyConfigError } from '../../../../src/main/pipeline/study-plan';
import { demoCorpus, demoFamily } from '../../../helpers/activation-fixtures';
import { fakeSha, writeFakeHfCache } from '../../../helpers/hf-cache';
import { createTmpDirs } from '../../../helpers/tmp-dir';

// A study.json resolved before any work: checkpoints from a family folder or the Hugging Face cache
// (a revision may come from another repo, as BLOOM-1b1's main), paths against the config's folder, the
// output folder, and every problem named by its field.

const tmp = createTmpDirs('ctt-study-plan-');
afterAll(() => tmp.cleanup());

const base = {
  name: 'x',
  layer: 1,
  activations: { corpus: demoCorpus, tokens: 5000 },
  crosscoder: { batchSize: 512 },
  tasks: ['task.jsonl'],
};

async function planOf(config: unknown, dir: string) {
  return planStudy(parseStudyConfig(config, 'study.json'), {
    baseDir: dir,
    configFile: 'study.json',
    dataDir: join(dir, 'data'),
  });
}

async function problemsOf(config: unknown, dir: string): Promise<string[]> {
  try {
    await planOf(config, dir);
  } catch (error) {
    if (error instanceof StudyConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the plan to be refused');
}

describe('planStudy', () => {
  const dir = tmp.make();
  writeFileSync(join(dir, 'task.jsonl'), '');

  it('resolves a family folder: checkpoints with tokens seen, "all" for accuracy, the default output', async () => {
    const plan = await planOf(
      {
        ...base,
        model: { folder: demoFamily },
        revisions: ['step100', 'step1600'],
        accuracy: { revisions: 'all' },
      },
      dir,
    );
    expect(plan.checkpoints.map((c) => [c.revision, c.tokensSeen])).toEqual([
      ['step100', 51_200],
      ['step1600', 819_200],
    ]);
    expect(plan.accuracyCheckpoints.map((c) => c.revision)).toEqual([
      'step25',
      'step50',
      'step100',
      'step200',
      'step400',
      'step800',
      'step1600',
    ]);
    expect(plan.tasks).toEqual([{ id: 'task', file: join(dir, 'task.jsonl'), limit: undefined }]);
    expect(plan.outDir).toBe(join(dir, 'data', 'pipelines', 'x'));
    expect(plan.steps).toBe(9);
    expect(plan.title).toBe('x: demo-lm step100 / step1600, layer 1');
  });

  it('names every missing file, revision and out-of-range layer', async () => {
    const problems = await problemsOf(
      {
        ...base,
        layer: 9,
        model: { folder: demoFamily },
        revisions: ['step100', 'step7'],
        activations: { corpus: 'nope.txt', tokens: 5000 },
        tasks: ['task.jsonl', 'gone.jsonl'],
        accuracy: { revisions: ['step3'] },
      },
      dir,
    );
    expect(problems).toEqual([
      `field activations.corpus: ${join(dir, 'nope.txt')} does not exist`,
      `field tasks.1: ${join(dir, 'gone.jsonl')} does not exist`,
      expect.stringMatching(/^field revisions\.1: .*demo-lm has no revision "step7" \(subfolders: step25, /),
      expect.stringMatching(/^field accuracy\.revisions\.0: .*has no revision "step3"/),
      `field layer: 9 is out of range: ${join(demoFamily, 'step100')} has blocks 0…3`,
    ]);
  });

  it('reads a Hugging Face cache, a revision from another repo, and lists what model.download would fetch', async () => {
    const cacheDir = join(tmp.make(), 'hub');
    await writeFakeHfCache(cacheDir, 'org/lm-intermediate', [
      { ref: 'global_step10000', sha: fakeSha('a') },
      { ref: 'global_step100000', sha: fakeSha('b') },
    ]);
    await writeFakeHfCache(cacheDir, 'org/lm', [{ ref: 'main', sha: fakeSha('c') }]);
    const revisions = [
      { revision: 'global_step10000', tokensSeen: 5.5e9 },
      'global_step100000',
      { revision: 'main', repo: 'org/lm' },
    ];
    const model = { repo: 'org/lm-intermediate', cacheDir };
    const plan = await planOf({ ...base, layer: 0, model, revisions }, dir);
    expect(plan.checkpoints.map((c) => [c.revision, c.path, c.tokensSeen])).toEqual([
      ['global_step10000', join(cacheDir, 'models--org--lm-intermediate', 'snapshots', fakeSha('a')), 5.5e9],
      ['global_step100000', join(cacheDir, 'models--org--lm-intermediate', 'snapshots', fakeSha('b')), null],
      ['main', join(cacheDir, 'models--org--lm', 'snapshots', fakeSha('c')), null],
    ]);
    expect(plan.model).toMatchObject({ name: 'lm-intermediate', source: 'org/lm-intermediate' });
    const missing = ['global_step10000', 'global_step5'];
    expect(await problemsOf({ ...base, layer: 0, model, revisions: missing }, dir)).toEqual([
      expect.stringMatching(/^field revisions\.1: .*unknown revision "global_step5" of org\/lm-intermediate/),
    ]);
    const fetching = await planOf(
      { ...base, layer: 0, model: { ...model, download: true }, revisions: missing },
      dir,
    );
    expect(fetching.missingRevisions).toEqual([{ revision: 'global_step5', repo: 'org/lm-intermediate' }]);
    expect(
      await problemsOf({ ...base, model: { repo: 'org/none', cacheDir }, revisions: ['a', 'b'] }, dir),
    ).toEqual([
      expect.stringMatching(
        /^field model\.repo: org\/none is not in the Hugging Face cache .* \(set model\.download: true or model\.cacheDir\)$/,
      ),
    ]);
  });
});
