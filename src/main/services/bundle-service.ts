import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import { AppError } from '../../shared/result';
import type { BundleExportResult, BundleIdentity, BundleMergePlan } from '../../shared/review';
import type { StoredBundleIdentity } from '../store/bundles-repository';
import { openDatabase, schemaVersion } from '../store/database';
import type { Store } from '../store/store';
import { mergeBundle, publicIdentity } from './bundle-merge';
import { readBundle, type BundleContents } from './bundle-reader';
import { refuseDatabasePath } from './export-service';

export interface BundleServiceDeps {
  store: Store;
  appVersion: string;
  now?: () => Date;
}

/** Thrown inside the merge transaction of a preview so that nothing it did is kept. */
class PreviewRollback extends Error {
  constructor(readonly plan: BundleMergePlan) {
    super('preview');
  }
}

/**
 * Offline review bundles: one SQLite file with the store's schema holding a project's runs (features,
 * scores, dashboards, attribution index, annotators, annotations, gold records, comments) and the
 * bundle identity (project UUID, schema version, export time, the last revision per feature and
 * annotator at export). The workbench opens it as its database (`ctt serve --project FILE`). Merging it
 * back appends what the reviewer did after the export: annotation revisions (annotators matched by
 * name and created when missing, features by run id and index), comments and gold records (by content);
 * an annotator who also edited the feature at home after the export is a conflict: both revisions are
 * kept (the bundle's after the home one) and listed. Merging is one transaction; merging the same
 * bundle again adds nothing.
 */
export class BundleService {
  constructor(private readonly deps: BundleServiceDeps) {}

  identity(): BundleIdentity | null {
    const identity = this.deps.store.bundles.identity();
    return identity === null ? null : publicIdentity(identity);
  }

  exportBundle(input: { path: string; runIds?: string[] | undefined }): BundleExportResult {
    const { store } = this.deps;
    const path = input.path;
    if (!isAbsolute(path))
      throw new AppError('invalid_input', `${path} is not an absolute path.`, 'input.path');
    if (!existsSync(dirname(path)))
      throw new AppError(
        'invalid_input',
        `Cannot write ${path}: the folder ${dirname(path)} does not exist.`,
        'input.path',
      );
    refuseDatabasePath(store, path, 'input.path');
    if (store.bundles.identity() !== null)
      throw new AppError(
        'invalid_input',
        'The open project is itself a review bundle; export bundles from the home workbench.',
        'input.path',
      );
    const runIds = [...new Set(input.runIds ?? this.runsWithFeatures())];
    const projectId = this.projectOfRuns(runIds);
    const identity: StoredBundleIdentity = {
      bundleUuid: randomUUID(),
      projectUuid: store.bundles.projectUuid(projectId),
      schemaVersion: schemaVersion(store.db),
      exportedAt: (this.deps.now?.() ?? new Date()).toISOString(),
      appVersion: this.deps.appVersion,
      runIds,
    };
    return { path, identity: publicIdentity(identity), ...this.writeBundle(path, projectId, identity) };
  }

  /** What merging the bundle would do; changes nothing. */
  preview(path: string): BundleMergePlan {
    const contents = this.read(path);
    try {
      this.deps.store.db.transaction(() => {
        throw new PreviewRollback(mergeBundle(this.deps.store, contents, false));
      })();
    } catch (error) {
      if (error instanceof PreviewRollback) return error.plan;
      throw error;
    }
    throw new Error('unreachable: the preview transaction always rolls back');
  }

  merge(path: string): BundleMergePlan {
    const contents = this.read(path);
    return this.deps.store.db.transaction(() => {
      const plan = mergeBundle(this.deps.store, contents, true);
      this.deps.store.bundles.recordMerge(contents.identity.bundleUuid, path, plan);
      return plan;
    })();
  }

  private runsWithFeatures(): string[] {
    return this.deps.store.db
      .prepare<[], { id: string }>(
        'SELECT id FROM runs WHERE EXISTS (SELECT 1 FROM features f WHERE f.run_id = runs.id) ORDER BY created_at',
      )
      .all()
      .map((r) => r.id);
  }

  /** The one project the runs belong to (a bundle holds one project's runs). */
  private projectOfRuns(runIds: readonly string[]): number {
    if (runIds.length === 0)
      throw new AppError('invalid_input', 'No run has indexed features to put in a bundle.', 'input.runIds');
    const projects = new Set(
      runIds.map((id, i) => {
        const run = this.deps.store.runs.find(id);
        if (run === null) throw new AppError('not_found', `No run with id ${id}.`, `input.runIds.${i}`);
        return run.projectId;
      }),
    );
    if (projects.size > 1)
      throw new AppError(
        'invalid_input',
        'A bundle holds runs of one project; these runs belong to several.',
        'input.runIds',
      );
    return [...projects][0]!;
  }

  /**
   * Writes the bundle through a temporary file beside `path` (made by the same migrations, so the
   * schema is the same; a rollback journal keeps it one file), then renames it into place.
   */
  private writeBundle(
    path: string,
    projectId: number,
    identity: StoredBundleIdentity,
  ): Omit<BundleExportResult, 'path' | 'identity'> {
    const temp = `${path}.${process.pid}.tmp`;
    const removeTemp = (): void => {
      for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(`${temp}${suffix}`, { force: true });
    };
    removeTemp();
    try {
      const fresh = openDatabase(temp);
      fresh.pragma('journal_mode = DELETE');
      fresh.close();
      this.deps.store.bundles.copyInto(temp, { projectId, runIds: identity.runIds, identity });
      const written = new Database(temp, { readonly: true });
      const count = (table: string): number =>
        written.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).get()?.n ?? 0;
      const counts = {
        features: count('features'),
        dashboards: count('dashboards'),
        revisions: count('annotation_revisions'),
      };
      written.close();
      renameSync(temp, path);
      return { ...counts, bytes: statSync(path).size };
    } catch (error) {
      removeTemp();
      throw new AppError(
        'invalid_input',
        `Cannot write the bundle ${path}: ${(error as Error).message}`,
        'input.path',
      );
    }
  }

  private read(path: string): BundleContents {
    const { store } = this.deps;
    return readBundle(path, {
      hasProject: (uuid) => store.bundles.projectIdByUuid(uuid) !== null,
      projectUuids: () => store.projects.list().map((p) => store.bundles.projectUuid(p.id)),
    });
  }
}
