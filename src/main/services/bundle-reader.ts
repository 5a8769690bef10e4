import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { AnnotationFields } from '../../shared/domain';
import { AppError } from '../../shared/result';
import { readStoredFields } from '../store/annotations-repository';
import type { StoredBundleIdentity } from '../store/bundles-repository';
import { openDatabase, schemaVersion, type Db } from '../store/database';
import { GoldRecordsRepository, type StoredGoldSource } from '../store/gold-records-repository';
import { latestSchemaVersion } from '../store/migrations';

// Reading an offline review bundle for a merge: the checks that refuse a file, and its contents.

/** What a bundle file holds that merging needs, read into memory (bundle row ids). */
export interface BundleContents {
  path: string;
  identity: StoredBundleIdentity;
  features: Map<number, { runId: string; index: number }>;
  annotators: Map<number, string>;
  baseline: Map<string, { revision: number; revisionId: number }>;
  revisions: {
    id: number;
    featureId: number;
    annotatorId: number;
    revision: number;
    fields: AnnotationFields;
    createdAt: string;
  }[];
  comments: { featureId: number; annotatorId: number; text: string; createdAt: string }[];
  gold: {
    featureId: number;
    revision: number;
    fields: AnnotationFields;
    rationale: string;
    sources: StoredGoldSource[];
    adjudicatorId: number;
    createdAt: string;
  }[];
}

/** Key of an (annotator, feature) pair across stores: run id, feature index, annotator name. */
export const pairKey = (runId: string, index: number, name: string): string =>
  JSON.stringify([runId, index, name]);

/**
 * Opens and checks a bundle file (read-only; an older schema is read from a migrated temporary copy)
 * and reads what merging needs. Refused, naming the file and the reason: a file that is not SQLite or
 * has no bundle identity, a newer schema, another project (`home.hasProject` is false for its UUID).
 */
export function readBundle(
  path: string,
  home: { hasProject(uuid: string): boolean; projectUuids(): string[] },
): BundleContents {
  const refuse = (reason: string): AppError =>
    new AppError('invalid_input', `Cannot merge ${path}: ${reason}. Nothing was changed.`, 'input.path');
  if (!isAbsolute(path))
    throw new AppError('invalid_input', `${path} is not an absolute path.`, 'input.path');
  if (!existsSync(path) || !statSync(path).isFile())
    throw new AppError(
      'not_found',
      `Cannot merge ${path}: there is no such file. Nothing was changed.`,
      'input.path',
    );
  let db: Db;
  let version: number;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    version = schemaVersion(db);
  } catch {
    throw refuse('it is not a review bundle (not an SQLite database)');
  }
  let migratedDir: string | null = null;
  try {
    if (version > latestSchemaVersion)
      throw refuse(
        `it was written by a newer workbench (schema version ${version}; this one knows up to ${latestSchemaVersion}); update the app first`,
      );
    const hasIdentity =
      db
        .prepare<[], { n: number }>(
          "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'bundle_identity'",
        )
        .get()!.n > 0 &&
      db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM bundle_identity').get()!.n === 1;
    if (!hasIdentity)
      throw refuse('it is not a review bundle (it has no bundle identity; is it a workbench database?)');
    // A damaged file can still answer queries; merge nothing SQLite itself calls corrupt. (quick_check
    // does not compare indexes with their tables, so a damaged index would pass it.)
    const check = db.pragma('integrity_check', { simple: true });
    if (check !== 'ok')
      throw refuse(`it is damaged (SQLite integrity_check: ${String(check).slice(0, 200)})`);
    if (version < latestSchemaVersion) {
      // An older bundle: read a migrated copy, never the file itself.
      db.close();
      migratedDir = mkdtempSync(join(tmpdir(), 'ctt-bundle-'));
      const copy = join(migratedDir, 'bundle.sqlite');
      copyFileSync(path, copy);
      db = openDatabase(copy);
    }
    const contents = readContents(db, path);
    if (contents.identity.schemaVersion > latestSchemaVersion)
      throw refuse(`it comes from a newer workbench (schema version ${contents.identity.schemaVersion})`);
    if (!home.hasProject(contents.identity.projectUuid)) {
      const uuids = home.projectUuids().join(', ');
      throw refuse(
        `it is a bundle of another project (project ${contents.identity.projectUuid}; this workbench has ${uuids || 'no project'})`,
      );
    }
    return contents;
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw refuse(`it could not be read (${(error as Error).message})`);
  } finally {
    db.close();
    if (migratedDir !== null) rmSync(migratedDir, { recursive: true, force: true });
  }
}

