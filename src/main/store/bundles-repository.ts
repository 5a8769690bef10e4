import { AppError } from '../../shared/result';
import type { BundleIdentity } from '../../shared/review';
import type { Db } from './database';
import { nowIso } from './sql';

interface IdentityRow {
  bundle_uuid: string;
  project_uuid: string;
  source_schema_version: number;
  app_version: string;
  run_ids_json: string;
  exported_at: string;
}

export interface StoredBundleIdentity extends BundleIdentity {
  /** Distinguishes bundles of the same project (merged revisions are remembered per bundle). */
  bundleUuid: string;
}

/** The last revision per (feature, annotator) a bundle held when it was exported. */
export interface BaselineEntry {
  runId: string;
  featureIndex: number;
  annotatorName: string;
  revision: number;
  revisionId: number;
}

/**
 * Tables a bundle copies from the home store, in foreign-key order, with the rows it takes
 * (`@projectId`, `@runs` = JSON array of run ids). Jobs, annotator tokens and bundle bookkeeping stay
 * home.
 */
const copied: readonly [table: string, where: string][] = [
  ['projects', 'id = @projectId'],
  ['models', 'project_id = @projectId'],
  ['checkpoints', 'model_id IN (SELECT id FROM main.models WHERE project_id = @projectId)'],
  ['runs', 'id IN (SELECT value FROM json_each(@runs))'],
  ['metrics', 'run_id IN (SELECT value FROM json_each(@runs))'],
  ['features', 'run_id IN (SELECT value FROM json_each(@runs))'],
  ['attributions', 'run_id IN (SELECT value FROM json_each(@runs))'],
  [
    'feature_scores',
    'attribution_id IN (SELECT id FROM main.attributions WHERE run_id IN (SELECT value FROM json_each(@runs)))',
  ],
  [
    'attribution_items',
    'attribution_id IN (SELECT id FROM main.attributions WHERE run_id IN (SELECT value FROM json_each(@runs)))',
  ],
  [
    'feature_item_effects',
    'attribution_id IN (SELECT id FROM main.attributions WHERE run_id IN (SELECT value FROM json_each(@runs)))',
  ],
  ['dashboards', 'run_id IN (SELECT value FROM json_each(@runs))'],
  ['annotators', '1'],
  [
    'annotation_revisions',
    'feature_id IN (SELECT id FROM main.features WHERE run_id IN (SELECT value FROM json_each(@runs)))',
  ],
  [
    'annotation_current',
    'feature_id IN (SELECT id FROM main.features WHERE run_id IN (SELECT value FROM json_each(@runs)))',
  ],
  [
    'assignments',
    'feature_id IN (SELECT id FROM main.features WHERE run_id IN (SELECT value FROM json_each(@runs)))',
  ],
  ['queues', 'run_id IN (SELECT value FROM json_each(@runs))'],
  [
    'queue_members',
    'queue_id IN (SELECT id FROM main.queues WHERE run_id IN (SELECT value FROM json_each(@runs)))',
  ],
  [
    'gold_records',
    'feature_id IN (SELECT id FROM main.features WHERE run_id IN (SELECT value FROM json_each(@runs)))',
  ],
  [
    'review_comments',
    'feature_id IN (SELECT id FROM main.features WHERE run_id IN (SELECT value FROM json_each(@runs)))',
  ],
  ['settings', '1'],
];

/**
 * Project identity and offline review bundles: the project's UUID, a bundle file's identity and
 * baseline, and at home the bundle revisions already merged (so a second merge adds nothing).
 */
export class BundlesRepository {
  constructor(private readonly db: Db) {}

  /** The bundle identity when this store is a bundle file, else null. */
  identity(): StoredBundleIdentity | null {
    const row = this.db.prepare<[], IdentityRow>('SELECT * FROM bundle_identity WHERE id = 1').get();
    return row
      ? {
          bundleUuid: row.bundle_uuid,
          projectUuid: row.project_uuid,
          schemaVersion: row.source_schema_version,
          appVersion: row.app_version,
          runIds: JSON.parse(row.run_ids_json) as string[],
          exportedAt: row.exported_at,
        }
      : null;
  }

  projectUuid(projectId: number): string {
    const row = this.db
      .prepare<[number], { uuid: string | null }>('SELECT uuid FROM projects WHERE id = ?')
      .get(projectId);
    if (!row?.uuid) throw new AppError('not_found', `No project with id ${projectId}.`, 'projectId');
    return row.uuid;
  }

  projectIdByUuid(uuid: string): number | null {
    return (
      this.db.prepare<[string], { id: number }>('SELECT id FROM projects WHERE uuid = ?').get(uuid)?.id ??
      null
    );
  }

