import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestSchemaVersion } from '../../src/main/store/migrations';
import { createWorkbench } from '../../src/main/workbench';
import type { AnnotationRevision } from '../../src/shared/domain';
import { fakeBackendInfo } from '../helpers/fake-backend';
import { createFakeExecutor } from '../helpers/fake-executor';
import { must, repoRoot, startServeChild, type ServeChild } from '../helpers/serve-child';
import { createTmpDirs } from '../helpers/tmp-dir';

// Two processes on one project file. What the product does: the store is SQLite in WAL mode with a 5 s
// busy timeout and every write in a short transaction, so two `ctt serve` (or serve and the CLI) on one
// data folder both work; there is no "in use" lock file. These tests hold it to that: a new database
// opened by several processes at once is migrated once; annotations written by both are all kept and
// optimistic concurrency (baseRevision) works across processes; a write lock held too long by another
// process gives a clear "in use by another process" error, not a crash.

const tmp = createTmpDirs('ctt-rel-two-');
const children: ServeChild[] = [];
afterAll(async () => {
  for (const c of children) await c.kill9();
  tmp.cleanup();
});

function openAt(path: string, at: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/helpers/open-store-at.ts', path, String(at)],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', () => resolve(out.trim()));
    child.on('error', reject);
  });
}

describe('several processes open a new project file at the same moment', () => {
  it('each one opens it; the migrations run once', async () => {
    // Two new files, three processes each, all released at one instant (far enough ahead that every
    // process has loaded tsx and the store code by then).
    const paths = [join(tmp.make(), 'workbench.sqlite'), join(tmp.make(), 'workbench.sqlite')];
    const at = Date.now() + 2500;
    const outcomes = await Promise.all(
      paths.flatMap((path) => [openAt(path, at), openAt(path, at), openAt(path, at)]),
    );
    for (const path of paths) {
      const db = new Database(path, { readonly: true });
      expect(db.pragma('user_version', { simple: true })).toBe(latestSchemaVersion);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
    }
    expect(outcomes).toEqual(outcomes.map(() => `ok ${latestSchemaVersion} 0`));
  });
});

