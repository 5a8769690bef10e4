import type { AttributionIndex, FeatureItemEffect, FeatureScores } from '../../shared/annotation';
import { lifecycleCategorySchema } from '../../shared/domain';
import type { Db } from './database';
import { nowIso, parseJson } from './sql';

/** One feature's scores on an attribution, as indexing computed them. */
export interface FeatureScoreRow {
  featureId: number;
  ie: number[];
  /** RelIE shares per checkpoint; null when IE is all zero. */
  relIe: number[] | null;
  bucket: string | null;
  category: string;
  absIe: number;
  isSelected: boolean;
}

/** A whole attribution index: its header, every feature's scores, the task items and per-item effects. */
export interface AttributionIndexWrite {
  header: Omit<AttributionIndex, 'selected' | 'importedAt'>;
  scores: readonly FeatureScoreRow[];
  items: readonly { item: number; good: string; bad: string }[];
  effects: readonly { featureId: number; item: number; ie: (number | null)[]; rank: (number | null)[] }[];
}

interface HeaderRow {
  id: string;
  run_id: string;
  task: string;
  method: string;
  n: number;
  top: number;
  low: number;
  high: number;
  revisions_json: string;
  imported_at: string;
  selected: number;
}
const toIndex = (r: HeaderRow): AttributionIndex => ({
  id: r.id,
  runId: r.run_id,
  task: r.task,
  method: r.method,
  n: r.n,
  top: r.top,
  thresholds: { low: r.low, high: r.high },
  revisions: JSON.parse(r.revisions_json) as AttributionIndex['revisions'],
  selected: r.selected,
  importedAt: r.imported_at,
});
const headerSelect = `SELECT a.*, (SELECT COUNT(*) FROM feature_scores s
  WHERE s.attribution_id = a.id AND s.is_selected = 1) AS selected FROM attributions a`;

interface ScoreRow {
  attribution_id: string;
  task: string;
  ie_json: string;
  rel_ie_json: string | null;
  bucket: string | null;
  category: string;
  is_selected: number;
}
interface EffectRow {
  attribution_id: string;
  item: number;
  good: string;
  bad: string;
  ie_json: string;
  rank_json: string;
}

/**
 * Attribution results indexed for annotation (issue 6/7): the header, the scores of every feature of
 * the run, and the task items each feature matters for. Indexing the same attribution again replaces
 * its scores and items in one transaction (queues made from it stay).
 */
export class AttributionIndexRepository {
  constructor(private readonly db: Db) {}

  replace(write: AttributionIndexWrite): AttributionIndex {
    const { header } = write;
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO attributions (id, run_id, task, method, n, top, low, high, revisions_json, imported_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET task = excluded.task, method = excluded.method, n = excluded.n,
             top = excluded.top, low = excluded.low, high = excluded.high,
             revisions_json = excluded.revisions_json, imported_at = excluded.imported_at`,
        )
        .run(
          header.id,
          header.runId,
          header.task,
          header.method,
          header.n,
          header.top,
          header.thresholds.low,
          header.thresholds.high,
          JSON.stringify(header.revisions),
          nowIso(),
        );
      this.db.prepare('DELETE FROM feature_scores WHERE attribution_id = ?').run(header.id);
      this.db.prepare('DELETE FROM attribution_items WHERE attribution_id = ?').run(header.id);
      this.insertScores(header.id, write.scores);
      this.insertItems(header.id, write);
    })();
    return this.find(header.id)!;
  }

  find(id: string): AttributionIndex | null {
    const row = this.db.prepare<[string], HeaderRow>(`${headerSelect} WHERE a.id = ?`).get(id);
    return row ? toIndex(row) : null;
  }

  /** Indexed attributions of a run, newest first. */
  list(runId: string): AttributionIndex[] {
    return this.db
      .prepare<[string], HeaderRow>(`${headerSelect} WHERE a.run_id = ? ORDER BY a.imported_at DESC, a.id`)
      .all(runId)
      .map(toIndex);
  }

  /** Ids and indices of the attribution's selected (top-k) features, by index. */
  selected(attributionId: string): { featureId: number; index: number }[] {
    return this.db
      .prepare<[string], { featureId: number; index: number }>(
        `SELECT f.id AS featureId, f.feature_index AS "index" FROM feature_scores s
         JOIN features f ON f.id = s.feature_id
         WHERE s.attribution_id = ? AND s.is_selected = 1 ORDER BY f.feature_index`,
      )
      .all(attributionId);
  }

  /** A feature's scores on every attribution indexed for its run, newest first, with its items. */
  scoresOf(featureId: number): FeatureScores[] {
    const scores = this.db
      .prepare<[number], ScoreRow>(
        `SELECT s.*, a.task FROM feature_scores s JOIN attributions a ON a.id = s.attribution_id
         WHERE s.feature_id = ? ORDER BY a.imported_at DESC, a.id`,
      )
      .all(featureId);
    const effects = this.db
      .prepare<[number], EffectRow>(
        `SELECT e.attribution_id, e.item, i.good, i.bad, e.ie_json, e.rank_json FROM feature_item_effects e
         JOIN attribution_items i ON i.attribution_id = e.attribution_id AND i.item = e.item
         WHERE e.feature_id = ? ORDER BY e.item`,
      )
      .all(featureId);
    return scores.map((s) => ({
      attributionId: s.attribution_id,
      task: s.task,
      ie: JSON.parse(s.ie_json) as number[],
      relIe: parseJson<number[]>(s.rel_ie_json),
      bucket: s.bucket,
      category: lifecycleCategorySchema.parse(s.category),
      isSelected: s.is_selected === 1,
      items: effects.filter((e) => e.attribution_id === s.attribution_id).map(toEffect),
    }));
  }

  private insertScores(attributionId: string, scores: readonly FeatureScoreRow[]): void {
    const insert = this.db.prepare(
      `INSERT INTO feature_scores (attribution_id, feature_id, ie_json, rel_ie_last, rel_ie_json, bucket,
         category, abs_ie, is_selected) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const s of scores) {
      insert.run(
        attributionId,
        s.featureId,
        JSON.stringify(s.ie),
        s.relIe === null ? null : s.relIe[s.relIe.length - 1],
        s.relIe === null ? null : JSON.stringify(s.relIe),
        s.bucket,
        s.category,
        s.absIe,
        s.isSelected ? 1 : 0,
      );
    }
  }

  private insertItems(attributionId: string, write: AttributionIndexWrite): void {
    const item = this.db.prepare(
      'INSERT INTO attribution_items (attribution_id, item, good, bad) VALUES (?, ?, ?, ?)',
    );
    for (const i of write.items) item.run(attributionId, i.item, i.good, i.bad);
    const effect = this.db.prepare(
      `INSERT INTO feature_item_effects (attribution_id, feature_id, item, ie_json, rank_json)
       VALUES (?, ?, ?, ?, ?)`,
    );
    for (const e of write.effects)
      effect.run(attributionId, e.featureId, e.item, JSON.stringify(e.ie), JSON.stringify(e.rank));
  }
}

const toEffect = (e: EffectRow): FeatureItemEffect => ({
  item: e.item,
  good: e.good,
  bad: e.bad,
  ie: JSON.parse(e.ie_json) as (number | null)[],
  rank: JSON.parse(e.rank_json) as (number | null)[],
});
