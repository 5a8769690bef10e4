import { totalmem } from 'node:os';
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeManifest } from '../../../../src/core/activations/manifest';
import { dispatch } from '../../../../src/main/services/dispatch';
import { createWorkbench, type Workbench } from '../../../../src/main/workbench';
import {
  estimateTrainingParamsSchema,
  trainCrosscoderParamsSchema,
  type MetricSeries,
  type RunDetail,
  type RunSummary,
  type TrainCrosscoderResult,
} from '../../../../src/shared/training';
import { writeSyntheticStore } from '../../../helpers/activation-fixtures';
import { fakeBackendInfo } from '../../../helpers/fake-backend';
import { createFakeExecutor, waitUntil, type FakeExecution } from '../../../helpers/fake-executor';
import { createTmpDirs } from '../../../helpers/tmp-dir';

// training:* and runs:* over a real store, with a fake executor standing in for the compute worker.

const tmp = createTmpDirs('ctt-training-service-');
let dataDir: string;
let storeDir: string;
let workbench: Workbench;
let fake: ReturnType<typeof createFakeExecutor>;

const open = (): Workbench =>
  createWorkbench({
    dataDir,
    mode: 'cli',
    execute: fake.execute,
    probe: async (preference) => fakeBackendInfo({ preference, backend: 'wasm' }),
    progressIntervalMs: 0,
    demoCorpusFile: null,
  });

beforeEach(async () => {
  dataDir = tmp.make();
  storeDir = join(tmp.make(), 'store');
  await writeSyntheticStore(storeDir, { shardRows: [64, 64], nCheckpoints: 2, dModel: 3 });
  fake = createFakeExecutor();
  workbench = open();
});
afterEach(async () => {
  await workbench.close();
  tmp.cleanup();
});

const call = (channel: string, input: unknown) =>
  dispatch(workbench.handlers, channel, input, { transport: 'cli' }, { shouldValidateOutput: true });
async function value<T>(channel: string, input: unknown): Promise<T> {
  const result = await call(channel, input);
  if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
  return result.value as T;
}
const startInput = { name: 'run a', activationStore: '', nFeatures: 8, steps: 40, batchSize: 16 };
const start = (overrides: Record<string, unknown> = {}) =>
  value<{ runId: string; jobId: string }>('training:start', {
    ...startInput,
    activationStore: storeDir,
    ...overrides,
  });

const progress = (execution: FakeExecution, step: number, loss: number): void =>
  execution.onProgress({
    step,
    total: 40,
    metrics: { runStep: step, loss, mse: loss / 2, l1: 0.1, l0: 3, deadFraction: 0 },
  });

function fakeResult(runId: string, outDir: string): TrainCrosscoderResult {
  return {
    runId,
    outDir,
    steps: 40,
    resumedFrom: 0,
    stepsPerSecond: 12,
    backend: 'wasm',
    final: { step: 40, loss: 1, mse: 0.5, l1: 0.1, l0: 3, deadFraction: 0 },
    evaluation: {
      tokens: 128,
      mse: 0.5,
      msePerCheckpoint: [0.2, 0.3],
      fvu: 0.1,
      explainedVariance: 0.9,
      explainedVariancePerCheckpoint: [0.92, 0.88],
      explainedVariancePerTokenMean: 0.85,
      l1: 0.1,
      l0: 3,
      deadFraction: 0.25,
      denseFraction: 0,
      relDecBins: 50,
      relDecHistogram: [new Array<number>(50).fill(0), new Array<number>(50).fill(0)],
      decoderCosineMean: [0.4],
    },
  };
}

