import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkbench, type Workbench } from '../../src/main/workbench';
import { attributionSummarySchema, type AttributionSummary } from '../../src/shared/attribution';
import { demoFamily, demoRoot } from '../helpers/activation-fixtures';
import { waitUntil } from '../helpers/fake-executor';
import { createTmpDirs } from '../helpers/tmp-dir';
import { workbenchCalls } from '../helpers/workbench-calls';

// From attribution:start to a real compute worker (wasm): a tiny crosscoder trained on a small store of
// the demo family, attributed on a few pairs of a demo task; a cancelled attribution leaves no result.

const tmp = createTmpDirs('ctt-attribution-job-');
const taskFile = join(demoRoot, 'tasks', 'sv_pp_attractor.eng.jsonl');
let workbench: Workbench;
let runId: string;

const { call, finished } = workbenchCalls(() => workbench);

beforeAll(async () => {
  workbench = createWorkbench({
    dataDir: tmp.make(),
    mode: 'cli',
    backendOverride: 'wasm',
    progressIntervalMs: 50,
  });
  const family = await call<{ id: number; checkpoints: Array<{ id: number; revision: string }> }>(
    'models:add',
    { name: 'demo-lm', source: { kind: 'folder', path: demoFamily }, tokensPerStep: 512 },
  );
  const chosen = ['step100', 'step1600'].map((r) => family.checkpoints.find((c) => c.revision === r)!.id);
  const extraction = await call<{ jobId: string; outDir: string }>('activations:startExtraction', {
    modelId: family.id,
    checkpointIds: chosen,
    layer: 1,
    tokens: 1000,
    context: 32,
  });
  expect((await finished(extraction.jobId)).state).toBe('succeeded');
  const training = await call<{ runId: string; jobId: string }>('training:start', {
    name: 'tiny',
    activationStore: extraction.outDir,
    nFeatures: 32,
    steps: 20,
    batchSize: 128,
  });
  runId = training.runId;
  const job = await finished(training.jobId);
  expect(job.error).toBeNull();
}, 300_000);
afterAll(async () => {
  await workbench?.close();
  tmp.cleanup();
});

describe('the attribute job', () => {
  it('computes IE per checkpoint and feature with RelDec, listed under the run', async () => {
    const { jobId } = await call<{ jobId: string }>('attribution:start', {
      runId,
      taskFile,
      method: 'ig',
      steps: 3,
      limit: 6,
    });
    const job = await finished(jobId);
    expect(job.error).toBeNull();
    expect(job.state).toBe('succeeded');
    const list = await call<AttributionSummary[]>('attribution:list', { runId });
    expect(list).toHaveLength(1);
    const { result } = attributionSummarySchema.parse(list[0]);
    expect(result.ie).toHaveLength(2);
    for (const row of result.ie) {
      expect(row).toHaveLength(32);
      for (const v of row) expect(Number.isFinite(v)).toBe(true);
    }
    expect(result.relDec).toHaveLength(32);
    for (const row of result.relDec) {
      expect(row).toHaveLength(2);
      const [a, b] = row as [number, number];
      expect(a + b).toBeCloseTo(1, 5);
    }
    expect(result.n + result.skipped).toBe(6);
    expect(result.n).toBeGreaterThan(0);
    expect(result.provenance).toMatchObject({
      revisions: [{ revision: 'step100' }, { revision: 'step1600' }],
      layer: 1,
      method: 'ig',
      steps: 3,
      task: taskFile,
      backend: 'wasm',
    });
    expect(result.metricClean).toHaveLength(2);
    expect(result.errorIe).toHaveLength(2);
    expect(result.items).toHaveLength(result.n);
    for (const item of result.items!) {
      expect(item.top).toHaveLength(2);
      for (const top of item.top) expect(top.length).toBeLessThanOrEqual(10);
    }
  }, 180_000);

  it('a cancelled attribution ends cancelled and adds no result', async () => {
    const { jobId } = await call<{ jobId: string }>('attribution:start', {
      runId,
      taskFile,
      method: 'ig',
      steps: 50,
    });
    await waitUntil(() => workbench.runner.get(jobId).state === 'running', 60_000, 'running');
    workbench.runner.cancel(jobId);
    const job = await finished(jobId);
    expect(job.state).toBe('cancelled');
    expect(job.result).toBeNull();
    expect(await call<AttributionSummary[]>('attribution:list', { runId })).toHaveLength(1);
  }, 120_000);
});
