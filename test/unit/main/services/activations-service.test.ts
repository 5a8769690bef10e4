import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeManifest } from '../../../../src/core/activations/manifest';
import { dispatch } from '../../../../src/main/services/dispatch';
import { createWorkbench, type Workbench } from '../../../../src/main/workbench';
import type { ActivationStoreSummary } from '../../../../src/shared/activation-stores';
import { extractActivationsParamsSchema } from '../../../../src/shared/domain';
import { writeSyntheticStore } from '../../../helpers/activation-fixtures';
import { fakeBackendInfo } from '../../../helpers/fake-backend';
import { createFakeExecutor } from '../../../helpers/fake-executor';
import { createTmpDirs } from '../../../helpers/tmp-dir';
import { writeTinyModelFolder } from '../../../helpers/tiny-model-folder';

// activations:* channels over a real store and checkpoint folders, with a fake job executor.

const tmp = createTmpDirs('ctt-activations-service-');
let dataDir: string;
let corpus: string;
let familyDir: string;
let workbench: Workbench;
let fake: ReturnType<typeof createFakeExecutor>;

beforeEach(async () => {
  dataDir = tmp.make();
  const root = tmp.make();
  familyDir = join(root, 'family');
  for (const [i, revision] of ['step1', 'step2', 'step3', 'step4'].entries()) {
    await writeTinyModelFolder(join(familyDir, revision), { seed: i + 1 });
  }
  corpus = join(root, 'corpus.txt');
  writeFileSync(corpus, 'the cat sat .\nthe dog ran .\n');
  fake = createFakeExecutor();
  workbench = createWorkbench({
    dataDir,
    mode: 'cli',
    execute: fake.execute,
    probe: async (preference) => fakeBackendInfo({ preference }),
    progressIntervalMs: 0,
    demoCorpusFile: corpus,
  });
});
afterEach(async () => {
  await workbench.close();
  tmp.cleanup();
});

const call = (channel: string, input: unknown) =>
  dispatch(workbench.handlers, channel, input, { transport: 'cli' }, { shouldValidateOutput: true });

async function addFamily(): Promise<{ modelId: number; ids: number[] }> {
  const added = await call('models:add', { name: 'tiny fam', source: { kind: 'folder', path: familyDir } });
  if (!added.ok) throw new Error(added.error.message);
  const model = added.value as { id: number; checkpoints: Array<{ id: number }> };
  return { modelId: model.id, ids: model.checkpoints.map((c) => c.id) };
}

describe('activations:defaults', () => {
  it('offers the demo corpus and the stores folder under the data folder', async () => {
    expect(await call('activations:defaults', {})).toEqual({
      ok: true,
      value: { corpusFile: corpus, storesDir: join(dataDir, 'activations') },
    });
  });
});