describe('two ctt serve on one data folder', () => {
  let a: ServeChild;
  let b: ServeChild;
  let features: number[];
  let ada: number;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = tmp.make();
    a = await startServeChild(dataDir, ['--demo']);
    children.push(a);
    b = await startServeChild(dataDir);
    children.push(b);
    const db = new Database(join(dataDir, 'workbench.sqlite'), { readonly: true });
    features = (db.prepare('SELECT id FROM features ORDER BY id LIMIT 3').all() as { id: number }[]).map(
      (r) => r.id,
    );
    db.close();
    ada = (await must(a.invoke<{ id: number }>('annotators:create', { name: 'ada' }), 'annotators:create'))
      .id;
  });

  it('what one process writes the other reads at once', async () => {
    const seen = await must(
      b.invoke<{ id: number; name: string }[]>('annotators:list', {}),
      'annotators:list',
    );
    expect(seen.map((x) => x.name)).toContain('ada');
    const saved = await must(
      b.invoke<AnnotationRevision>('annotations:save', {
        featureId: features[0],
        annotatorId: ada,
        baseRevision: 0,
        fields: { description: 'from B' },
      }),
      'save in B',
    );
    const latest = await must(
      a.invoke<AnnotationRevision>('annotations:latest', { featureId: features[0], annotatorId: ada }),
      'latest in A',
    );
    expect(latest).toMatchObject({ revision: saved.revision, fields: { description: 'from B' } });
  });

  it('a stale save from the other process is a conflict, not an overwrite', async () => {
    const featureId = features[1]!;
    const first = await must(
      a.invoke<AnnotationRevision>('annotations:save', {
        featureId,
        annotatorId: ada,
        baseRevision: 0,
        fields: { description: 'A, revision 1' },
      }),
      'save in A',
    );
    expect(first.revision).toBe(1);
    const stale = await b.invoke('annotations:save', {
      featureId,
      annotatorId: ada,
      baseRevision: 0,
      fields: { description: 'B, edited from nothing' },
    });
    expect(stale).toMatchObject({ status: 409, ok: false, error: { code: 'conflict' } });
    const history = await must(
      a.invoke<AnnotationRevision[]>('annotations:history', { featureId, annotatorId: ada }),
      'history',
    );
    expect(history.map((r) => r.fields.description)).toEqual(['A, revision 1']);
  });

  it('bursts of saves from both processes at once are all kept, contiguous', async () => {
    const featureId = features[2]!;
    const bob = (await must(b.invoke<{ id: number }>('annotators:create', { name: 'bob' }), 'bob')).id;
    const burst = async (server: ServeChild, annotatorId: number, n: number): Promise<number[]> => {
      const acked: number[] = [];
      for (let r = 1; r <= n; r++) {
        const saved = await must(
          server.invoke<AnnotationRevision>('annotations:save', {
            featureId,
            annotatorId,
            baseRevision: r - 1,
            fields: { description: `${annotatorId}:${r}` },
          }),
          'burst save',
        );
        acked.push(saved.revision);
      }
      return acked;
    };
    // Four streams: each process writes for both annotators (different features would not contend).
    const [x, y] = await Promise.all([burst(a, ada, 60), burst(b, bob, 60)]);
    expect(x).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(y).toEqual(x);
    for (const [server, annotatorId] of [
      [b, ada],
      [a, bob],
    ] as const) {
      const history = await must(
        server.invoke<AnnotationRevision[]>('annotations:history', { featureId, annotatorId }),
        'history',
      );
      expect(history.map((r) => r.fields.description)).toEqual(x.map((r) => `${annotatorId}:${r}`));
    }
  });

  it('a write lock held by a third process past the busy timeout gives a clear "in use" error; nothing is lost', async () => {
    const holder = new Database(join(dataDir, 'workbench.sqlite'));
    holder.exec('BEGIN IMMEDIATE');
    let refused;
    try {
      refused = await a.invoke('annotations:save', {
        featureId: features[0],
        annotatorId: ada,
        fields: { description: 'while locked' },
      });
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(refused).toMatchObject({ status: 503, ok: false, error: { code: 'unavailable' } });
    expect(refused.error?.message).toMatch(/in use by another process/);
    const after = await must(
      a.invoke<AnnotationRevision>('annotations:save', {
        featureId: features[0],
        annotatorId: ada,
        fields: { description: 'after the lock' },
      }),
      'save after the lock',
    );
    expect(after.fields.description).toBe('after the lock');
  }, 30_000);
});

describe('a job running in one process when a second one opens the folder', () => {
  // Each job runner has its own owner id (two workbenches in one process here: a pid is no identity)
  // and refreshes a heartbeat on its live jobs; a starting runner marks failed only jobs whose heartbeat
  // is past the stale limit, so the first workbench's job stays running (JobRunner, migration 7).
  it('stays running in the database', async () => {
    const dataDir = tmp.make();
    const options = {
      dataDir,
      mode: 'serve' as const,
      execute: createFakeExecutor().execute,
      probe: async () => fakeBackendInfo(),
      progressIntervalMs: 0,
      demoStudyDir: null,
    };
    const first = createWorkbench(options);
    const job = first.runner.start('selfTest', { sizes: [16], repeats: 1 }, 'running in the first process');
    await new Promise((r) => setTimeout(r, 50));
    expect(first.store.jobs.get(job.id).state).toBe('running');
    const second = createWorkbench(options);
    try {
      const seen = second.store.jobs.get(job.id);
      expect(seen.state).toBe('running');
      expect(seen.error).toBeNull();
    } finally {
      first.runner.cancel(job.id);
      await second.close();
      await first.close();
    }
  });
});
