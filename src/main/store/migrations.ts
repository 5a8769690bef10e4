/**
 * Numbered schema migrations. Each runs once, in its own transaction, and bumps `PRAGMA user_version`.
 * Never edit a released migration: add the next number.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE projects (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        description TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
      );
      CREATE TABLE models (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        family TEXT NOT NULL,
        source TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (project_id, name)
      );
      CREATE TABLE checkpoints (
        id INTEGER PRIMARY KEY,
        model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        revision TEXT NOT NULL,
        step INTEGER,
        tokens_seen REAL,
        path TEXT,
        UNIQUE (model_id, revision)
      );
      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        config_json TEXT NOT NULL,
        dir TEXT,
        created_at TEXT NOT NULL
      );
      CREATE TABLE features (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        feature_index INTEGER NOT NULL,
        category TEXT,
        rel_ie REAL,
        rel_dec REAL,
        ie_json TEXT,
        UNIQUE (run_id, feature_index)
      );
      CREATE TABLE annotators (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
      );
      -- Append-only: an edit adds a row with the next revision number; rows are never updated.
      CREATE TABLE annotation_revisions (
        id INTEGER PRIMARY KEY,
        feature_id INTEGER NOT NULL REFERENCES features(id) ON DELETE RESTRICT,
        annotator_id INTEGER NOT NULL REFERENCES annotators(id) ON DELETE RESTRICT,
        revision INTEGER NOT NULL,
        fields_json TEXT NOT NULL,
        changed_json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (feature_id, annotator_id, revision)
      );
      CREATE TRIGGER annotation_revisions_no_update BEFORE UPDATE ON annotation_revisions
      BEGIN SELECT RAISE(ABORT, 'annotation revisions are append-only'); END;
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        label TEXT NOT NULL,
        state TEXT NOT NULL,
        step INTEGER NOT NULL DEFAULT 0,
        total INTEGER NOT NULL DEFAULT 0,
        eta_ms REAL,
        metrics_json TEXT NOT NULL DEFAULT '{}',
        message TEXT NOT NULL DEFAULT '',
        error TEXT,
        result_json TEXT,
        params_json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT
      );
      CREATE INDEX jobs_by_created ON jobs(created_at);
      CREATE TABLE metrics (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        step INTEGER NOT NULL,
        value REAL NOT NULL,
        PRIMARY KEY (run_id, name, step)
      ) WITHOUT ROWID;
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value_json TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'model sources: kind, cache folder, tokens per step',
    sql: `
      ALTER TABLE models ADD COLUMN source_kind TEXT NOT NULL DEFAULT 'folder'
        CHECK (source_kind IN ('folder', 'hfCache'));
      ALTER TABLE models ADD COLUMN cache_dir TEXT;
      ALTER TABLE models ADD COLUMN tokens_per_step REAL;
    `,
  },
  {
    version: 3,
    name: 'runs: training job, error, result',
    sql: `
      ALTER TABLE runs ADD COLUMN job_id TEXT;
      ALTER TABLE runs ADD COLUMN error TEXT;
      ALTER TABLE runs ADD COLUMN result_json TEXT;
    `,
  },
];

export const latestSchemaVersion = migrations.reduce((max, m) => Math.max(max, m.version), 0);
