import type { Db } from './database';
import { nowIso } from './sql';

/** Which annotators are to annotate which features (several per feature for agreement). */
export class AssignmentsRepository {
  constructor(private readonly db: Db) {}

  /** Replaces every assignment of the given features with `pairs`, in one transaction. */
  replace(featureIds: readonly number[], pairs: readonly { featureId: number; annotatorId: number }[]): void {
    const remove = this.db.prepare('DELETE FROM assignments WHERE feature_id = ?');
    const insert = this.db.prepare(
      'INSERT INTO assignments (feature_id, annotator_id, created_at) VALUES (?, ?, ?)',
    );
    const now = nowIso();
    this.db.transaction(() => {
      for (const id of featureIds) remove.run(id);
      for (const p of pairs) insert.run(p.featureId, p.annotatorId, now);
    })();
  }

  /** Feature ids of a run assigned to an annotator, by feature index. */
  featureIdsOf(runId: string, annotatorId: number): number[] {
    return this.db
      .prepare<[string, number], { id: number }>(
        `SELECT f.id FROM assignments a JOIN features f ON f.id = a.feature_id
         WHERE f.run_id = ? AND a.annotator_id = ? ORDER BY f.feature_index`,
      )
      .all(runId, annotatorId)
      .map((r) => r.id);
  }

  /** Annotator ids assigned to a feature. */
  annotatorsOf(featureId: number): number[] {
    return this.db
      .prepare<[number], { annotator_id: number }>(
        'SELECT annotator_id FROM assignments WHERE feature_id = ? ORDER BY annotator_id',
      )
      .all(featureId)
      .map((r) => r.annotator_id);
  }

  /**
   * What an annotator has to do on a run: the features assigned to them, or, when none are, the
   * selected features of the attribution. Returns how many, and the time spent on each done one.
   */
  progressOf(
    runId: string,
    attributionId: string | null,
    annotatorId: number,
  ): { total: number; doneTimesMs: number[] } {
    const assigned = this.featureIdsOf(runId, annotatorId).length;
    if (assigned > 0) {
      const times = this.db
        .prepare<[string, number], { t: number }>(
          `SELECT c.time_spent_ms AS t FROM assignments a JOIN features f ON f.id = a.feature_id
           JOIN annotation_current c ON c.feature_id = a.feature_id AND c.annotator_id = a.annotator_id
           WHERE f.run_id = ? AND a.annotator_id = ? AND c.status = 'done'`,
        )
        .all(runId, annotatorId);
      return { total: assigned, doneTimesMs: times.map((r) => r.t) };
    }
    if (attributionId === null) return { total: 0, doneTimesMs: [] };
    const total = this.db
      .prepare<[string], { n: number }>(
        'SELECT COUNT(*) AS n FROM feature_scores WHERE attribution_id = ? AND is_selected = 1',
      )
      .get(attributionId)!.n;
    const times = this.db
      .prepare<[string, number], { t: number }>(
        `SELECT c.time_spent_ms AS t FROM feature_scores s
         JOIN annotation_current c ON c.feature_id = s.feature_id
         WHERE s.attribution_id = ? AND s.is_selected = 1 AND c.annotator_id = ? AND c.status = 'done'`,
      )
      .all(attributionId, annotatorId);
    return { total, doneTimesMs: times.map((r) => r.t) };
  }
}
