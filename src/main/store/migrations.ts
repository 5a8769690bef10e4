/**
 * Numbered schema migrations. Each runs once, in its own transaction, and bumps `PRAGMA user_version`.
 * Never edit a released migration: add the next number.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** A random (version 4) UUID in SQL, for rows made by migrations and triggers. */
const uuidSql = `(lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
  substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) ||
  substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))))`;

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
  {
    version: 4,
    name: 'annotation workbench: indexed attributions, dashboards, current annotations, queues, tokens',
    sql: `
      -- Category names follow src/shared/lifecycle.ts now ('emerging' and 'shared' are gone).
      UPDATE features SET category = CASE category
        WHEN 'emerging' THEN 'emerged' WHEN 'shared' THEN 'maintained' ELSE category END;
      -- Per checkpoint ‖W_dec[i,m]‖ and its share, from the attribution result that indexed the feature.
      ALTER TABLE features ADD COLUMN decoder_norms_json TEXT;
      ALTER TABLE features ADD COLUMN rel_dec_json TEXT;

      -- An attribution result (id: its job id) indexed for annotation; thresholds and top-k as used.
      CREATE TABLE attributions (
        id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        task TEXT NOT NULL,
        method TEXT NOT NULL,
        n INTEGER NOT NULL,
        top INTEGER NOT NULL,
        low REAL NOT NULL,
        high REAL NOT NULL,
        revisions_json TEXT NOT NULL,
        imported_at TEXT NOT NULL
      );
      CREATE INDEX attributions_by_run ON attributions(run_id, imported_at);
      -- Every feature of the run on one attribution; rel_ie_last (the last checkpoint's share) sorts.
      CREATE TABLE feature_scores (
        attribution_id TEXT NOT NULL REFERENCES attributions(id) ON DELETE CASCADE,
        feature_id INTEGER NOT NULL REFERENCES features(id) ON DELETE CASCADE,
        ie_json TEXT NOT NULL,
        rel_ie_last REAL,
        rel_ie_json TEXT,
        bucket TEXT,
        category TEXT NOT NULL,
        abs_ie REAL NOT NULL,
        is_selected INTEGER NOT NULL,
        PRIMARY KEY (attribution_id, feature_id)
      ) WITHOUT ROWID;
      CREATE INDEX feature_scores_by_abs_ie ON feature_scores(attribution_id, is_selected, abs_ie);
      CREATE INDEX feature_scores_by_rel_ie ON feature_scores(attribution_id, is_selected, rel_ie_last);
      CREATE INDEX feature_scores_by_category ON feature_scores(attribution_id, category);
      CREATE INDEX feature_scores_by_feature ON feature_scores(feature_id);
      -- The task items (minimal pairs) of an attribution, and per feature the items whose kept top
      -- list holds it: IE and rank per checkpoint (null where it is not in that checkpoint's list).
      CREATE TABLE attribution_items (
        attribution_id TEXT NOT NULL REFERENCES attributions(id) ON DELETE CASCADE,
        item INTEGER NOT NULL,
        good TEXT NOT NULL,
        bad TEXT NOT NULL,
        PRIMARY KEY (attribution_id, item)
      ) WITHOUT ROWID;
      CREATE TABLE feature_item_effects (
        attribution_id TEXT NOT NULL,
        feature_id INTEGER NOT NULL REFERENCES features(id) ON DELETE CASCADE,
        item INTEGER NOT NULL,
        ie_json TEXT NOT NULL,
        rank_json TEXT NOT NULL,
        PRIMARY KEY (feature_id, attribution_id, item),
        FOREIGN KEY (attribution_id, item) REFERENCES attribution_items(attribution_id, item) ON DELETE CASCADE
      ) WITHOUT ROWID;
      CREATE INDEX feature_item_effects_by_attribution ON feature_item_effects(attribution_id, item);

      -- Dashboard data of a feature (featureDashboardSchema as JSON); density and max for the queue.
      CREATE TABLE dashboards (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        feature_index INTEGER NOT NULL,
        density REAL NOT NULL,
        max_activation REAL NOT NULL,
        json TEXT NOT NULL,
        PRIMARY KEY (run_id, feature_index)
      );

      -- The latest revision per (feature, annotator), written in the transaction that appends the
      -- revision: the queue joins this instead of scanning the append-only history.
      CREATE TABLE annotation_current (
        feature_id INTEGER NOT NULL REFERENCES features(id) ON DELETE CASCADE,
        annotator_id INTEGER NOT NULL REFERENCES annotators(id) ON DELETE CASCADE,
        revision INTEGER NOT NULL,
        status TEXT NOT NULL,
        is_flagged INTEGER NOT NULL,
        description TEXT NOT NULL,
        time_spent_ms INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (feature_id, annotator_id)
      ) WITHOUT ROWID;
      CREATE INDEX annotation_current_by_annotator ON annotation_current(annotator_id, status);
      INSERT INTO annotation_current
        SELECT r.feature_id, r.annotator_id, r.revision,
          COALESCE(json_extract(r.fields_json, '$.status'), 'draft'),
          COALESCE(json_extract(r.fields_json, '$.isFlagged'), 0),
          COALESCE(json_extract(r.fields_json, '$.description'), ''),
          COALESCE(json_extract(r.fields_json, '$.timeSpentMs'), 0),
          r.created_at
        FROM annotation_revisions r
        WHERE r.revision = (SELECT MAX(revision) FROM annotation_revisions x
                            WHERE x.feature_id = r.feature_id AND x.annotator_id = r.annotator_id);

      CREATE TABLE assignments (
        feature_id INTEGER NOT NULL REFERENCES features(id) ON DELETE CASCADE,
        annotator_id INTEGER NOT NULL REFERENCES annotators(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        PRIMARY KEY (feature_id, annotator_id)
      ) WITHOUT ROWID;
      CREATE INDEX assignments_by_annotator ON assignments(annotator_id, feature_id);

      -- Named queues: features of one attribution chosen by brushing the scatter.
      CREATE TABLE queues (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        attribution_id TEXT NOT NULL REFERENCES attributions(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX queues_by_run ON queues(run_id, created_at);
      CREATE TABLE queue_members (
        queue_id INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
        feature_id INTEGER NOT NULL REFERENCES features(id) ON DELETE CASCADE,
        PRIMARY KEY (queue_id, feature_id)
      ) WITHOUT ROWID;

      -- One serve-mode token per annotator; only its SHA-256 is kept, so the database cannot leak it.
      CREATE TABLE annotator_tokens (
        annotator_id INTEGER PRIMARY KEY REFERENCES annotators(id) ON DELETE CASCADE,
        token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 5,
    name: 'review: project uuid, gold records, comments, offline review bundles',
    sql: `
      -- A project's identity across copies of its database (offline review bundles carry it home).
      ALTER TABLE projects ADD COLUMN uuid TEXT;
      UPDATE projects SET uuid = ${uuidSql} WHERE uuid IS NULL;
      CREATE UNIQUE INDEX projects_by_uuid ON projects(uuid);
      CREATE TRIGGER projects_uuid_on_insert AFTER INSERT ON projects WHEN NEW.uuid IS NULL
      BEGIN UPDATE projects SET uuid = ${uuidSql} WHERE id = NEW.id; END;

      -- Adjudicated gold records: append-only revisions per feature, like annotation_revisions.
      -- sources_json: [{annotatorId, revisionId}] of the annotation revisions picked or merged.
      CREATE TABLE gold_records (
        id INTEGER PRIMARY KEY,
        feature_id INTEGER NOT NULL REFERENCES features(id) ON DELETE RESTRICT,
        revision INTEGER NOT NULL,
        fields_json TEXT NOT NULL,
        rationale TEXT NOT NULL,
        sources_json TEXT NOT NULL,
        adjudicator_id INTEGER NOT NULL REFERENCES annotators(id) ON DELETE RESTRICT,
        created_at TEXT NOT NULL,
        UNIQUE (feature_id, revision)
      );
      CREATE TRIGGER gold_records_no_update BEFORE UPDATE ON gold_records
      BEGIN SELECT RAISE(ABORT, 'gold records are append-only'); END;

      -- Reviewer comments on a feature.
      CREATE TABLE review_comments (
        id INTEGER PRIMARY KEY,
        feature_id INTEGER NOT NULL REFERENCES features(id) ON DELETE RESTRICT,
        annotator_id INTEGER NOT NULL REFERENCES annotators(id) ON DELETE RESTRICT,
        text TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX review_comments_by_feature ON review_comments(feature_id, id);

      -- Only in a bundle file: where it came from (one row) and, per (feature, annotator), the last
      -- annotation revision it held when exported (what came after is the reviewer's work).
      CREATE TABLE bundle_identity (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        bundle_uuid TEXT NOT NULL,
        project_uuid TEXT NOT NULL,
        source_schema_version INTEGER NOT NULL,
        app_version TEXT NOT NULL,
        run_ids_json TEXT NOT NULL,
        exported_at TEXT NOT NULL
      );
      CREATE TABLE bundle_baseline (
        run_id TEXT NOT NULL,
        feature_index INTEGER NOT NULL,
        annotator_name TEXT NOT NULL,
        revision INTEGER NOT NULL,
        revision_id INTEGER NOT NULL,
        PRIMARY KEY (run_id, feature_index, annotator_name)
      ) WITHOUT ROWID;

      -- At home: every bundle revision merged (or found identical), so merging a bundle again adds nothing.
      CREATE TABLE bundle_merged_revisions (
        bundle_uuid TEXT NOT NULL,
        bundle_revision_id INTEGER NOT NULL,
        revision_id INTEGER NOT NULL REFERENCES annotation_revisions(id) ON DELETE RESTRICT,
        PRIMARY KEY (bundle_uuid, bundle_revision_id)
      ) WITHOUT ROWID;
      -- At home: one row per merge, with what it did (conflicts included).
      CREATE TABLE bundle_merges (
        id INTEGER PRIMARY KEY,
        bundle_uuid TEXT NOT NULL,
        path TEXT NOT NULL,
        result_json TEXT NOT NULL,
        merged_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 6,
    name: "queue: indexes that order an attribution's features by |IE|, RelIE and density",
    sql: `
      -- The queue pages all features by a sort value: these walk it in order (both directions) and
      -- carry the selected flag and category, so filters on them need no other table.
      CREATE INDEX feature_scores_by_sort_abs_ie
        ON feature_scores(attribution_id, abs_ie, is_selected, category);
      CREATE INDEX feature_scores_by_sort_rel_ie
        ON feature_scores(attribution_id, rel_ie_last, is_selected, category);
      -- Features with a dashboard in density order (the queue's density sort).
      CREATE INDEX dashboards_by_density ON dashboards(run_id, density, feature_index);
    `,
  },
  {
    version: 7,
    name: 'jobs: owner and heartbeat, so workbenches sharing a data folder leave live jobs alone',
    sql: `
      -- The random id of the job runner (one per workbench instance, not per process) that queued or
      -- runs the job, and when it last said so (Unix ms). Rows from before this migration have neither:
      -- a job left queued or running by them is treated as abandoned.
      ALTER TABLE jobs ADD COLUMN owner_id TEXT;
      ALTER TABLE jobs ADD COLUMN heartbeat_ms INTEGER;
      -- Every runner looks for abandoned jobs every few seconds: only live jobs are worth indexing.
      CREATE INDEX jobs_live ON jobs(state) WHERE state IN ('queued', 'running');
    `,
  },
];

export const latestSchemaVersion = migrations.reduce((max, m) => Math.max(max, m.version), 0);
