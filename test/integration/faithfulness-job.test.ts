import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkbench, type Workbench } from '../../src/main/workbench';
import {
  faithfulnessJobResultSchema,
  type FaithfulnessReportFile,
  type FeatureVerdicts,
} from '../../src/shared/faithfulness';
import { demoFamily } from '../helpers/activation-fixtures';
import { waitUntil } from '../helpers/fake-executor';
import { createTmpDirs } from '../helpers/tmp-dir';
import { workbenchCalls } from '../helpers/workbench-calls';

// From faithfulness:start to a real compute worker (wasm) on the imported demo study: its activation
// store extracted again from the demo family (the same corpus windows, so the same scale factors as
// the committed run), then the checks without training (held-out and latent scaling run; the
// comparison runs are noted as missing), and a training start cancelled while it trains.

const tmp = createTmpDirs('ctt-faithfulness-job-');
let workbench: Workbench;
let runId: string;
let runDir: string;
let storeDir: string;

const { call, finished } = workbenchCalls(() => workbench);

beforeAll(async () => {
  workbench = createWorkbench({
    dataDir: tmp.make(),
    mode: 'cli',
    backendOverride: 'wasm',
    progressIntervalMs: 50,
  });
  runId = (await call<{ runId: string }>('features:importStudy', {})).runId;
  runDir = workbench.store.runs.get(runId).dir!;
  const family = await call<{ id: number; checkpoints: Array<{ id: number; revision: string }> }>(
    'models:add',
    { name: 'demo-lm', source: { kind: 'folder', path: demoFamily }, tokensPerStep: 512 },
  );
  const extraction = await call<{ jobId: string; outDir: string }>('activations:startExtraction', {
    modelId: family.id,
    checkpointIds: family.checkpoints
      .filter((c) => ['step100', 'step400', 'step1600'].includes(c.revision))
      .map((c) => c.id),
    layer: 1,
    tokens: 30_000,
    context: 64,
  });
  expect((await finished(extraction.jobId)).state).toBe('succeeded');
  storeDir = extraction.outDir;
}, 300_000);
afterAll(async () => {
  await workbench?.close();
  tmp.cleanup();
});

describe('the faithfulness job', () => {
  it('writes the report beside the run; the page and the badges read it', async () => {
    const { jobId } = await call<{ jobId: string }>('faithfulness:start', {
      runId,
      activationStore: storeDir,
      heldOut: { task: 'det_noun.eng', heldOutTask: 'irregular_plural.eng' },
      scalingRows: 5000,
    });
    const job = await finished(jobId, 240_000);
    expect(job.error).toBeNull();
    expect(job.state).toBe('succeeded');
    const result = faithfulnessJobResultSchema.parse(job.result);
    expect(result.file).toBe(join(runDir, 'faithfulness', 'report.json'));
    expect(result.notes.join('\n')).toMatch(/no reordered run \(missing\)/);

    const got = await call<FaithfulnessReportFile | null>('faithfulness:get', { runId });
    expect(got?.report.runs[0]).toMatchObject({
      nFeatures: 256,
      checkpoints: ['step100', 'step400', 'step1600'],
    });
    expect(got?.report.reordered).toBeNull();
    expect(got?.report.heldOut).toMatchObject({ task: 'det_noun.eng', heldOutTask: 'irregular_plural.eng' });
    expect(got?.report.heldOut?.spearman).toEqual(expect.any(Number));
    const targets = new Set(got?.report.artifacts.map((a) => a.target));
    expect([...targets].sort()).toEqual(['activation', 'error', 'reconstruction']);

    const verdicts = await call<FeatureVerdicts>('faithfulness:features', { runId });
    const flagged = verdicts.features.filter((v) => v.exclusivity?.isArtifact === true);
    // On the demo family most "emerged" features have their direction at the earlier checkpoints too
    // (docs/faithfulness.md): the activation target flags most of them.
    expect(flagged.length).toBeGreaterThan(verdicts.features.length / 2);
  }, 300_000);

  it('a training start reports its parts, cancels cleanly (no report rewritten), and is refused twice', async () => {
    const before = await call<FaithfulnessReportFile>('faithfulness:get', { runId });
    const { jobId } = await call<{ jobId: string }>('faithfulness:start', {
      runId,
      activationStore: storeDir,
      shouldTrain: true,
      // tfjs: cancelling a worker that trains on the native engine can abort the whole process
      // ("terminate called after throwing an instance of 'Napi::Error'"), as a cancelled
      // trainCrosscoder job does; that is the native engine's to fix.
      engine: 'tfjs',
    });
    await waitUntil(() => /^train reordered/.test(workbench.runner.get(jobId).message), 120_000, 'training');
    await expect(call('faithfulness:start', { runId })).rejects.toThrow(/already running/);
    workbench.runner.cancel(jobId);
    const job = await finished(jobId);
    expect(job.state).toBe('cancelled');
    expect(existsSync(join(runDir, 'faithfulness', 'reordered', 'config.json'))).toBe(true);
    const after = await call<FaithfulnessReportFile>('faithfulness:get', { runId });
    expect(after.report.createdAt).toBe(before.report.createdAt);
  }, 240_000);
});
