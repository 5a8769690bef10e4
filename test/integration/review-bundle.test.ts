import Database from 'better-sqlite3';
import { copyFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { latestSchemaVersion } from '../../src/main/store/migrations';
import { createStore, type Store } from '../../src/main/store/store';
import type { FeatureDashboardData, FeatureQueuePage } from '../../src/shared/annotation';
import type {
  BundleExportResult,
  BundleIdentity,
  BundleMergePlan,
  GoldRecord,
} from '../../src/shared/review';
import {
  fieldsOf,
  openWorkbench,
  projectOf,
  reviewProject,
  reviewRunId,
  type ReviewProject,
} from '../helpers/review-fixtures';
import { createTmpDirs } from '../helpers/tmp-dir';

// Offline review bundles: export one SQLite file, open it as the workbench's database without models
// or activations, review there, and merge it back: new work appended, conflicting edits kept on both
// sides, a second merge adds nothing; bundles of another project, of a newer schema, or files that are
// not bundles are refused with nothing changed.

const tmp = createTmpDirs('ctt-review-bundle-');
const open: ReviewProject[] = [];
afterEach(async () => {
  for (const p of open.splice(0)) await p.workbench.close();
  tmp.cleanup();
});
const runId = reviewRunId;

async function home(): Promise<ReviewProject> {
  const p = await reviewProject(tmp.make());
  open.push(p);
  p.save(0, 'ada', { description: 'zero' });
  p.save(3, 'bob', { description: 'three' });
  return p;
}

async function exportBundle(p: ReviewProject): Promise<string> {
  const path = join(tmp.make(), 'review.cttbundle');
  const result = await p.value<BundleExportResult>('bundle:export', { path });
  expect(result).toMatchObject({ path, features: 8, dashboards: 5, revisions: 2 });
  return path;
}

/** Opens a bundle as the workbench database, runs `work`, closes it. */
async function inBundle(path: string, work: (b: ReviewProject) => Promise<void> | void): Promise<void> {
  const bundle = projectOf(openWorkbench(tmp.make(), path));
  try {
    await work(bundle);
  } finally {
    await bundle.workbench.close();
  }
}

/** Row counts of every table the merge may write. */
function counts(store: Store): Record<string, number> {
  const tables = [
    'annotation_revisions',
    'annotation_current',
    'annotators',
    'review_comments',
    'gold_records',
    'bundle_merged_revisions',
    'bundle_merges',
  ];
  return Object.fromEntries(
    tables.map((t) => [t, store.db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM ${t}`).get()!.n]),
  );
}

describe('offline review bundles', () => {
  it('opens as the workbench database: queue, feature and dashboard work without models', async () => {
    const p = await home();
    const path = await exportBundle(p);
    await inBundle(path, async (b) => {
      const identity = await b.value<BundleIdentity>('bundle:identity', {});
      expect(identity).toMatchObject({ runIds: [runId], schemaVersion: latestSchemaVersion });
      expect(identity.projectUuid).toBe(
        p.workbench.store.bundles.projectUuid(p.workbench.store.runs.get(runId).projectId),
      );
      const page = await b.value<FeatureQueuePage>('features:queue', {
        runId,
        annotatorId: b.annotator('ada'),
      });
      expect(page.items.map((i) => i.index).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 6]);
      const dashboard = await b.value<FeatureDashboardData>('features:dashboard', { featureId: b.idOf(2) });
      expect(dashboard.feature).toBe(2);
      expect(b.workbench.store.db.prepare('SELECT COUNT(*) AS n FROM annotator_tokens').get()).toEqual({
        n: 0,
      });
    });
    // One file: no journal or WAL left beside it.
    expect(readdirSync(join(path, '..'))).toEqual(['review.cttbundle']);
    expect(await p.value('bundle:identity', {})).toBeNull();
  });

  it('merges back: new work appended, a conflicting edit keeps both sides, a second merge adds nothing', async () => {
    const p = await home();
    const path = await exportBundle(p);
    let bundleGold: GoldRecord | undefined;
    await inBundle(path, async (b) => {
      b.save(0, 'ada', { description: 'zero, seen offline' }); // conflicts with the home edit below
      b.save(1, 'zoe', { description: 'one by zoe' }); // a new annotator
      b.save(1, 'zoe', { description: 'one by zoe, revised' });
      await b.value('comments:add', {
        featureId: b.idOf(1),
        annotatorId: b.annotator('zoe'),
        text: 'is this the plural?',
      });
      // Sources: ada's revision the bundle was exported with, and the one made offline.
      const [exported, offline] = b.workbench.store.annotations.history(b.idOf(0), b.annotator('ada'));
      bundleGold = await b.value<GoldRecord>('adjudication:save', {
        featureId: b.idOf(0),
        adjudicatorId: b.annotator('zoe'),
        fields: fieldsOf({ description: 'gold zero' }),
        rationale: 'offline review',
        sources: [exported!, offline!].map((r) => ({ annotatorId: r.annotatorId, revisionId: r.id })),
      });
    });
    const homeEdit = p.save(0, 'ada', { description: 'zero, edited at home' });
    p.save(3, 'bob', { description: 'three, edited at home' }); // the bundle did not touch it

    const before = counts(p.workbench.store);
    const preview = await p.value<BundleMergePlan>('bundle:preview', { path });
    expect(counts(p.workbench.store)).toEqual(before);
    expect(preview).toMatchObject({
      revisions: 3,
      newAnnotators: ['zoe'],
      comments: 1,
      goldRecords: 1,
      unmatchedFeatures: 0,
      isApplied: false,
    });
    expect(preview.conflicts).toEqual([
      expect.objectContaining({ featureIndex: 0, annotatorName: 'ada', homeRevisionId: homeEdit }),
    ]);

    const merged = await p.value<BundleMergePlan>('bundle:merge', { path });
    expect({ ...merged, conflicts: [] }).toEqual({ ...preview, conflicts: [], isApplied: true });
    const [conflict] = merged.conflicts;
    const history = p.workbench.store.annotations.history(p.idOf(0), p.annotator('ada'));
    expect(history.map((r) => r.fields.description)).toEqual([
      'zero',
      'zero, edited at home',
      'zero, seen offline',
    ]);
    expect(conflict).toMatchObject({ homeRevisionId: history[1]!.id, bundleRevisionId: history[2]!.id });
    const zoe = p.workbench.store.annotations.history(p.idOf(1), p.annotator('zoe'));
    expect(zoe.map((r) => r.fields.description)).toEqual(['one by zoe', 'one by zoe, revised']);
    expect(p.workbench.store.annotations.latest(p.idOf(3), p.annotator('bob'))!.fields.description).toBe(
      'three, edited at home',
    );
    const gold = p.workbench.store.gold.latest(p.idOf(0))!;
    expect(gold).toMatchObject({
      rationale: 'offline review',
      adjudicatorName: 'zoe',
      createdAt: bundleGold!.createdAt,
    });
    // Sources point at home revisions: the one exported with the bundle, and the merged offline one.
    expect(gold.sources).toEqual(
      [history[0]!, history[2]!].map((r) => ({
        annotatorId: p.annotator('ada'),
        name: 'ada',
        revisionId: r.id,
      })),
    );
    expect(p.workbench.store.comments.list(p.idOf(1)).map((c) => [c.name, c.text])).toEqual([
      ['zoe', 'is this the plural?'],
    ]);

    const afterMerge = counts(p.workbench.store);
    const again = await p.value<BundleMergePlan>('bundle:merge', { path });
    expect(again).toMatchObject({
      revisions: 0,
      comments: 0,
      goldRecords: 0,
      newAnnotators: [],
      conflicts: [],
    });
    expect({ ...counts(p.workbench.store), bundle_merges: 0 }).toEqual({ ...afterMerge, bundle_merges: 0 });

    // The reviewer goes on in the same bundle: only the new revision comes home, without a conflict.
    await inBundle(path, (b) => {
      b.save(0, 'ada', { description: 'zero, second pass' });
    });
    const third = await p.value<BundleMergePlan>('bundle:merge', { path });
    expect(third).toMatchObject({ revisions: 1, conflicts: [] });
    expect(p.workbench.store.annotations.latest(p.idOf(0), p.annotator('ada'))!.fields.description).toBe(
      'zero, second pass',
    );
  });

  it('refuses a bundle of another project, of a newer schema, and files that are not bundles', async () => {
    const p = await home();
    const other = await home();
    const foreign = await exportBundle(other);
    const newer = join(tmp.make(), 'newer.cttbundle');
    copyFileSync(await exportBundle(p), newer);
    const db = new Database(newer);
    db.pragma(`user_version = ${latestSchemaVersion + 1}`);
    db.close();
    const text = join(tmp.make(), 'notes.txt');
    writeFileSync(text, 'this is not a database, but it is long enough to have a header. '.repeat(4));
    const plainStore = join(tmp.make(), 'workbench.sqlite');
    createStore(plainStore).close();
    const before = counts(p.workbench.store);
    const cases: [string, RegExp, string][] = [
      [foreign, /is a bundle of another project/, 'invalid_input'],
      [newer, new RegExp(`newer workbench \\(schema version ${latestSchemaVersion + 1}`), 'invalid_input'],
      [text, /not a review bundle \(not an SQLite database\)/, 'invalid_input'],
      [plainStore, /not a review bundle \(it has no bundle identity/, 'invalid_input'],
      [join(tmp.make(), 'missing.cttbundle'), /there is no such file/, 'not_found'],
    ];
    for (const [path, message, code] of cases)
      for (const channel of ['bundle:preview', 'bundle:merge']) {
        const result = await p.call(channel, { path });
        expect(result.ok, `${channel} ${path}`).toBe(false);
        if (result.ok) continue;
        expect(result.error.code).toBe(code);
        expect(result.error.message).toContain(path);
        expect(result.error.message).toMatch(message);
      }
    // Writing a bundle or a table over the open database itself is refused.
    const own = p.workbench.store.db.name;
    for (const [channel, input] of [
      ['bundle:export', { path: own }],
      ['export:write', { runId, format: 'csv', path: own }],
    ] as const) {
      const result = await p.call(channel, input);
      expect(result.ok ? null : result.error.message).toMatch(/this workbench's own database/);
    }
    expect(counts(p.workbench.store)).toEqual(before);
    expect(existsSync(foreign)).toBe(true);
  });
});
