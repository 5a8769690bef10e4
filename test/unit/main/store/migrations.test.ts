import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate, openDatabase, schemaVersion, type Db } from '../../../../src/main/store/database';
import { latestSchemaVersion, migrations, type Migration } from '../../../../src/main/store/migrations';
import { createStore } from '../../../../src/main/store/store';
import { createTmpDirs } from '../../../helpers/tmp-dir';

const tmp = createTmpDirs('ctt-migrations-');
const open: Db[] = [];
const track = (db: Db): Db => (open.push(db), db);
afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
  tmp.cleanup();
});

const tableNames = (db: Db): string[] =>
  db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((r) => r.name);

const v1: Migration = migrations[0]!;

describe('migrations', () => {
  it('are numbered 1..n and latestSchemaVersion is the highest', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(latestSchemaVersion).toBe(migrations.length);
    expect(latestSchemaVersion).toBeGreaterThanOrEqual(1);
  });

  it('a fresh file database gets the latest schema, WAL and foreign keys', () => {
    const path = join(tmp.make(), 'nested', 'dir', 'workbench.sqlite');
    const db = track(openDatabase(path));
    expect(schemaVersion(db)).toBe(latestSchemaVersion);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(tableNames(db)).toEqual(
      expect.arrayContaining([
        'annotation_revisions',
        'annotators',
        'checkpoints',
        'features',
        'jobs',
        'metrics',
        'models',
        'projects',
        'runs',
        'settings',
      ]),
    );
  });

  it('createStore reports the schema version', () => {
    const store = createStore(':memory:');
    try {
      expect(store.schemaVersion).toBe(latestSchemaVersion);
    } finally {
      store.close();
    }
  });

  it('reopening an up-to-date database applies nothing and keeps the data', () => {
    const path = join(tmp.make(), 'db.sqlite');
    const first = openDatabase(path);
    first.prepare("INSERT INTO projects (name, description, created_at) VALUES ('kept', '', 'now')").run();
    first.close();

    const second = track(openDatabase(path));
    expect(migrate(second, migrations)).toEqual([]);
    expect(schemaVersion(second)).toBe(latestSchemaVersion);
    expect(second.prepare('SELECT name FROM projects').all()).toEqual([{ name: 'kept' }]);
  });

  it('applies only the migrations above the current version, in order, even when listed unsorted', () => {
    const db = track(new Database(':memory:'));
    expect(migrate(db, [v1])).toEqual([1]);
    const extra: Migration[] = [
      { version: 3, name: 'c', sql: 'ALTER TABLE added_in_2 ADD COLUMN y INTEGER;' },
      { version: 2, name: 'b', sql: 'CREATE TABLE added_in_2 (x INTEGER);' },
    ];
    expect(migrate(db, [...extra, v1])).toEqual([2, 3]);
    expect(schemaVersion(db)).toBe(3);
    expect(db.prepare('SELECT x, y FROM added_in_2').all()).toEqual([]);
  });

  it('a failing migration rolls back completely and leaves the previous version', () => {
    const path = join(tmp.make(), 'db.sqlite');
    track(openDatabase(path, [v1])).close();

    const broken: Migration = {
      version: 2,
      name: 'broken',
      sql: `CREATE TABLE partial_one (x INTEGER);
            INSERT INTO projects (name, description, created_at) VALUES ('from-broken', '', 'now');
            CREATE TABLE partial_two (;`,
    };
    const db = track(new Database(path));
    expect(() => migrate(db, [v1, broken])).toThrow();
    expect(schemaVersion(db)).toBe(1);
    expect(tableNames(db)).not.toContain('partial_one');
    expect(tableNames(db)).not.toContain('partial_two');
    expect(db.prepare('SELECT COUNT(*) AS n FROM projects').get()).toEqual({ n: 0 });
    db.close();

    // The same through openDatabase, and on reopen the file is still a consistent version-1 database.
    expect(() => openDatabase(path, [v1, broken])).toThrow();
    const reopened = track(openDatabase(path, [v1]));
    expect(schemaVersion(reopened)).toBe(1);
    expect(tableNames(reopened)).not.toContain('partial_one');
    expect(reopened.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('refuses a database newer than the app, naming both versions, and changes nothing', () => {
    const path = join(tmp.make(), 'db.sqlite');
    const db = openDatabase(path);
    db.pragma(`user_version = ${latestSchemaVersion + 5}`);
    db.close();

    expect(() => openDatabase(path)).toThrow(
      new RegExp(`schema version ${latestSchemaVersion + 5}.*newer.*\\(${latestSchemaVersion}\\)`),
    );
    const raw = track(new Database(path));
    expect(schemaVersion(raw)).toBe(latestSchemaVersion + 5);
  });

  it.each([
    ['a gap', [1, 3]],
    ['a duplicate', [1, 1]],
    ['a list not starting at 1', [2, 3]],
  ])('refuses misnumbered migrations (%s) before touching the database', (_label, versions) => {
    const db = track(new Database(':memory:'));
    const list = versions.map((version) => ({
      version,
      name: `m${version}`,
      sql: `CREATE TABLE t${version}_${Math.random().toString(36).slice(2)} (x);`,
    }));
    expect(() => migrate(db, list)).toThrow(/numbered 1, 2, 3/);
    expect(schemaVersion(db)).toBe(0);
    expect(tableNames(db)).toEqual([]);
  });

  it('migration 2 keeps version-1 models as folder sources without a cache or tokens per step', () => {
    const path = join(tmp.make(), 'db.sqlite');
    const old = openDatabase(path, [v1]);
    old.prepare("INSERT INTO projects (name, description, created_at) VALUES ('p', '', 'now')").run();
    old
      .prepare(
        "INSERT INTO models (project_id, name, family, source, created_at) VALUES (1, 'm', 'gpt_neox', '/m', 'now')",
      )
      .run();
    old.close();
    const store = createStore(path);
    try {
      expect(store.schemaVersion).toBe(latestSchemaVersion);
      expect(store.models.list(1)).toEqual([
        expect.objectContaining({
          name: 'm',
          source: '/m',
          sourceKind: 'folder',
          cacheDir: null,
          tokensPerStep: null,
        }),
      ]);
      expect(() => store.db.prepare("UPDATE models SET source_kind = 'url' WHERE id = 1").run()).toThrow(
        /CHECK constraint/,
      );
    } finally {
      store.close();
    }
  });

  it('an empty migration list on an empty database is a no-op', () => {
    const db = track(new Database(':memory:'));
    expect(migrate(db, [])).toEqual([]);
    expect(schemaVersion(db)).toBe(0);
  });
});
