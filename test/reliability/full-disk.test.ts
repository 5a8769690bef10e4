import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkbench, type Workbench } from '../../src/main/workbench';
import type { AnnotationRevision } from '../../src/shared/domain';
import type { Result } from '../../src/shared/result';
import { fakeBackendInfo } from '../helpers/fake-backend';
import { createFakeExecutor } from '../helpers/fake-executor';
import { seedAnnotationTargets } from '../helpers/seed';
import { storeChecksum } from '../helpers/store-checksum';
import { createTmpDirs } from '../helpers/tmp-dir';

// A full disk during a save, simulated with SQLite's `max_page_count` (the database may not grow: the
// same SQLITE_FULL a full file system gives, without root or a tiny tmpfs). The save fails with a
// clear error, and the last good state stays intact and readable; once there is room again, saving
// continues where it stopped.

const tmp = createTmpDirs('ctt-rel-full-');
let workbench: Workbench;
let dataDir: string;
let target: ReturnType<typeof seedAnnotationTargets>;

const call = (channel: string, input: unknown): Promise<Result<unknown>> =>
  workbench.invoke(channel, input, { transport: 'cli' });
const pages = (): number => workbench.store.db.pragma('page_count', { simple: true }) as number;
/** Lets the database grow by `extra` pages at most (0: not at all). */
const limitGrowth = (extra: number): void =>
  void workbench.store.db.pragma(`max_page_count = ${pages() + extra}`);
const unlimited = (): void => void workbench.store.db.pragma('max_page_count = 1073741823');

beforeAll(() => {
  dataDir = tmp.make();
  workbench = createWorkbench({
    dataDir,
    mode: 'serve',
    execute: createFakeExecutor().execute,
    probe: async (preference) => fakeBackendInfo({ preference }),
    progressIntervalMs: 0,
  });
  target = seedAnnotationTargets(workbench.store);
});
afterAll(async () => {
  unlimited();
  await workbench?.close();
  tmp.cleanup();
});

const save = (revision: number, size: number) =>
  call('annotations:save', {
    featureId: target.featureId,
    annotatorId: target.annotatorId,
    baseRevision: revision - 1,
    fields: {
      description: `revision ${revision} ${'x'.repeat(Math.min(size, 1900))}`,
      notes: 'n'.repeat(size),
      status: 'draft',
    },
  });

describe('a full disk during a save', () => {
  it('annotations:save fails with a clear error and leaves the last good revision intact', async () => {
    for (let r = 1; r <= 5; r++) expect((await save(r, 100)).ok).toBe(true);
    const before = storeChecksum(workbench.store.db);
    limitGrowth(0);
    // Big enough that the free pages inside the file cannot hold it.
    let revision = 6;
    let failure: Result<unknown> | null = null;
    for (; revision < 50; revision++) {
      const result = await save(revision, 9000);
      if (!result.ok) {
        failure = result;
        break;
      }
    }
    expect(failure, 'a save to fail once the database cannot grow').not.toBeNull();
    expect(failure).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    if (!failure!.ok) {
      expect(failure!.error.message).toMatch(/annotations:save: not saved: the disk .* is full/);
      expect(failure!.error.message).toMatch(/saved before is intact/);
    }
    const lastGood = revision - 1;
    if (lastGood === 5) expect(storeChecksum(workbench.store.db)).toBe(before);

    // The last good state is readable: history contiguous, latest and the projection agree.
    const latest = (await call('annotations:latest', {
      featureId: target.featureId,
      annotatorId: target.annotatorId,
    })) as Result<AnnotationRevision>;
    expect(latest.ok && latest.value.revision).toBe(lastGood);
    const history = (await call('annotations:history', {
      featureId: target.featureId,
      annotatorId: target.annotatorId,
    })) as Result<AnnotationRevision[]>;
    expect(history.ok && history.value.map((r) => r.revision)).toEqual(
      Array.from({ length: lastGood }, (_, i) => i + 1),
    );
    const current = workbench.store.db
      .prepare('SELECT revision FROM annotation_current WHERE feature_id = ? AND annotator_id = ?')
      .get(target.featureId, target.annotatorId) as { revision: number };
    expect(current.revision).toBe(lastGood);
    expect(workbench.store.db.pragma('integrity_check', { simple: true })).toBe('ok');

    // Still full: the same save fails again, without changing anything.
    const stuck = storeChecksum(workbench.store.db);
    expect((await save(revision, 9000)).ok).toBe(false);
    expect(storeChecksum(workbench.store.db)).toBe(stuck);

    // Room again: the save goes through as the next revision.
    unlimited();
    const resumed = (await save(revision, 9000)) as Result<AnnotationRevision>;
    expect(resumed.ok && resumed.value.revision).toBe(revision);
    console.log(
      `[reliability] full disk: annotations:save refused at revision ${revision} with "${failure!.ok ? '' : failure!.error.message}"; ` +
        `revisions 1–${lastGood} intact and readable; saved as revision ${revision} once there was room`,
    );
  });

  it('a multi-row import (the demo study) is all or nothing: no run, no rows, no folder left behind', async () => {
    // The default project is made on first use (outside any import); make it now.
    expect((await call('models:list', {})).ok).toBe(true);
    const before = storeChecksum(workbench.store.db);
    const runsBefore = existsSync(join(dataDir, 'runs')) ? readdirSync(join(dataDir, 'runs')) : [];
    limitGrowth(2);
    const result = await call('features:importStudy', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    if (!result.ok)
      expect(result.error.message).toMatch(/features:importStudy: not saved: the disk .* is full/);
    expect(storeChecksum(workbench.store.db)).toBe(before);
    expect(readdirSync(join(dataDir, 'runs'))).toEqual(runsBefore);
    unlimited();
    const again = await call('features:importStudy', {});
    expect(again).toMatchObject({ ok: true, value: { features: 256, dashboards: 60 } });
    console.log(
      `[reliability] full disk: features:importStudy refused whole (store checksum and run folders unchanged), imported once there was room`,
    );
  });

  it('a database that turns read-only mid-run refuses the save clearly and keeps what it had', async () => {
    const latestBefore = (await call('annotations:latest', {
      featureId: target.featureId,
      annotatorId: target.annotatorId,
    })) as Result<AnnotationRevision>;
    const revision = latestBefore.ok ? latestBefore.value!.revision + 1 : 0;
    const before = storeChecksum(workbench.store.db);
    workbench.store.db.pragma('query_only = ON');
    try {
      const refused = await save(revision, 10);
      expect(refused).toMatchObject({ ok: false, error: { code: 'unavailable' } });
      if (!refused.ok)
        expect(refused.error.message).toMatch(/not saved: the workbench database is read-only/);
      expect(storeChecksum(workbench.store.db)).toBe(before);
      const readable = await call('features:get', { featureId: target.featureId });
      expect(readable.ok).toBe(true);
    } finally {
      workbench.store.db.pragma('query_only = OFF');
    }
    const saved = (await save(revision, 10)) as Result<AnnotationRevision>;
    expect(saved.ok && saved.value.revision).toBe(revision);
  });
});