describe('activations:startExtraction', () => {
  it('starts an extraction into <dataDir>/activations with the demo corpus, checkpoints in family order', async () => {
    const { modelId, ids } = await addFamily();
    const started = await call('activations:startExtraction', {
      modelId,
      checkpointIds: [ids[3], ids[0], ids[1]],
      layer: 1,
      tokens: 500,
      context: 8,
    });
    const outDir = join(dataDir, 'activations', 'tiny_fam-step1-step2-step4-L1');
    expect(started).toMatchObject({ ok: true, value: { outDir } });
    const execution = await fake.waitForCall(0);
    expect(execution.job.kind).toBe('extractActivations');
    const params = extractActivationsParamsSchema.parse(execution.job.params);
    expect(params).toMatchObject({
      model: familyDir,
      layer: 1,
      corpusFile: corpus,
      tokens: 500,
      context: 8,
      dtype: 'F16',
      outDir,
    });
    expect(params.checkpoints.map((c) => c.revision)).toEqual(['step1', 'step2', 'step4']);
    expect(params.checkpoints[0]!.path).toBe(join(familyDir, 'step1'));
    expect(workbench.runner.get(execution.job.id).label).toBe(
      'Extract tiny fam step1, step2, step4 layer 1 (500 tokens)',
    );

    // The folder is busy while the job runs; the list marks it as extracting.
    const again = await call('activations:startExtraction', {
      modelId,
      checkpointIds: [ids[0], ids[1], ids[3]],
      layer: 1,
      tokens: 500,
      context: 8,
    });
    expect(again).toMatchObject({ ok: false, error: { code: 'conflict', field: 'input.outDir' } });
  });

  it('refuses bad choices naming the field, and starts nothing', async () => {
    const { modelId, ids } = await addFamily();
    const base = { modelId, checkpointIds: [ids[0], ids[1]], layer: 0, tokens: 100 };
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ checkpointIds: [ids[0]] }, 'invalid_input', 'input.checkpointIds'],
      [{ checkpointIds: [ids[0], ids[1], ids[2], ids[3]] }, 'invalid_input', 'input.checkpointIds'],
      [{ checkpointIds: [ids[0], ids[0]] }, 'invalid_input', 'input.checkpointIds'],
      [{ checkpointIds: [ids[0], 999] }, 'not_found', 'input.checkpointIds'],
      [{ layer: 2 }, 'invalid_input', 'input.layer'],
      [{ corpusFile: 'corpus.txt' }, 'invalid_input', 'input.corpusFile'],
      [{ corpusFile: join(dataDir, 'missing.txt') }, 'invalid_input', 'input.corpusFile'],
      [{ outDir: 'relative/out' }, 'invalid_input', 'input.outDir'],
      [{ modelId: 77 }, 'not_found', 'input.modelId'],
    ];
    for (const [change, code, field] of cases) {
      const result = await call('activations:startExtraction', { ...base, ...change });
      expect(result, JSON.stringify(change)).toMatchObject({ ok: false, error: { code, field } });
    }
    const tooDeep = await call('activations:startExtraction', { ...base, layer: 2 });
    expect(tooDeep.ok ? '' : tooDeep.error.message).toContain('step1 has 2 layers (0–1)');
    expect(fake.calls).toHaveLength(0);
  });

  it('resumes into a folder holding the same extraction; another extraction there is refused', async () => {
    const { modelId, ids } = await addFamily();
    const outDir = join(tmp.make(), 'store');
    const input = { modelId, checkpointIds: [ids[0], ids[1]], layer: 0, tokens: 100, context: 8, outDir };
    await writeSyntheticStore(outDir, { shardRows: [10], nCheckpoints: 2 });
    const manifestFile = join(outDir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(
      manifestFile,
      JSON.stringify({
        ...manifest,
        model: familyDir,
        revisions: [
          { revision: 'step1', path: join(familyDir, 'step1'), tokensSeen: null },
          { revision: 'step2', path: join(familyDir, 'step2'), tokensSeen: null },
        ],
        context: 8,
        tokens: 100,
        dtype: 'F16',
        complete: false,
      }),
    );
    expect(await call('activations:startExtraction', input)).toMatchObject({ ok: true, value: { outDir } });
    await fake.waitForCall(0);
    fake.calls[0]!.resolve({});
    await workbench.runner.idle();

    const other = await call('activations:startExtraction', { ...input, tokens: 200 });
    expect(other).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'input.tokens' } });
    expect(other.ok ? '' : other.error.message).toContain('tokens is 100 there, 200 here');

    const cluttered = join(tmp.make(), 'cluttered');
    mkdirSync(cluttered);
    writeFileSync(join(cluttered, 'notes.txt'), 'mine');
    const refused = await call('activations:startExtraction', { ...input, outDir: cluttered });
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'input.outDir' } });
  });
});

describe('activations:list', () => {
  it('lists stores under the data folder and those extraction jobs wrote elsewhere, newest first', async () => {
    const inside = join(dataDir, 'activations', 'synthetic-a');
    await writeSyntheticStore(inside, { shardRows: [6, 4], nCheckpoints: 2, dModel: 3 });
    mkdirSync(join(dataDir, 'activations', 'not-a-store'));
    const { modelId, ids } = await addFamily();
    const elsewhere = join(tmp.make(), 'elsewhere');
    await call('activations:startExtraction', {
      modelId,
      checkpointIds: [ids[0], ids[1], ids[2]],
      layer: 0,
      tokens: 12,
      outDir: elsewhere,
    });
    const execution = await fake.waitForCall(0);
    // The job wrote its manifest (a newer one) before the list is read.
    const written = await writeSyntheticStore(elsewhere, { shardRows: [12], nCheckpoints: 3, dModel: 3 });
    await writeManifest(elsewhere, { ...written, updatedAt: new Date(1000).toISOString(), complete: false });

    const listed = await call('activations:list', {});
    expect(listed.ok).toBe(true);
    const stores = (listed as { value: ActivationStoreSummary[] }).value;
    expect(stores.map((s) => [s.name, s.rows, s.nCheckpoints, s.isComplete, s.isExtracting])).toEqual([
      ['elsewhere', 12, 3, false, true],
      ['synthetic-a', 10, 2, true, false],
    ]);
    expect(stores[1]).toMatchObject({
      dir: inside,
      model: 'synthetic',
      revisions: [
        { revision: 'r0', tokensSeen: null },
        { revision: 'r1', tokensSeen: null },
      ],
      layer: 0,
      dModel: 3,
      dtype: 'F32',
      corpusFile: '/synthetic.txt',
    });
    expect(stores[1]!.scale).toHaveLength(2);

    execution.resolve({});
    await workbench.runner.idle();
    const after = (await call('activations:list', {})) as { value: ActivationStoreSummary[] };
    expect(after.value[0]!.isExtracting).toBe(false);
  });
});
