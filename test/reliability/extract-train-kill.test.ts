import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readManifest, type ActivationManifest } from '../../src/core/activations/manifest';
import type { JobSnapshot } from '../../src/shared/domain';
import type { MetricSeries, RunDetail, RunSummary } from '../../src/shared/training';
import { demoFamily } from '../helpers/activation-fixtures';
import { must, repoRoot, startServeChild, type ServeChild } from '../helpers/serve-child';
import { createTmpDirs } from '../helpers/tmp-dir';

// kill -9 in the middle of the long jobs, then the same command again:
//  - `ctt extract` resumes after its last complete shard and ends with the same store, byte for byte,
//    as an uninterrupted run;
//  - a `ctt serve` killed while it trains leaves the run marked failed with a reason (once its job's
//    heartbeat is past the stale limit, CTT_JOB_STALE_MS); after a restart `training:resume` continues
//    from the last save and finishes.

const tmp = createTmpDirs('ctt-rel-extract-');
const children: ServeChild[] = [];
afterAll(async () => {
  for (const c of children) await c.kill9();
  tmp.cleanup();
});

const env = { ...process.env, CTT_BACKEND: 'wasm' };
const tokens = 4960; // 8 shards of 620 rows
const extractArgs = (out: string): string[] => [
  'bin/ctt.mjs',
  'extract',
  '--model',
  demoFamily,
  '--revisions',
  'step100,step400,step1600',
  '--layer',
  '1',
  '--tokens',
  String(tokens),
  '--out',
  out,
  '--context',
  '32',
  '--shard-tokens',
  '620',
];

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const withoutTimes = (m: ActivationManifest): Record<string, unknown> => {
  const rest: Record<string, unknown> = { ...m };
  delete rest.createdAt;
  delete rest.updatedAt;
  return rest;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The store every test below trains on (written by the interrupted-then-resumed extraction). */
let resumedStore = '';

describe('kill -9 during activation extraction', () => {
  it('the same command resumes after the last complete shard and ends with the uninterrupted store', async () => {
    const killedDir = join(tmp.make(), 'acts');
    const child = spawn(process.execPath, extractArgs(killedDir), {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('close', (_code, signal) => r(signal)));
    const deadline = Date.now() + 60_000;
    let shardsAtKill = 0;
    while (Date.now() < deadline) {
      const manifest = existsSync(join(killedDir, 'manifest.json'))
        ? await readManifest(killedDir).catch(() => null)
        : null;
      if (manifest !== null && manifest.shards.length >= 2) {
        child.kill('SIGKILL');
        shardsAtKill = manifest.shards.length;
        break;
      }
      await sleep(5);
    }
    expect(await exited, stderr).toBe('SIGKILL');
    const partial = (await readManifest(killedDir))!;
    expect(partial.complete).toBe(false);
    expect(partial.shards.length).toBeGreaterThanOrEqual(shardsAtKill);
    expect(partial.shards.length).toBeLessThan(8);
    const before = readdirSync(killedDir);

    const resumed = spawnSync(process.execPath, extractArgs(killedDir), {
      cwd: repoRoot,
      env,
      encoding: 'utf8',
    });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`${partial.totalRows} rows resumed`);

    const freshDir = join(tmp.make(), 'acts');
    const fresh = spawnSync(process.execPath, extractArgs(freshDir), {
      cwd: repoRoot,
      env,
      encoding: 'utf8',
    });
    expect(fresh.status, fresh.stderr).toBe(0);

    const a = (await readManifest(killedDir))!;
    const b = (await readManifest(freshDir))!;
    expect(a).toMatchObject({ complete: true, totalRows: tokens });
    expect(withoutTimes(a)).toEqual(withoutTimes(b));
    // No temporary or unlisted files survive the resume; every shard is byte-identical.
    const files = readdirSync(killedDir).sort();
    expect(files).toEqual(readdirSync(freshDir).sort());
    expect(files).toEqual(['manifest.json', ...a.shards.map((s) => s.file)].sort());
    for (const shard of a.shards)
      expect(sha256(join(killedDir, shard.file))).toBe(sha256(join(freshDir, shard.file)));
    console.log(
      `[reliability] extract: killed with ${partial.shards.length}/8 shards in the manifest (${before.length} files, ` +
        `${before.filter((f) => /\.tmp-/.test(f)).length} temporary); resumed from ${partial.totalRows} rows; ` +
        `8 shards and manifest identical to an uninterrupted run`,
    );
    resumedStore = killedDir;
  });
});

describe('kill -9 of ctt serve while it trains', () => {
  it('marks the run failed with a reason on restart; training:resume continues from the last save', async () => {
    expect(resumedStore).not.toBe('');
    const dataDir = tmp.make();
    // A killed workbench's jobs are failed once their heartbeat is older than the stale limit (30 s by
    // default): both servers take a short one so the restart sees the job abandoned within seconds.
    const serveEnv = { env: { CTT_JOB_STALE_MS: '2000' } };
    const first = await startServeChild(dataDir, [], serveEnv);
    children.push(first);
    const steps = 400;
    const { runId, jobId } = await must(
      first.invoke<{ runId: string; jobId: string }>('training:start', {
        name: 'killed',
        activationStore: resumedStore,
        nFeatures: 64,
        steps,
        batchSize: 256,
        saveEvery: 10,
      }),
      'training:start',
    );
    let stepsAtKill = 0;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const runs = await must(first.invoke<RunSummary[]>('runs:list', {}), 'runs:list');
      const run = runs.find((r) => r.id === runId)!;
      if (run.status === 'running' && run.stepsDone >= 25) {
        stepsAtKill = run.stepsDone;
        break;
      }
      expect(['created', 'running']).toContain(run.status);
      await sleep(50);
    }
    expect(stepsAtKill).toBeGreaterThanOrEqual(25);
    expect((await first.kill9()).signal).toBe('SIGKILL');
    // The run folder has a save from before the kill; the resume goes on from the newest one. (The
    // steps seen in runs:list lag the worker, which on the native engine runs many steps a poll.)
    const savedSteps = readdirSync(join(dataDir, 'runs', runId, 'saves'))
      .map((name) => /^step-(\d+)$/.exec(name)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number);
    expect(savedSteps.length).toBeGreaterThan(0);
    const lastSave = Math.max(...savedSteps);

    const second = await startServeChild(dataDir, [], serveEnv);
    children.push(second);
    // At its start if the heartbeat is already stale, else at one of its heartbeat ticks.
    let job = await must(second.invoke<JobSnapshot>('jobs:get', { jobId }), 'jobs:get');
    const failBy = Date.now() + 10_000;
    while (job.state !== 'failed' && Date.now() < failBy) {
      await sleep(100);
      job = await must(second.invoke<JobSnapshot>('jobs:get', { jobId }), 'jobs:get');
    }
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(
      /workbench that ran this job stopped while it was queued or running \(no heartbeat since/,
    );
    const failed = (await must(second.invoke<RunSummary[]>('runs:list', {}), 'runs:list')).find(
      (r) => r.id === runId,
    )!;
    expect(failed).toMatchObject({ status: 'failed', canResume: true });
    const detail = await must(second.invoke<RunDetail>('runs:get', { runId }), 'runs:get');
    // The run says what happened and where a resume goes on from (the step of the last save).
    expect(detail.error).toMatch(
      /^The workbench stopped while training this run; resume it to continue from its last save \(step \d+\)\.$/,
    );

    const resumed = await must(
      second.invoke<{ jobId: string }>('training:resume', { runId }),
      'training:resume',
    );
    expect(resumed.jobId).not.toBe(jobId);
    const finishBy = Date.now() + 90_000;
    let finished: RunDetail | null = null;
    while (Date.now() < finishBy) {
      const d = await must(second.invoke<RunDetail>('runs:get', { runId }), 'runs:get');
      if (d.status !== 'running' && d.status !== 'created') {
        finished = d;
        break;
      }
      await sleep(200);
    }
    expect(finished, 'the resumed run to finish').not.toBeNull();
    expect(finished!.error).toBeNull();
    expect(finished).toMatchObject({ status: 'finished', stepsDone: steps, jobId: resumed.jobId });
    const resumedFrom = finished!.result!.resumedFrom;
    expect(resumedFrom).toBeGreaterThanOrEqual(10);
    expect(resumedFrom % 10).toBe(0);
    // The newest save, or the one before it when the kill landed between writing a save and pointing
    // config.json at it (saves every 10 steps).
    expect(resumedFrom).toBeLessThanOrEqual(lastSave);
    expect(resumedFrom).toBeGreaterThanOrEqual(lastSave - 10);
    expect(resumedFrom).toBeLessThan(steps);
    const series = await must(
      second.invoke<MetricSeries[]>('runs:metrics', { runId, names: ['loss'] }),
      'runs:metrics',
    );
    expect(series[0]!.points.map((p) => p.step)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
    await second.stop();
    console.log(
      `[reliability] training: serve killed at step ${stepsAtKill}/${steps}; on restart job failed ` +
        `("${job.error}") and run failed ("${detail.error}"); training:resume went on from step ${resumedFrom} ` +
        `and finished with metrics for every step`,
    );
  });
});
