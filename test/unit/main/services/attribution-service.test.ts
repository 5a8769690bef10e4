import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeManifest } from '../../../../src/core/activations/manifest';
import { dispatch } from '../../../../src/main/services/dispatch';
import { createWorkbench, type Workbench } from '../../../../src/main/workbench';
import {
  attributeParamsSchema,
  type AttributeResult,
  type AttributionSummary,
} from '../../../../src/shared/attribution';
import { demoRoot, writeSyntheticStore } from '../../../helpers/activation-fixtures';
import { fakeBackendInfo } from '../../../helpers/fake-backend';
import { createFakeExecutor } from '../../../helpers/fake-executor';
import { createTmpDirs } from '../../../helpers/tmp-dir';

// attribution:* over a real store, with a fake executor standing in for the compute worker.

const tmp = createTmpDirs('ctt-attribution-service-');
const taskFile = join(demoRoot, 'tasks', 'sv_pp_attractor.eng.jsonl');
let dataDir: string;
let storeDir: string;
let workbench: Workbench;
let fake: ReturnType<typeof createFakeExecutor>;

beforeEach(async () => {
  dataDir = tmp.make();
  storeDir = join(tmp.make(), 'store');
  const manifest = await writeSyntheticStore(storeDir, { shardRows: [64], nCheckpoints: 2, dModel: 3 });
  // The synthetic manifest names checkpoint folders /r0, /r1; point them at folders that exist.
  await writeManifest(storeDir, {
    ...manifest,
    revisions: manifest.revisions.map((r, m) => ({ ...r, path: dataDir, tokensSeen: 1000 * (m + 1) })),
  });
  fake = createFakeExecutor();
  workbench = createWorkbench({
    dataDir,
    mode: 'cli',
    execute: fake.execute,
    probe: async (preference) => fakeBackendInfo({ preference, backend: 'wasm' }),
    progressIntervalMs: 0,
    demoCorpusFile: null,
  });
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

/** A training run finished through its (fake) job. */
async function finishedRun(callIndex = 0): Promise<string> {
  const { runId } = await value<{ runId: string }>('training:start', {
    name: 'run a',
    activationStore: storeDir,
    nFeatures: 4,
    steps: 2,
    batchSize: 16,
  });
  const training = await fake.waitForCall(callIndex);
  training.resolve({
    runId,
    outDir: join(dataDir, 'runs', runId),
    steps: 2,
    resumedFrom: 0,
    stepsPerSecond: 1,
    backend: 'wasm',
    final: null,
    evaluation: {
      tokens: 64,
      mse: 1,
      msePerCheckpoint: [1, 1],
      fvu: 1,
      explainedVariance: 0,
      explainedVariancePerCheckpoint: [0, 0],
      explainedVariancePerTokenMean: 0,
      l1: 0,
      l0: 0,
      deadFraction: 0,
      denseFraction: 0,
      relDecBins: 2,
      relDecHistogram: [
        [2, 2],
        [2, 2],
      ],
      decoderCosineMean: [0.5],
    },
  });
  await workbench.runner.idle();
  return runId;
}

const fakeResult = (runId: string): AttributeResult => ({
  runId,
  ie: [
    [0.5, 0, 0.1, 0],
    [0, 0.2, 0.1, 0],
  ],
  errorIe: [0.01, 0.02],
  metricClean: [1, 2],
  metricAblated: [0, 0],
  n: 3,
  skipped: 0,
  relDec: [
    [0.9, 0.1],
    [0.2, 0.8],
    [0.5, 0.5],
    [null, null],
  ],
  provenance: {
    runDir: '/x',
    revisions: [
      { revision: 'r0', tokensSeen: 1000 },
      { revision: 'r1', tokensSeen: 2000 },
    ],
    layer: 0,
    task: taskFile,
    method: 'ig',
    steps: 10,
    threshold: null,
    metric: 'm',
    backend: 'wasm',
    createdAt: new Date(0).toISOString(),
  },
});

describe('attribution:start', () => {
  it('resolves checkpoints and layer from the store manifest and starts an attribute job', async () => {
    const runId = await finishedRun();
    const { jobId } = await value<{ jobId: string }>('attribution:start', {
      runId,
      taskFile,
      method: 'ig',
      steps: 4,
      limit: 5,
    });
    const execution = await fake.waitForCall(1);
    expect(execution.job.kind).toBe('attribute');
    const params = attributeParamsSchema.parse(execution.job.params);
    expect(params).toMatchObject({
      runId,
      runDir: join(dataDir, 'runs', runId),
      checkpoints: [
        { revision: 'r0', path: dataDir, tokensSeen: 1000 },
        { revision: 'r1', path: dataDir, tokensSeen: 2000 },
      ],
      layer: 0,
      taskFile,
      method: 'ig',
      steps: 4,
      limit: 5,
      threshold: null,
    });
    expect(await value<AttributionSummary[]>('attribution:list', { runId })).toEqual([]);

    execution.resolve(fakeResult(runId));
    await workbench.runner.idle();
    const list = await value<AttributionSummary[]>('attribution:list', { runId });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ jobId, runId, taskFile, method: 'ig', steps: 4 });
    expect(list[0]!.result.ie[0]).toEqual([0.5, 0, 0.1, 0]);

    // The result is written to the run folder (no temp file left), with its provenance.
    const dir = join(dataDir, 'runs', runId, 'attribution');
    expect(readdirSync(dir)).toEqual([`${jobId}.json`]);
    const written = JSON.parse(readFileSync(join(dir, `${jobId}.json`), 'utf8')) as AttributionSummary;
    expect(written).toMatchObject({ jobId, runId, taskFile, method: 'ig', steps: 4 });
    expect(written.result.provenance.revisions).toEqual(fakeResult(runId).provenance.revisions);

    // A second result, then a cleared job history: both still listed from the files, newest first.
    await new Promise((r) => setTimeout(r, 5)); // a later finishedAt
    const second = await value<{ jobId: string }>('attribution:start', { runId, taskFile, method: 'atp' });
    (await fake.waitForCall(2)).resolve(fakeResult(runId));
    await workbench.runner.idle();
    writeFileSync(join(dir, 'not-a-result.json'), '{"x":1}');
    workbench.store.db.prepare('DELETE FROM jobs').run();
    expect(workbench.runner.list()).toEqual([]);
    const afterClear = await value<AttributionSummary[]>('attribution:list', { runId });
    expect(afterClear.map((s) => s.jobId)).toEqual([second.jobId, jobId]);
    expect(afterClear[0]).toMatchObject({ method: 'atp', steps: 1 });
  });

  it('merges files with job snapshots without listing a job twice', async () => {
    const runId = await finishedRun();
    const { jobId } = await value<{ jobId: string }>('attribution:start', { runId, taskFile, method: 'ig' });
    (await fake.waitForCall(1)).resolve(fakeResult(runId));
    await workbench.runner.idle();
    expect(existsSync(join(dataDir, 'runs', runId, 'attribution', `${jobId}.json`))).toBe(true);
    const list = await value<AttributionSummary[]>('attribution:list', { runId });
    expect(list.map((s) => s.jobId)).toEqual([jobId]);
  });

  it('attribution patching runs one step; a cancelled job leaves no result', async () => {
    const runId = await finishedRun();
    const { jobId } = await value<{ jobId: string }>('attribution:start', {
      runId,
      taskFile,
      method: 'atp',
      steps: 7,
    });
    const execution = await fake.waitForCall(1);
    expect(attributeParamsSchema.parse(execution.job.params).steps).toBe(1);
    workbench.runner.cancel(jobId);
    await workbench.runner.idle();
    expect(workbench.runner.get(jobId).state).toBe('cancelled');
    expect(await value<AttributionSummary[]>('attribution:list', { runId })).toEqual([]);
    expect(existsSync(join(dataDir, 'runs', runId, 'attribution'))).toBe(false);
  });

  it('refuses unknown and unfinished runs, and missing task files, naming the field', async () => {
    const unknown = await call('attribution:start', { runId: 'nope', taskFile, method: 'ig' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not_found', field: 'input.runId' } });

    const { runId } = await value<{ runId: string }>('training:start', {
      name: 'busy',
      activationStore: storeDir,
      nFeatures: 4,
      steps: 2,
      batchSize: 16,
    });
    const busy = await call('attribution:start', { runId, taskFile, method: 'ig' });
    expect(busy).toMatchObject({ ok: false, error: { code: 'conflict', field: 'input.runId' } });
    (await fake.waitForCall(0)).reject(new Error('stop'));
    await workbench.runner.idle();

    const finished = await finishedRun(1);
    const missing = await call('attribution:start', {
      runId: finished,
      taskFile: join(dataDir, 'none.jsonl'),
      method: 'ig',
    });
    expect(missing).toMatchObject({ ok: false, error: { field: 'input.taskFile' } });
  });
});