  baseline(): BaselineEntry[] {
    return this.db
      .prepare<[], BaselineEntry>(
        `SELECT run_id AS runId, feature_index AS featureIndex, annotator_name AS annotatorName, revision,
           revision_id AS revisionId FROM bundle_baseline`,
      )
      .all();
  }

  /**
   * Copies the runs (and what belongs to them) into the store file at `path`, which must already have
   * this schema (opened once through the migrations), and writes its identity and baseline. One
   * transaction; the file is attached only for the copy.
   */
  copyInto(
    path: string,
    input: { projectId: number; runIds: readonly string[]; identity: StoredBundleIdentity },
  ): void {
    this.db.prepare('ATTACH DATABASE ? AS bundle').run(path);
    try {
      this.db.transaction(() => {
        const params = { projectId: input.projectId, runs: JSON.stringify(input.runIds) };
        for (const [table, where] of copied) {
          // Statements naming @projectId or @runs get exactly the parameters they use.
          const used = Object.fromEntries(
            Object.entries(params).filter(([name]) => where.includes(`@${name}`)),
          );
          const statement = this.db.prepare(
            `INSERT INTO bundle.${table} SELECT * FROM main.${table} WHERE ${where}`,
          );
          if (Object.keys(used).length === 0) statement.run();
          else statement.run(used);
        }
        const id = input.identity;
        this.db
          .prepare(
            `INSERT INTO bundle.bundle_identity
               (id, bundle_uuid, project_uuid, source_schema_version, app_version, run_ids_json, exported_at)
             VALUES (1, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            id.bundleUuid,
            id.projectUuid,
            id.schemaVersion,
            id.appVersion,
            JSON.stringify(id.runIds),
            id.exportedAt,
          );
        this.db
          .prepare(
            `INSERT INTO bundle.bundle_baseline (run_id, feature_index, annotator_name, revision, revision_id)
             SELECT f.run_id, f.feature_index, a.name, c.revision, r.id
             FROM main.annotation_current c
             JOIN main.features f ON f.id = c.feature_id
             JOIN main.annotators a ON a.id = c.annotator_id
             JOIN main.annotation_revisions r
               ON r.feature_id = c.feature_id AND r.annotator_id = c.annotator_id AND r.revision = c.revision
             WHERE f.run_id IN (SELECT value FROM json_each(?))`,
          )
          .run(JSON.stringify(input.runIds));
      })();
    } finally {
      this.db.prepare('DETACH DATABASE bundle').run();
    }
  }

  /** The home revision a bundle revision was merged as (or found identical to), or null. */
  mergedRevision(bundleUuid: string, bundleRevisionId: number): number | null {
    return (
      this.db
        .prepare<[string, number], { revision_id: number }>(
          'SELECT revision_id FROM bundle_merged_revisions WHERE bundle_uuid = ? AND bundle_revision_id = ?',
        )
        .get(bundleUuid, bundleRevisionId)?.revision_id ?? null
    );
  }

  recordMergedRevision(bundleUuid: string, bundleRevisionId: number, revisionId: number): void {
    this.db
      .prepare(
        'INSERT INTO bundle_merged_revisions (bundle_uuid, bundle_revision_id, revision_id) VALUES (?, ?, ?)',
      )
      .run(bundleUuid, bundleRevisionId, revisionId);
  }

  /**
   * A home edit of (feature, annotator) the bundle's work would land on: the latest revision that did
   * not come from this bundle, above both `revision` (what the bundle held at export) and the last
   * revision an earlier merge of this bundle brought home (an edit already reported then is not
   * reported again). Null when there is none.
   */
  homeEditAfter(featureId: number, annotatorId: number, revision: number, bundleUuid: string): number | null {
    const merged = `SELECT revision_id FROM bundle_merged_revisions WHERE bundle_uuid = @bundleUuid`;
    return (
      this.db
        .prepare<Record<string, unknown>, { id: number }>(
          `SELECT id FROM annotation_revisions
           WHERE feature_id = @featureId AND annotator_id = @annotatorId AND id NOT IN (${merged})
             AND revision > MAX(@revision, COALESCE((SELECT MAX(r.revision) FROM annotation_revisions r
               WHERE r.feature_id = @featureId AND r.annotator_id = @annotatorId AND r.id IN (${merged})), 0))
           ORDER BY revision DESC LIMIT 1`,
        )
        .get({ featureId, annotatorId, revision, bundleUuid })?.id ?? null
    );
  }

  recordMerge(bundleUuid: string, path: string, result: unknown): void {
    this.db
      .prepare('INSERT INTO bundle_merges (bundle_uuid, path, result_json, merged_at) VALUES (?, ?, ?, ?)')
      .run(bundleUuid, path, JSON.stringify(result), nowIso());
  }
}