function readContents(db: Db, path: string): BundleContents {
  const row = db
    .prepare<
      [],
      {
        bundle_uuid: string;
        project_uuid: string;
        source_schema_version: number;
        app_version: string;
        run_ids_json: string;
        exported_at: string;
      }
    >('SELECT * FROM bundle_identity WHERE id = 1')
    .get()!;
  const identity: StoredBundleIdentity = {
    bundleUuid: row.bundle_uuid,
    projectUuid: row.project_uuid,
    schemaVersion: row.source_schema_version,
    appVersion: row.app_version,
    runIds: JSON.parse(row.run_ids_json) as string[],
    exportedAt: row.exported_at,
  };
  const features = new Map(
    db
      .prepare<[], { id: number; run_id: string; feature_index: number }>(
        'SELECT id, run_id, feature_index FROM features',
      )
      .all()
      .map((f) => [f.id, { runId: f.run_id, index: f.feature_index }]),
  );
  const annotators = new Map(
    db
      .prepare<[], { id: number; name: string }>('SELECT id, name FROM annotators')
      .all()
      .map((a) => [a.id, a.name]),
  );
  const baseline = new Map(
    db
      .prepare<
        [],
        {
          run_id: string;
          feature_index: number;
          annotator_name: string;
          revision: number;
          revision_id: number;
        }
      >('SELECT * FROM bundle_baseline')
      .all()
      .map((b) => [
        pairKey(b.run_id, b.feature_index, b.annotator_name),
        { revision: b.revision, revisionId: b.revision_id },
      ]),
  );
  const revisions = db
    .prepare<
      [],
      {
        id: number;
        feature_id: number;
        annotator_id: number;
        revision: number;
        fields_json: string;
        created_at: string;
      }
    >(
      'SELECT id, feature_id, annotator_id, revision, fields_json, created_at FROM annotation_revisions ORDER BY feature_id, annotator_id, revision',
    )
    .all()
    .map((r) => ({
      id: r.id,
      featureId: r.feature_id,
      annotatorId: r.annotator_id,
      revision: r.revision,
      fields: readStoredFields(r.fields_json),
      createdAt: r.created_at,
    }));
  const comments = db
    .prepare<[], { feature_id: number; annotator_id: number; text: string; created_at: string }>(
      'SELECT feature_id, annotator_id, text, created_at FROM review_comments ORDER BY id',
    )
    .all()
    .map((c) => ({
      featureId: c.feature_id,
      annotatorId: c.annotator_id,
      text: c.text,
      createdAt: c.created_at,
    }));
  const gold = db
    .prepare<
      [],
      {
        feature_id: number;
        revision: number;
        fields_json: string;
        rationale: string;
        sources_json: string;
        adjudicator_id: number;
        created_at: string;
      }
    >('SELECT * FROM gold_records ORDER BY feature_id, revision')
    .all()
    .map((g) => ({
      featureId: g.feature_id,
      revision: g.revision,
      fields: readStoredFields(g.fields_json),
      rationale: g.rationale,
      sources: GoldRecordsRepository.sourcesOf(g.sources_json),
      adjudicatorId: g.adjudicator_id,
      createdAt: g.created_at,
    }));
  return { path, identity, features, annotators, baseline, revisions, comments, gold };
}