describe('training:start', () => {
  it('creates a run with its config and directory, and starts a trainCrosscoder job on it', async () => {
    const { runId, jobId } = await start({ type: 'l1', l1Coeff: 1.5, seed: 7 });
    const execution = await fake.waitForCall(0);
    expect(execution.job).toMatchObject({ id: jobId, kind: 'trainCrosscoder' });
    const params = trainCrosscoderParamsSchema.parse(execution.job.params);
    expect(params).toEqual({
      runId,
      activationStore: storeDir,
      outDir: join(dataDir, 'runs', runId),
      crosscoder: { type: 'l1', nFeatures: 8, steps: 40, batchSize: 16, l1Coeff: 1.5, seed: 7 },
      saveEvery: 4,
      evalRows: 20_000,
    });
    expect(workbench.runner.get(jobId).label).toBe('Train run a (L1, F=8, 40 steps)');
    const run = workbench.store.runs.get(runId);
    expect(run).toMatchObject({ name: 'run a', kind: 'crosscoder', status: 'running', jobId });
    expect(run.config).toMatchObject({
      activationStore: storeDir,
      store: { model: 'synthetic', revisions: ['r0', 'r1'], layer: 0, nCheckpoints: 2, dModel: 3, rows: 128 },
      saveEvery: 4,
    });
  });

  it('refuses what the trainer would refuse, naming the field, and creates no run', async () => {
    const single = join(tmp.make(), 'single');
    await writeSyntheticStore(single, { shardRows: [32], nCheckpoints: 1 });
    const incomplete = join(tmp.make(), 'incomplete');
    const manifest = await writeSyntheticStore(incomplete, { shardRows: [32] });
    await writeManifest(incomplete, { ...manifest, complete: false });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ batchSize: 129 }, 'input.batchSize'],
      [{ type: 'batchtopk', k: 9 }, 'input.k'],
      [{ activationStore: single }, 'input.activationStore'],
      [{ activationStore: incomplete }, 'input.activationStore'],
      [{ activationStore: 'relative/store' }, 'input.activationStore'],
      [{ activationStore: join(dataDir, 'missing') }, 'input.activationStore'],
      [{ nFeatures: 0 }, 'input.nFeatures'],
      [{ name: '  ' }, 'input.name'],
    ];
    for (const [change, field] of cases) {
      const result = await call('training:start', { ...startInput, activationStore: storeDir, ...change });
      expect(result, JSON.stringify(change)).toMatchObject({
        ok: false,
        error: { code: 'invalid_input', field },
      });
    }
    expect(fake.calls).toHaveLength(0);
    expect(await value('runs:list', {})).toEqual([]);
  });
});

