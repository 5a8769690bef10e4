import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion } from '../../../../src/main/store/database';
import { latestSchemaVersion, migrations } from '../../../../src/main/store/migrations';
import { createStore } from '../../../../src/main/store/store';
import { annotationFieldsSchema } from '../../../../src/shared/domain';
import { createTmpDirs } from '../../../helpers/tmp-dir';

// Migration 5 (review): projects get a UUID (existing ones and new ones), gold records are append-only,
// and a fresh store is no bundle.

const tmp = createTmpDirs('ctt-migration-5-');
afterEach(() => tmp.cleanup());
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('migration 5', () => {
  it('gives existing and new projects distinct v4 UUIDs', () => {
    const path = join(tmp.make(), 'workbench.sqlite');
    const old = openDatabase(path, migrations.slice(0, 4));
    old.exec(`INSERT INTO projects (name, created_at) VALUES ('a', 'now'), ('b', 'now')`);
    old.close();
    const store = createStore(path);
    try {
      expect(schemaVersion(store.db)).toBe(latestSchemaVersion);
      const c = store.projects.create({ name: 'c', description: '' });
      const uuids = store.projects.list().map((p) => store.bundles.projectUuid(p.id));
      expect(uuids).toHaveLength(3);
      for (const uuid of uuids) expect(uuid).toMatch(uuidPattern);
      expect(new Set(uuids).size).toBe(3);
      expect(store.bundles.projectIdByUuid(uuids[2]!)).toBe(c.id);
      expect(store.bundles.identity()).toBeNull();
    } finally {
      store.close();
    }
  });

  it('forbids updating gold records', () => {
    const store = createStore(':memory:');
    try {
      store.db.exec(`
        INSERT INTO projects (name, created_at) VALUES ('p', 'now');
        INSERT INTO runs (id, project_id, name, kind, status, config_json, created_at) VALUES ('r', 1, 'r', 'crosscoder', 'finished', '{}', 'now');
        INSERT INTO features (run_id, feature_index) VALUES ('r', 0);
        INSERT INTO annotators (name, created_at) VALUES ('ada', 'now');
      `);
      const gold = store.gold.append({
        featureId: 1,
        adjudicatorId: 1,
        fields: annotationFieldsSchema.parse({ description: 'x' }),
        rationale: 'r',
        sources: [],
      });
      expect(gold.revision).toBe(1);
      expect(() => store.db.exec("UPDATE gold_records SET rationale = 'y'")).toThrow(/append-only/);
    } finally {
      store.close();
    }
  });
});
