import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JobRunner } from '../../../../src/main/jobs/job-runner';
import { openDatabase, schemaVersion } from '../../../../src/main/store/database';
import { isAbandonedJob } from '../../../../src/main/store/jobs-repository';
import { latestSchemaVersion, migrations } from '../../../../src/main/store/migrations';
import { createStore } from '../../../../src/main/store/store';
import { createFakeExecutor } from '../../../helpers/fake-executor';
import { createTmpDirs } from '../../../helpers/tmp-dir';

// Migration 7 (job owners): jobs get an owner and a heartbeat; a job left live by a workbench of schema
// version 6 has neither, and the first runner to start marks it failed.

const tmp = createTmpDirs('ctt-migration-7-');
afterEach(() => tmp.cleanup());

describe('migration 7', () => {
  it('adds owner and heartbeat to jobs; live jobs from before it are abandoned, others kept', async () => {
    const path = join(tmp.make(), 'workbench.sqlite');
    const old = openDatabase(path, migrations.slice(0, 6));
    const insert = old.prepare(
      `INSERT INTO jobs (id, kind, label, state, step, total, message, error, params_json, created_at)
       VALUES (?, 'selfTest', ?, ?, 3, 9, 'step 3', ?, '{}', '2024-01-01T00:00:00.000Z')`,
    );
    insert.run('running', 'a running job', 'running', null);
    insert.run('queued', 'a queued job', 'queued', null);
    insert.run('failed', 'a failed job', 'failed', 'matmul exploded');
    old.close();

    const store = createStore(path);
    try {
      expect(schemaVersion(store.db)).toBe(latestSchemaVersion);
      const columns = store.db
        .prepare<[], { name: string }>('PRAGMA table_info(jobs)')
        .all()
        .map((c) => c.name);
      expect(columns).toEqual(expect.arrayContaining(['owner_id', 'heartbeat_ms']));
      expect(store.jobs.get('running')).toMatchObject({ state: 'running', step: 3, label: 'a running job' });

      const runner = new JobRunner({
        jobs: store.jobs,
        execute: createFakeExecutor().execute,
        emit: () => {},
        maxConcurrent: () => 1,
      });
      await runner.shutdown();
      for (const id of ['running', 'queued']) {
        const job = store.jobs.get(id);
        expect(job).toMatchObject({ state: 'failed', step: 3 });
        expect(isAbandonedJob(job)).toBe(true);
        expect(job.error).toMatch(/workbench that ran this job stopped .*it left no heartbeat/);
      }
      expect(store.jobs.get('failed')).toMatchObject({ state: 'failed', error: 'matmul exploded' });
      expect(isAbandonedJob(store.jobs.get('failed'))).toBe(false);
    } finally {
      store.close();
    }
  });
});