describe('runs follow their job', () => {
  it('stores the metrics of every snapshot, then the whole metrics.jsonl and the result when it succeeds', async () => {
    const { runId } = await start();
    const execution = await fake.waitForCall(0);
    progress(execution, 1, 4);
    progress(execution, 3, 2);
    let [summary] = await value<RunSummary[]>('runs:list', {});
    expect(summary).toMatchObject({
      id: runId,
      status: 'running',
      stepsDone: 3,
      steps: 40,
      lastMetrics: { loss: 2, mse: 1, l1: 0.1, l0: 3, deadFraction: 0 },
      evaluation: null,
      canResume: false,
    });
    const live = await value<MetricSeries[]>('runs:metrics', { runId, names: ['loss'] });
    expect(live).toEqual([
      {
        name: 'loss',
        points: [
          { step: 1, value: 4 },
          { step: 3, value: 2 },
        ],
      },
    ]);

    // The trainer's per-step file has every step; the finished run imports it.
    const dir = join(dataDir, 'runs', runId);
    mkdirSync(dir, { recursive: true });
    const lines = Array.from({ length: 40 }, (_, i) =>
      JSON.stringify({
        step: i + 1,
        loss: 10 - i / 10,
        mse: 1,
        l1: 0.2,
        l0: 2,
        deadFraction: 0.5,
        auxiliary: 0,
      }),
    );
    writeFileSync(join(dir, 'metrics.jsonl'), lines.join('\n') + '\n');
    execution.resolve(fakeResult(runId, dir));
    await workbench.runner.idle();

    [summary] = await value<RunSummary[]>('runs:list', {});
    expect(summary).toMatchObject({
      status: 'finished',
      stepsDone: 40,
      error: null,
      evaluation: { mse: 0.5, explainedVariance: 0.9, l0: 3, deadFraction: 0.25 },
    });
    const series = await value<MetricSeries[]>('runs:metrics', { runId });
    expect(series.map((s) => [s.name, s.points.length])).toEqual([
      ['loss', 40],
      ['mse', 40],
      ['l1', 40],
      ['l0', 40],
      ['deadFraction', 40],
    ]);
    expect(series[0]!.points[2]).toEqual({ step: 3, value: 9.8 });
    const detail = await value<RunDetail>('runs:get', { runId });
    expect(detail.result?.evaluation.relDecHistogram).toHaveLength(2);
    expect(detail).toMatchObject({ dir, config: { crosscoder: { nFeatures: 8 } } });
  });

  it('a failed run offers Resume; resuming drops the points after the last save and starts a new job', async () => {
    const { runId, jobId } = await start();
    const first = await fake.waitForCall(0);
    for (let step = 1; step <= 14; step++) progress(first, step, 20 - step);
    first.reject(new Error('the wasm heap ran out'));
    await workbench.runner.idle();
    let [summary] = await value<RunSummary[]>('runs:list', {});
    expect(summary).toMatchObject({ status: 'failed', error: 'the wasm heap ran out', canResume: true });

    // The run directory's last save is step 10.
    const dir = join(dataDir, 'runs', runId);
    mkdirSync(dir, { recursive: true });
    const config = { type: 'l1', nCheckpoints: 2, dModel: 3, nFeatures: 8, steps: 40, batchSize: 16 };
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ step: 10, latest: null, config }));
    const resumed = await value<{ runId: string; jobId: string }>('training:resume', { runId });
    expect(resumed.runId).toBe(runId);
    expect(resumed.jobId).not.toBe(jobId);
    const second = await fake.waitForCall(1);
    expect(trainCrosscoderParamsSchema.parse(second.job.params).outDir).toBe(dir);
    const loss = await value<MetricSeries[]>('runs:metrics', { runId, names: ['loss'] });
    expect(loss[0]!.points.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    [summary] = await value<RunSummary[]>('runs:list', {});
    expect(summary).toMatchObject({ status: 'running', error: null, jobId: resumed.jobId, canResume: false });

    // A running or finished run does not resume.
    const busy = await call('training:resume', { runId });
    expect(busy).toMatchObject({ ok: false, error: { code: 'conflict', field: 'input.runId' } });
    second.reject(new Error('again'));
    await workbench.runner.idle();
    const missing = await call('training:resume', { runId: 'nope' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not_found', field: 'input.runId' } });
  });

  it('a cancelled job leaves a cancelled run', async () => {
    const { runId, jobId } = await start();
    await fake.waitForCall(0);
    workbench.runner.cancel(jobId);
    await workbench.runner.idle();
    expect(workbench.store.runs.get(runId)).toMatchObject({ status: 'cancelled', error: 'Cancelled.' });
  });

  it('after an app restart, a run that was training is failed with a reason and keeps its curves', async () => {
    const { runId } = await start();
    const execution = await fake.waitForCall(0);
    progress(execution, 5, 1);
    // The process dies: nothing finishes the job, the database stays as it was; the next start comes
    // after the stale limit (its job's heartbeat is a minute old).
    workbench.store.close();
    const db = new Database(join(dataDir, 'workbench.sqlite'));
    db.prepare('UPDATE jobs SET heartbeat_ms = heartbeat_ms - 60000').run();
    db.close();
    const dir = join(dataDir, 'runs', runId);
    mkdirSync(dir, { recursive: true });
    const config = { type: 'l1', nCheckpoints: 2, dModel: 3, nFeatures: 8, steps: 40, batchSize: 16 };
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ step: 4, latest: null, config }));
    workbench = open();
    const [summary] = await value<RunSummary[]>('runs:list', {});
    expect(summary).toMatchObject({ id: runId, status: 'failed', canResume: true, stepsDone: 5 });
    expect(summary!.error).toBe(
      'The workbench stopped while training this run; resume it to continue from its last save (step 4).',
    );
    expect((await value<MetricSeries[]>('runs:metrics', { runId, names: ['loss'] }))[0]!.points).toEqual([
      { step: 5, value: 1 },
    ]);
  });
});

