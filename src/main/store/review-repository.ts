import {
  lifecycleCategorySchema,
  type AnnotationFields,
  type AnnotationStatus,
  type LifecycleCategory,
} from '../../shared/domain';
import { AppError } from '../../shared/result';
import { readStoredFields } from './annotations-repository';
import type { Db } from './database';
import { parseJson } from './sql';

/** One feature's scores on an attribution, with its RelDec per checkpoint (from the features table). */
export interface ScoredFeature {
  featureId: number;
  index: number;
  ie: number[];
  relIe: number[] | null;
  bucket: string | null;
  category: LifecycleCategory;
  isSelected: boolean;
  relDec: (number | null)[] | null;
}

/** An annotator's current (latest) answer on a feature. */
export interface CurrentAnswer {
  featureId: number;
  annotatorId: number;
  name: string;
  /** annotation_revisions.id of the latest revision. */
  revisionId: number;
  revision: number;
  fields: AnnotationFields;
  createdAt: string;
}

interface ScoreRow {
  featureId: number;
  idx: number;
  ie_json: string;
  rel_ie_json: string | null;
  bucket: string | null;
  category: string;
  is_selected: number;
  rel_dec_json: string | null;
}

interface AnswerRow {
  featureId: number;
  annotatorId: number;
  name: string;
  revisionId: number;
  revision: number;
  fields_json: string;
  created_at: string;
}

/** Read-only queries the review, export and lifecycle views share. */
export class ReviewRepository {
  constructor(private readonly db: Db) {}

  /** Every feature scored by an attribution (or only the selected ones, or a named queue's), by index. */
  scores(
    attributionId: string,
    options: { isSelectedOnly?: boolean; queueId?: number } = {},
  ): ScoredFeature[] {
    const where = ['s.attribution_id = @attributionId'];
    const params: Record<string, unknown> = { attributionId };
    if (options.isSelectedOnly === true) where.push('s.is_selected = 1');
    if (options.queueId !== undefined) {
      params.queueId = options.queueId;
      where.push(
        'EXISTS (SELECT 1 FROM queue_members q WHERE q.queue_id = @queueId AND q.feature_id = s.feature_id)',
      );
    }
    return this.db
      .prepare<Record<string, unknown>, ScoreRow>(
        `SELECT s.feature_id AS featureId, f.feature_index AS idx, s.ie_json, s.rel_ie_json, s.bucket,
           s.category, s.is_selected, f.rel_dec_json
         FROM feature_scores s JOIN features f ON f.id = s.feature_id
         WHERE ${where.join(' AND ')} ORDER BY f.feature_index`,
      )
      .all(params)
      .map((r) => ({
        featureId: r.featureId,
        index: r.idx,
        ie: JSON.parse(r.ie_json) as number[],
        relIe: parseJson<number[]>(r.rel_ie_json),
        bucket: r.bucket,
        category: lifecycleCategorySchema.parse(r.category),
        isSelected: r.is_selected === 1,
        relDec: parseJson<(number | null)[]>(r.rel_dec_json),
      }));
  }

  /** Current answers on a run's features, in the given statuses (every status when left out). */
  currentAnswers(runId: string, statuses?: readonly AnnotationStatus[]): CurrentAnswer[] {
    const params: Record<string, unknown> = { runId };
    const statusFilter =
      statuses === undefined || statuses.length === 0
        ? ''
        : `AND c.status IN (${statuses.map((s, i) => ((params[`s${i}`] = s), `@s${i}`)).join(', ')})`;
    return this.db
      .prepare<Record<string, unknown>, AnswerRow>(
        `SELECT c.feature_id AS featureId, c.annotator_id AS annotatorId, a.name, r.id AS revisionId,
           r.revision, r.fields_json, r.created_at
         FROM annotation_current c
         JOIN features f ON f.id = c.feature_id
         JOIN annotators a ON a.id = c.annotator_id
         JOIN annotation_revisions r
           ON r.feature_id = c.feature_id AND r.annotator_id = c.annotator_id AND r.revision = c.revision
         WHERE f.run_id = @runId ${statusFilter}
         ORDER BY f.feature_index, a.name, c.annotator_id`,
      )
      .all(params)
      .map((r) => ({
        featureId: r.featureId,
        annotatorId: r.annotatorId,
        name: r.name,
        revisionId: r.revisionId,
        revision: r.revision,
        fields: readStoredFields(r.fields_json),
        createdAt: r.created_at,
      }));
  }

  /** The run's config exactly as stored (its SHA-256 identifies the crosscoder in exports). */
  runConfigJson(runId: string): string {
    const row = this.db
      .prepare<[string], { config_json: string }>('SELECT config_json FROM runs WHERE id = ?')
      .get(runId);
    if (!row) throw new AppError('not_found', `No run with id ${runId}.`, 'input.runId');
    return row.config_json;
  }

  /** An annotation revision row (to check gold sources), or null. */
  revisionOwner(revisionId: number): { featureId: number; annotatorId: number } | null {
    return (
      this.db
        .prepare<[number], { featureId: number; annotatorId: number }>(
          'SELECT feature_id AS featureId, annotator_id AS annotatorId FROM annotation_revisions WHERE id = ?',
        )
        .get(revisionId) ?? null
    );
  }
}
