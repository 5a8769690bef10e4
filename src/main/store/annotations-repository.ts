import { z } from 'zod';
import {
  annotationFieldsSchema,
  languageTagSchema,
  type AnnotationFields,
  type AnnotationRevision,
} from '../../shared/domain';
import { isKnownLanguageCode } from '../../shared/languages';
import { AppError } from '../../shared/result';
import type { Db } from './database';
import { isForeignKeyViolation, nowIso } from './sql';

interface RevisionRow {
  id: number;
  feature_id: number;
  annotator_id: number;
  revision: number;
  fields_json: string;
  changed_json: string;
  created_at: string;
}

/** Category names of revisions saved before schema version 4, and what they are called now. */
const renamedCategories: Record<string, string> = { emerging: 'emerged', shared: 'maintained' };

/**
 * Stored records are read, not judged: revisions saved under older rules (longer descriptions, codes
 * outside ISO 639-3, old category names) stay readable; unknown codes come back marked custom.
 */
const storedFieldsSchema = annotationFieldsSchema.extend({
  description: z.string().default(''),
  languages: z
    .array(languageTagSchema)
    .default([])
    .transform((tags) =>
      tags.map((t) => (t.isCustom || isKnownLanguageCode(t.code) ? t : { ...t, isCustom: true })),
    ),
});

export function readStoredFields(json: string): AnnotationFields {
  const raw = JSON.parse(json) as Record<string, unknown>;
  const override = raw.lifecycleOverride;
  if (typeof override === 'string' && Object.hasOwn(renamedCategories, override))
    raw.lifecycleOverride = renamedCategories[override];
  return storedFieldsSchema.parse(raw);
}

const toRevision = (r: RevisionRow): AnnotationRevision => ({
  id: r.id,
  featureId: r.feature_id,
  annotatorId: r.annotator_id,
  revision: r.revision,
  fields: readStoredFields(r.fields_json),
  changed: JSON.parse(r.changed_json) as string[],
  createdAt: r.created_at,
});

/** Field names whose values differ between two records (deep comparison through JSON). */
export function changedFields(before: AnnotationFields | null, after: AnnotationFields): string[] {
  return (Object.keys(after) as (keyof AnnotationFields)[]).filter(
    (key) => before === null || JSON.stringify(before[key]) !== JSON.stringify(after[key]),
  );
}

/**
 * Annotations as an append-only history: every save adds revision n+1 for (feature, annotator); the
 * current annotation is the highest revision. Rows are never updated (a trigger forbids it). The
 * `annotation_current` projection (status, flag, description, time of the latest revision) is written
 * in the same transaction as each revision, so it never disagrees with the history.
 */
export class AnnotationsRepository {
  constructor(private readonly db: Db) {}

  latest(featureId: number, annotatorId: number): AnnotationRevision | null {
    const row = this.db
      .prepare<[number, number], RevisionRow>(
        'SELECT * FROM annotation_revisions WHERE feature_id = ? AND annotator_id = ? ORDER BY revision DESC LIMIT 1',
      )
      .get(featureId, annotatorId);
    return row ? toRevision(row) : null;
  }

  history(featureId: number, annotatorId?: number): AnnotationRevision[] {
    const rows =
      annotatorId === undefined
        ? this.db
            .prepare<[number], RevisionRow>(
              'SELECT * FROM annotation_revisions WHERE feature_id = ? ORDER BY id',
            )
            .all(featureId)
        : this.db
            .prepare<[number, number], RevisionRow>(
              'SELECT * FROM annotation_revisions WHERE feature_id = ? AND annotator_id = ? ORDER BY id',
            )
            .all(featureId, annotatorId);
    return rows.map(toRevision);
  }

  /**
   * Stores `fields` as the next revision. A save identical to the latest revision stores nothing and
   * returns the latest. With `baseRevision`, a save that did not start from the latest is refused.
   */
  save(input: {
    featureId: number;
    annotatorId: number;
    fields: AnnotationFields;
    baseRevision?: number | undefined;
    /** When the revision was made, if not now (a revision merged from a review bundle keeps its time). */
    createdAt?: string | undefined;
  }): AnnotationRevision {
    const fields = annotationFieldsSchema.parse(input.fields);
    const write = this.db.transaction((): AnnotationRevision => {
      const previous = this.latest(input.featureId, input.annotatorId);
      const current = previous?.revision ?? 0;
      if (input.baseRevision !== undefined && input.baseRevision !== current) {
        throw new AppError(
          'conflict',
          `Feature ${input.featureId} was saved by annotator ${input.annotatorId} as revision ${current} since this edit started from revision ${input.baseRevision}; reload it first.`,
          'baseRevision',
        );
      }
      const changed = changedFields(previous?.fields ?? null, fields);
      if (previous && changed.length === 0) return previous;
      const info = this.db
        .prepare(
          `INSERT INTO annotation_revisions (feature_id, annotator_id, revision, fields_json, changed_json, created_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(
          input.featureId,
          input.annotatorId,
          current + 1,
          JSON.stringify(fields),
          JSON.stringify(changed),
          input.createdAt ?? nowIso(),
        );
      const row = this.db
        .prepare<[number], RevisionRow>('SELECT * FROM annotation_revisions WHERE id = ?')
        .get(Number(info.lastInsertRowid));
      if (!row) throw new Error('annotation revision vanished after insert');
      const saved = toRevision(row);
      this.project(saved);
      return saved;
    });
    try {
      return write.immediate();
    } catch (error) {
      if (isForeignKeyViolation(error)) {
        throw new AppError(
          'not_found',
          `Feature ${input.featureId} or annotator ${input.annotatorId} does not exist.`,
          'featureId',
        );
      }
      throw error;
    }
  }

  /** The latest revision of every annotator of a feature (through the projection), by annotator id. */
  currentOf(featureId: number): AnnotationRevision[] {
    return this.db
      .prepare<[number], RevisionRow>(
        `SELECT r.* FROM annotation_current c
         JOIN annotation_revisions r
           ON r.feature_id = c.feature_id AND r.annotator_id = c.annotator_id AND r.revision = c.revision
         WHERE c.feature_id = ? ORDER BY c.annotator_id`,
      )
      .all(featureId)
      .map(toRevision);
  }

  /** Upserts the projection row of (feature, annotator); called inside the revision's transaction. */
  private project(revision: AnnotationRevision): void {
    const { fields } = revision;
    this.db
      .prepare(
        `INSERT INTO annotation_current
           (feature_id, annotator_id, revision, status, is_flagged, description, time_spent_ms, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (feature_id, annotator_id) DO UPDATE SET
           revision = excluded.revision, status = excluded.status, is_flagged = excluded.is_flagged,
           description = excluded.description, time_spent_ms = excluded.time_spent_ms,
           updated_at = excluded.updated_at`,
      )
      .run(
        revision.featureId,
        revision.annotatorId,
        revision.revision,
        fields.status,
        fields.isFlagged ? 1 : 0,
        fields.description,
        fields.timeSpentMs,
        revision.createdAt,
      );
  }
}