describe('two workbenches on one data folder', () => {
  it("the second leaves the first's training run alone, and fails it within the stale limit once the first dies", async () => {
    // Both with a 300 ms stale limit (so a 100 ms heartbeat), as `ctt serve` takes it from the env.
    await workbench.close();
    const previous = process.env.CTT_JOB_STALE_MS;
    process.env.CTT_JOB_STALE_MS = '300';
    let first: Workbench;
    let second: Workbench;
    try {
      first = open();
      second = open();
    } finally {
      if (previous === undefined) delete process.env.CTT_JOB_STALE_MS;
      else process.env.CTT_JOB_STALE_MS = previous;
    }
    workbench = first;
    const { runId, jobId } = await start();
    progress(await fake.waitForCall(0), 5, 1);
    workbench = second; // afterEach closes it
    const runOf = () => second.store.runs.get(runId);
    await new Promise((r) => setTimeout(r, 900)); // three stale limits
    expect(runOf()).toMatchObject({ status: 'running', error: null });
    expect(second.store.jobs.get(jobId).state).toBe('running');
    // The first workbench dies (its heartbeat stops with its store); the second notices while it runs.
    first.store.close();
    await waitUntil(() => runOf().status === 'failed', 3000, 'the run to fail');
    expect(second.store.jobs.get(jobId)).toMatchObject({ state: 'failed' });
    expect(second.store.jobs.get(jobId).error).toMatch(/no heartbeat since/);
    expect(runOf().error).toBe(
      'The workbench stopped while training this run; it had not saved yet, so a resume starts from step 0.',
    );
  });
});

describe('training:estimate', () => {
  it('suggests F = 8·d and a batch for the store, measures the shape in a job outside the queue', async () => {
    const estimating = call('training:estimate', { activationStore: storeDir, timeBudgetMinutes: 2 });
    const execution = await fake.waitForCall(0);
    expect(execution.job.kind).toBe('estimateTraining');
    expect(estimateTrainingParamsSchema.parse(execution.job.params)).toEqual({
      type: 'l1',
      nCheckpoints: 2,
      dModel: 3,
      nFeatures: 24,
      batchSize: 64,
      steps: 3,
      // The native engine built (setup installs OpenBLAS), so auto measures it.
      enginePreference: 'native',
    });
    execution.resolve({ stepsPerSecond: 10, backend: 'wasm', engine: 'native', engineReason: 'fastest' });
    const result = await estimating;
    expect(result).toMatchObject({
      ok: true,
      value: {
        nCheckpoints: 2,
        dModel: 3,
        rows: 128,
        nFeatures: 24,
        batchSize: 64,
        stepsPerSecond: 10,
        backend: 'wasm',
        engine: 'native',
        engineReason: 'fastest',
        // The native engine may use half of the machine's memory, not wasm's 3 GiB.
        memoryLimitBytes: totalmem() / 2,
        suggested: { nFeatures: 24, batchSize: 64, steps: 1200 },
      },
    });
    expect(workbench.runner.list()).toEqual([]);
  });

  it('refuses a shape beyond the engine memory, and reports a failed measurement', async () => {
    const huge = await call('training:estimate', {
      activationStore: storeDir,
      nFeatures: 4_000_000,
      batchSize: 64,
      engine: 'tfjs',
    });
    expect(huge).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'input.nFeatures' } });
    expect(huge.ok ? '' : huge.error.message).toMatch(/GiB; the wasm backend holds 3\.0 GiB/);
    const failing = call('training:estimate', { activationStore: storeDir, nFeatures: 16, batchSize: 32 });
    (await fake.waitForCall(0)).reject(new Error('XNN status 6'));
    expect(await failing).toMatchObject({
      ok: false,
      error: { code: 'unavailable', message: 'Measuring the training speed failed: XNN status 6' },
    });
  });
});

describe('runs:get and runs:metrics', () => {
  it('answer not_found for an unknown run', async () => {
    expect(await call('runs:get', { runId: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'not_found', field: 'input.runId' },
    });
    expect(await call('runs:metrics', { runId: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await call('runs:metrics', { runId: 'x', names: ['accuracy'] })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', field: 'input.names.0' },
    });
  });

  it('keeps a run directory per run under <dataDir>/runs', async () => {
    const { runId } = await start();
    await fake.waitForCall(0);
    await waitUntil(() => workbench.store.runs.get(runId).status === 'running');
    expect(workbench.store.runs.get(runId).dir).toBe(join(dataDir, 'runs', runId));
    expect(existsSync(join(dataDir, 'runs'))).toBe(false); // the job creates it, not the service
  });
});
