import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkbench, type Workbench } from '../../src/main/workbench';
import type { ActivationStoreSummary } from '../../src/shared/activation-stores';
import {
  runDetailSchema,
  trainingEstimateSchema,
  type MetricSeries,
  type RunSummary,
} from '../../src/shared/training';
import { demoCorpus, demoFamily } from '../helpers/activation-fixtures';
import { waitUntil } from '../helpers/fake-executor';
import { createTmpDirs } from '../helpers/tmp-dir';
import { workbenchCalls } from '../helpers/workbench-calls';

// From the app's channels to real compute workers (wasm): extract a small store from the demo family,
// train a crosscoder on it, see the metrics stored and the evaluation in the run; cancel and resume.

const tmp = createTmpDirs('ctt-training-job-');
let dataDir: string;
let workbench: Workbench;
let storeDir: string;

const { call, finished } = workbenchCalls(() => workbench);

const runOf = async (runId: string): Promise<RunSummary> =>
  (await call<RunSummary[]>('runs:list', {})).find((r) => r.id === runId)!;

beforeAll(async () => {
  dataDir = tmp.make();
  workbench = createWorkbench({ dataDir, mode: 'cli', backendOverride: 'wasm', progressIntervalMs: 50 });
  const family = await call<{ id: number; checkpoints: Array<{ id: number; revision: string }> }>(
    'models:add',
    { name: 'demo-lm', source: { kind: 'folder', path: demoFamily }, tokensPerStep: 512 },
  );
  const chosen = ['step100', 'step400', 'step1600'].map(
    (r) => family.checkpoints.find((c) => c.revision === r)!.id,
  );
  const started = await call<{ jobId: string; outDir: string }>('activations:startExtraction', {
    modelId: family.id,
    checkpointIds: chosen,
    layer: 1,
    tokens: 3000,
    context: 32,
  });
  storeDir = started.outDir;
  const job = await finished(started.jobId);
  expect(job.error).toBeNull();
  expect(job.state).toBe('succeeded');
});
afterAll(async () => {
  await workbench?.close();
  tmp.cleanup();
});

describe('extraction from the app', () => {
  it('writes the store under the data folder with the demo corpus, and lists it', async () => {
    expect(storeDir).toBe(join(dataDir, 'activations', 'demo-lm-step100-step400-step1600-L1'));
    const stores = await call<ActivationStoreSummary[]>('activations:list', {});
    expect(stores).toHaveLength(1);
    expect(stores[0]).toMatchObject({
      dir: storeDir,
      revisions: [{ revision: 'step100' }, { revision: 'step400' }, { revision: 'step1600' }],
      layer: 1,
      rows: 3000,
      nCheckpoints: 3,
      dModel: 64,
      isComplete: true,
      isExtracting: false,
      corpusFile: demoCorpus,
    });
    expect(stores[0]!.scale).toHaveLength(3);
  });
});

describe('training from the app', () => {
  it('measures steps/s in a worker and suggests sizes for the store', async () => {
    const estimate = trainingEstimateSchema.parse(
      await call('training:estimate', { activationStore: storeDir, nFeatures: 64, batchSize: 256 }),
    );
    expect(estimate).toMatchObject({
      nCheckpoints: 3,
      dModel: 64,
      rows: 3000,
      nFeatures: 64,
      batchSize: 256,
    });
    expect(estimate.backend).toBe('wasm');
    expect(estimate.stepsPerSecond).toBeGreaterThan(0);
    expect(estimate.suggested).toMatchObject({ nFeatures: 512, batchSize: 1024 });
    expect(estimate.suggested.steps).toBe(Math.floor(5 * 60 * estimate.stepsPerSecond));
  });

  it('trains 20 steps, stores every step of the metrics and evaluates the crosscoder', async () => {
    const { runId, jobId } = await call<{ runId: string; jobId: string }>('training:start', {
      name: 'tiny',
      activationStore: storeDir,
      nFeatures: 64,
      steps: 20,
      batchSize: 256,
    });
    const job = await finished(jobId);
    expect(job.error).toBeNull();
    expect(job.state).toBe('succeeded');
    expect(existsSync(join(dataDir, 'runs', runId, 'crosscoder.safetensors'))).toBe(true);

    const run = await runOf(runId);
    expect(run).toMatchObject({ status: 'finished', stepsDone: 20, steps: 20, type: 'l1', nFeatures: 64 });
    expect(run.canResume).toBe(false);
    expect(Object.keys(run.lastMetrics).sort()).toEqual(['deadFraction', 'l0', 'l1', 'loss', 'mse']);
    const series = await call<MetricSeries[]>('runs:metrics', { runId });
    expect(series.map((s) => s.name)).toEqual(['loss', 'mse', 'l1', 'l0', 'deadFraction']);
    for (const s of series) expect(s.points.map((p) => p.step)).toEqual(range(1, 20));

    const detail = runDetailSchema.parse(await call('runs:get', { runId }));
    const evaluation = detail.result!.evaluation;
    expect(evaluation.tokens).toBe(3000);
    expect(evaluation.mse).toBeGreaterThan(0);
    expect(evaluation.explainedVariance).not.toBeNull();
    expect(evaluation.relDecHistogram).toHaveLength(3);
    for (const bins of evaluation.relDecHistogram) {
      expect(bins).toHaveLength(50);
      expect(bins.reduce((a, b) => a + b, 0)).toBe(64);
    }
    expect(detail.result!.final).toMatchObject({ step: 20 });
    expect(detail.result!.resumedFrom).toBe(0);
    expect(detail.config.store).toMatchObject({ revisions: ['step100', 'step400', 'step1600'], layer: 1 });
  });

  it('a cancelled run resumes from its last save and ends with metrics for every step', async () => {
    const steps = 600;
    const { runId, jobId } = await call<{ runId: string; jobId: string }>('training:start', {
      name: 'resumed',
      activationStore: storeDir,
      nFeatures: 64,
      steps,
      batchSize: 256,
      saveEvery: 10,
    });
    await waitUntil(() => (workbench.runner.get(jobId).metrics.runStep ?? 0) >= 25, 60_000, 'step 25');
    workbench.runner.cancel(jobId);
    expect((await finished(jobId)).state).toBe('cancelled');
    const cancelled = await runOf(runId);
    expect(cancelled).toMatchObject({ status: 'cancelled', canResume: true });
    expect(cancelled.stepsDone).toBeGreaterThanOrEqual(25);
    expect(cancelled.stepsDone).toBeLessThan(steps);

    const resumed = await call<{ jobId: string }>('training:resume', { runId });
    expect(resumed.jobId).not.toBe(jobId);
    const job = await finished(resumed.jobId);
    expect(job.error).toBeNull();
    const detail = runDetailSchema.parse(await call('runs:get', { runId }));
    expect(detail).toMatchObject({ status: 'finished', stepsDone: steps, jobId: resumed.jobId });
    expect(detail.result!.resumedFrom).toBeGreaterThanOrEqual(20);
    expect(detail.result!.resumedFrom % 10).toBe(0);
    // Steps past the last save were trained again; the series has each step once, in order.
    const series = await call<MetricSeries[]>('runs:metrics', { runId, names: ['loss'] });
    expect(series[0]!.points.map((p) => p.step)).toEqual(range(1, steps));
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
