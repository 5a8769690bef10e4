import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorkerExecutor, probeBackend } from '../../src/main/jobs/compute-worker-host';
import { JobRunner } from '../../src/main/jobs/job-runner';
import { createStore, type Store } from '../../src/main/store/store';
import { backendInfoSchema, selfTestResultSchema, type JobSnapshot } from '../../src/shared/domain';
import { waitUntil } from '../helpers/fake-executor';

// Real compute workers (worker_threads + tsx + tfjs). Small sizes keep this to seconds on 2 cores.

let store: Store;
let runner: JobRunner;
let emitted: JobSnapshot[];

beforeEach(() => {
  store = createStore(':memory:');
  emitted = [];
  runner = new JobRunner({
    jobs: store.jobs,
    execute: createWorkerExecutor(() => 'cpu'),
    emit: (snapshot) => emitted.push(snapshot),
    maxConcurrent: () => 1,
    progressIntervalMs: 0,
  });
});
afterEach(async () => {
  await runner.shutdown();
  store.close();
});

describe('compute worker', () => {
  it('runs a selfTest on wasm to success, with GFLOP/s per size and progress events', async () => {
    const { id } = runner.start(
      'selfTest',
      { sizes: [16, 32], repeats: 1, backendPreference: 'wasm' },
      'self-test',
    );
    await waitUntil(
      () => runner.get(id).state !== 'running' && runner.get(id).state !== 'queued',
      90_000,
      'self-test',
    );

    const job = runner.get(id);
    expect(job.error).toBeNull();
    expect(job.state).toBe('succeeded');
    const result = selfTestResultSchema.parse(job.result);
    expect(result.backend.backend).toBe('wasm');
    expect(result.backend.preference).toBe('wasm');
    expect(result.rows.map((r) => r.size)).toEqual([16, 32]);
    for (const row of result.rows) {
      expect(row.gflopsPerSecond).toBeGreaterThan(0);
      expect(Number.isFinite(row.gflopsPerSecond)).toBe(true);
      expect(row.medianMs).toBeGreaterThan(0);
    }
    // 2 sizes × (1 warm-up + 1 timed) = 4 steps.
    expect(job.total).toBe(4);
    expect(job.step).toBe(4);
    const progress = emitted.filter((s) => s.id === id && s.state === 'running' && s.step > 0);
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.some((s) => (s.metrics.gflopsPerSecond ?? 0) > 0)).toBe(true);
    expect(store.jobs.get(id).state).toBe('succeeded');
  });

  it('cancels a long selfTest after its first progress report', async () => {
    const params = { sizes: [512, 512, 512, 512], repeats: 50, backendPreference: 'wasm' as const };
    const { id } = runner.start('selfTest', params, 'long self-test');
    await waitUntil(
      () => emitted.some((s) => s.id === id && s.state === 'running' && s.step > 0),
      90_000,
      'first progress of the long self-test',
    );
    runner.cancel(id);
    await waitUntil(() => runner.get(id).state !== 'running', 30_000, 'the cancelled job to stop');

    const job = runner.get(id);
    expect(job.state).toBe('cancelled');
    expect(job.result).toBeNull();
    expect(job.total).toBe(4 * 51);
    expect(job.step).toBeLessThan(job.total);
    expect(store.jobs.get(id).state).toBe('cancelled');
  });

  it('a job with invalid params fails with the validation message', async () => {
    const { id } = runner.start('selfTest', { sizes: [3], backendPreference: 'cpu' }, 'bad');
    await waitUntil(() => runner.get(id).state !== 'running', 90_000, 'bad job');
    const job = runner.get(id);
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/sizes/);
  });

  it('probeBackend reports the requested backend and why', async () => {
    const info = backendInfoSchema.parse(await probeBackend('cpu'));
    expect(info.backend).toBe('cpu');
    expect(info.preference).toBe('cpu');
    expect(info.reason).toContain('cpu');
    expect(info.attempts[0]).toMatchObject({ backend: 'cpu', ok: true });
  });
});
