import { AppError } from '../../shared/result';
import type { ReviewComment } from '../../shared/review';
import type { Db } from './database';
import { isForeignKeyViolation, nowIso } from './sql';

interface CommentRow {
  id: number;
  feature_id: number;
  annotator_id: number;
  name: string;
  text: string;
  created_at: string;
}
const toComment = (r: CommentRow): ReviewComment => ({
  id: r.id,
  featureId: r.feature_id,
  annotatorId: r.annotator_id,
  name: r.name,
  text: r.text,
  createdAt: r.created_at,
});
const select = `SELECT c.*, a.name FROM review_comments c JOIN annotators a ON a.id = c.annotator_id`;

/** Reviewer comments on features (kept as written; merged from bundles by content). */
export class CommentsRepository {
  constructor(private readonly db: Db) {}

  /** A feature's comments, oldest first. */
  list(featureId: number): ReviewComment[] {
    return this.db
      .prepare<[number], CommentRow>(`${select} WHERE c.feature_id = ? ORDER BY c.created_at, c.id`)
      .all(featureId)
      .map(toComment);
  }

  add(input: { featureId: number; annotatorId: number; text: string; createdAt?: string }): ReviewComment {
    try {
      const info = this.db
        .prepare(
          'INSERT INTO review_comments (feature_id, annotator_id, text, created_at) VALUES (?, ?, ?, ?)',
        )
        .run(input.featureId, input.annotatorId, input.text, input.createdAt ?? nowIso());
      return toComment(
        this.db.prepare<[number], CommentRow>(`${select} WHERE c.id = ?`).get(Number(info.lastInsertRowid))!,
      );
    } catch (error) {
      if (isForeignKeyViolation(error))
        throw new AppError(
          'not_found',
          `Feature ${input.featureId} or annotator ${input.annotatorId} does not exist.`,
          'input.featureId',
        );
      throw error;
    }
  }

  /** Comment counts of a run's features, by feature id (features without comments left out). */
  countsOfRun(runId: string): Map<number, number> {
    const rows = this.db
      .prepare<[string], { featureId: number; n: number }>(
        `SELECT c.feature_id AS featureId, COUNT(*) AS n FROM review_comments c
         JOIN features f ON f.id = c.feature_id WHERE f.run_id = ? GROUP BY c.feature_id`,
      )
      .all(runId);
    return new Map(rows.map((r) => [r.featureId, r.n]));
  }
}
