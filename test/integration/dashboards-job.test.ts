import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractActivations } from '../../src/core/activations/extract';
import { dashboardIndexSchema } from '../../src/core/attribution/dashboard-files';
import { selectBackend } from '../../src/core/backend';
import { trainCrosscoderRun } from '../../src/core/crosscoder/train-run';
import { CancelledError, type ProgressListener } from '../../src/core/progress';
import { runDashboardsJob } from '../../src/compute/dashboards';
import { createWorkerExecutor } from '../../src/main/jobs/compute-worker-host';
import { JobRunner } from '../../src/main/jobs/job-runner';
import { createStore } from '../../src/main/store/store';
import { featureDashboardSchema } from '../../src/shared/annotation';
import { dashboardsResultSchema, type DashboardsParams } from '../../src/shared/attribution';
import { demoCorpus, demoFamily } from '../helpers/activation-fixtures';
import { waitUntil } from '../helpers/fake-executor';
import { createTmpDirs } from '../helpers/tmp-dir';

// The dashboards job on a small store of the demo family and a tiny crosscoder trained on it: called
// directly (files, index merge, cancel), and once through a real compute worker (the kind is registered).

const tmp = createTmpDirs('ctt-dashboards-job-');
let storeDir: string;
let runDir: string;

beforeAll(async () => {
  await selectBackend('wasm');
  const dir = tmp.make();
  storeDir = join(dir, 'acts');
  runDir = join(dir, 'run');
  await extractActivations({
    checkpoints: ['step100', 'step1600'].map((revision) => ({
      revision,
      path: join(demoFamily, revision),
      tokensSeen: null,
    })),
    layer: 1,
    corpus: demoCorpus,
    context: 32,
    tokens: 1200,
    shardRows: 620, // two shards
    outDir: storeDir,
  });
  await trainCrosscoderRun({
    acts: storeDir,
    config: { nFeatures: 16, steps: 20, batchSize: 128, learningRate: 2e-3, l1Coeff: 1, seed: 1 },
    out: runDir,
  });
}, 180_000);
afterAll(() => tmp.cleanup());

const params = (features: number[]): DashboardsParams => ({
  runId: 'run-1',
  runDir,
  storeDir,
  features,
  backendPreference: 'wasm',
});
const readIndex = () =>
  dashboardIndexSchema.parse(JSON.parse(readFileSync(join(runDir, 'dashboards', 'index.json'), 'utf8')));

describe('the dashboards job', () => {
  it('writes feature files and index.json under the run, merging with the features computed before', async () => {
    const progress: Parameters<ProgressListener>[0][] = [];
    const context = {
      signal: new AbortController().signal,
      onProgress: (p: Parameters<ProgressListener>[0]) => progress.push(p),
      defaultBackend: 'wasm' as const,
    };
    const first = dashboardsResultSchema.parse(await runDashboardsJob(params([0, 3]), context));
    expect(first.dir).toBe(join(runDir, 'dashboards'));
    expect(first.rows).toBe(1200);
    expect(first.features.map((f) => f.feature)).toEqual([0, 3]);
    expect(progress.some((p) => p.step > 0 && p.total === 1200)).toBe(true);
    const feature3 = featureDashboardSchema.parse(
      JSON.parse(readFileSync(join(first.dir, 'feature-3.json'), 'utf8')),
    );
    expect(feature3.density).toBe(first.features[1]!.density);
    expect(feature3.topContexts.length).toBeLessThanOrEqual(20);
    expect(feature3.checkpoints.map((c) => c.revision)).toEqual(['step100', 'step1600']);
    expect(readIndex().features.map((f) => f.feature)).toEqual([0, 3]);

    const second = await runDashboardsJob(params([5, 3, 5]), context);
    expect(second.features.map((f) => f.feature)).toEqual([5, 3]);
    const index = readIndex();
    expect(index.features.map((f) => f.feature)).toEqual([0, 3, 5]);
    expect(index.revisions.map((r) => r.revision)).toEqual(['step100', 'step1600']);
    for (const entry of index.features) expect(existsSync(join(first.dir, entry.file))).toBe(true);
    // Same store and weights: a recomputed feature is the same dashboard.
    expect(JSON.parse(readFileSync(join(first.dir, 'feature-3.json'), 'utf8'))).toEqual(feature3);
  }, 120_000);

  it('a cancelled job throws CancelledError and writes nothing; a bad feature index fails', async () => {
    const before = readFileSync(join(runDir, 'dashboards', 'index.json'), 'utf8');
    const controller = new AbortController();
    controller.abort();
    await expect(
      runDashboardsJob(params([7]), {
        signal: controller.signal,
        onProgress: () => {},
        defaultBackend: 'wasm',
      }),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(existsSync(join(runDir, 'dashboards', 'feature-7.json'))).toBe(false);
    expect(readFileSync(join(runDir, 'dashboards', 'index.json'), 'utf8')).toBe(before);
    await expect(
      runDashboardsJob(params([16]), {
        signal: new AbortController().signal,
        onProgress: () => {},
        defaultBackend: 'wasm',
      }),
    ).rejects.toThrow(/feature 16 does not exist/);
  }, 60_000);

  it('runs in a compute worker as job kind `dashboards`', async () => {
    const store = createStore(':memory:');
    const runner = new JobRunner({
      jobs: store.jobs,
      execute: createWorkerExecutor(() => 'wasm'),
      emit: () => {},
      maxConcurrent: () => 1,
      progressIntervalMs: 0,
    });
    try {
      const { id } = runner.start('dashboards', params([1]), 'dashboards');
      await waitUntil(() => runner.get(id).finishedAt !== null, 90_000, 'dashboards job');
      const job = runner.get(id);
      expect(job.error).toBeNull();
      expect(job.state).toBe('succeeded');
      expect(dashboardsResultSchema.parse(job.result).features.map((f) => f.feature)).toEqual([1]);
      expect(readIndex().features.map((f) => f.feature)).toEqual([0, 3, 5, 1]);
    } finally {
      await runner.shutdown();
      store.close();
    }
  }, 120_000);
});
