import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion } from '../../../../src/main/store/database';
import { latestSchemaVersion, migrations } from '../../../../src/main/store/migrations';
import { createStore, type Store } from '../../../../src/main/store/store';
import { annotationRevisionSchema } from '../../../../src/shared/domain';
import { createTmpDirs } from '../../../helpers/tmp-dir';

// Migration 4 (annotation workbench) on a database written by schema version 3: data kept, category
// names renamed, the annotation_current projection filled from the history, old revisions readable.

const tmp = createTmpDirs('ctt-migration-4-');
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  tmp.cleanup();
});

/** Fields as issue 3's app saved them: no status, no isCustom, old category names, long text. */
const legacyFields = (description: string, patch: Record<string, unknown> = {}) =>
  JSON.stringify({
    description,
    isUninterpretable: false,
    interpretability: 0.5,
    complexity: null,
    languages: [{ code: 'eng', isTentative: false }],
    isAllLanguages: false,
    lifecycleOverride: null,
    lifecycleOverrideReason: '',
    isFlagged: false,
    notes: '',
    timeSpentMs: 1200,
    ...patch,
  });

function writeVersion3(path: string): void {
  const db = openDatabase(path, migrations.slice(0, 3));
  expect(schemaVersion(db)).toBe(3);
  const now = '2024-01-01T00:00:00.000Z';
  db.exec(`
    INSERT INTO projects (id, name, description, created_at) VALUES (1, 'Default', '', '${now}');
    INSERT INTO runs (id, project_id, name, kind, status, config_json, dir, created_at)
      VALUES ('r1', 1, 'old run', 'crosscoder', 'finished', '{}', NULL, '${now}');
    INSERT INTO features (id, run_id, feature_index, category, rel_ie, rel_dec, ie_json)
      VALUES (10, 'r1', 0, 'emerging', 0.9, 0.5, '[0,1]'), (11, 'r1', 1, 'shared', 0.5, 0.5, NULL),
             (12, 'r1', 2, 'other', NULL, NULL, NULL);
    INSERT INTO annotators (id, name, created_at) VALUES (1, 'ada', '${now}'), (2, 'bob', '${now}');
    INSERT INTO metrics (run_id, name, step, value) VALUES ('r1', 'loss', 1, 0.5);
  `);
  const insert = db.prepare(
    `INSERT INTO annotation_revisions (feature_id, annotator_id, revision, fields_json, changed_json, created_at)
     VALUES (?, ?, ?, ?, '[]', ?)`,
  );
  insert.run(10, 1, 1, legacyFields('first'), now);
  insert.run(
    10,
    1,
    2,
    legacyFields('x'.repeat(3000), { isFlagged: true, lifecycleOverride: 'emerging' }),
    now,
  );
  insert.run(10, 2, 1, legacyFields('bob', { languages: [{ code: 'zzz', isTentative: true }] }), now);
  insert.run(11, 2, 1, legacyFields('shared one', { lifecycleOverride: 'shared' }), now);
  db.close();
}

describe('migration 4', () => {
  it('keeps the data of a version-3 database and fills the projection from the latest revisions', () => {
    const path = join(tmp.make(), 'workbench.sqlite');
    writeVersion3(path);
    const store = createStore(path);
    stores.push(store);
    expect(store.schemaVersion).toBe(latestSchemaVersion);
    expect(store.runs.get('r1').name).toBe('old run');
    expect(store.metrics.series('r1', 'loss')).toHaveLength(1);
    expect(store.features.list('r1').map((f) => [f.id, f.category])).toEqual([
      [10, 'emerged'],
      [11, 'maintained'],
      [12, 'other'],
    ]);
    expect(store.annotations.history(10)).toHaveLength(3);

    const current = store.db
      .prepare('SELECT * FROM annotation_current ORDER BY feature_id, annotator_id')
      .all() as Record<string, unknown>[];
    expect(current.map((c) => [c.feature_id, c.annotator_id, c.revision, c.status, c.is_flagged])).toEqual([
      [10, 1, 2, 'draft', 1],
      [10, 2, 1, 'draft', 0],
      [11, 2, 1, 'draft', 0],
    ]);
    expect(current[0]!.time_spent_ms).toBe(1200);
  });

  it('reads revisions saved under the old rules, and the next save continues the history', () => {
    const path = join(tmp.make(), 'workbench.sqlite');
    writeVersion3(path);
    const store = createStore(path);
    stores.push(store);
    const adas = store.annotations.latest(10, 1)!;
    expect(adas.fields).toMatchObject({ lifecycleOverride: 'emerged', status: 'draft', isFlagged: true });
    expect(adas.fields.description).toHaveLength(3000);
    const bobs = store.annotations.latest(10, 2)!;
    expect(bobs.fields.languages).toEqual([{ code: 'zzz', isTentative: true, isCustom: true }]);
    expect(annotationRevisionSchema.safeParse(bobs).success).toBe(true);
    expect(store.annotations.latest(11, 2)!.fields.lifecycleOverride).toBe('maintained');

    const next = store.annotations.save({
      featureId: 10,
      annotatorId: 2,
      fields: { ...bobs.fields, status: 'done' },
      baseRevision: 1,
    });
    expect(next.revision).toBe(2);
    expect(next.changed).toEqual(['status']);
    const row = store.db
      .prepare('SELECT revision, status FROM annotation_current WHERE feature_id = 10 AND annotator_id = 2')
      .get();
    expect(row).toEqual({ revision: 2, status: 'done' });
  });
});
