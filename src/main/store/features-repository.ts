import type { Feature, LifecycleCategory } from '../../shared/domain';
import { lifecycleCategorySchema } from '../../shared/domain';
import { AppError } from '../../shared/result';
import type { Db } from './database';
import { parseJson } from './sql';

interface FeatureRow {
  id: number;
  run_id: string;
  feature_index: number;
  category: string | null;
  rel_ie: number | null;
  rel_dec: number | null;
  ie_json: string | null;
}
const toFeature = (r: FeatureRow): Feature => ({
  id: r.id,
  runId: r.run_id,
  index: r.feature_index,
  category: r.category === null ? null : lifecycleCategorySchema.parse(r.category),
  relIe: r.rel_ie,
  relDec: r.rel_dec,
  ie: parseJson<number[]>(r.ie_json),
});

export interface FeatureScores {
  index: number;
  category: LifecycleCategory | null;
  relIe: number | null;
  relDec: number | null;
  ie: number[] | null;
}

export class FeaturesRepository {
  constructor(private readonly db: Db) {}

  list(runId: string): Feature[] {
    return this.db
      .prepare<[string], FeatureRow>('SELECT * FROM features WHERE run_id = ? ORDER BY feature_index')
      .all(runId)
      .map(toFeature);
  }

  get(id: number): Feature {
    const row = this.db.prepare<[number], FeatureRow>('SELECT * FROM features WHERE id = ?').get(id);
    if (!row) throw new AppError('not_found', `No feature with id ${id}.`, 'featureId');
    return toFeature(row);
  }

  /** Writes the scores of many features of one run in one transaction (insert or replace scores). */
  upsertMany(runId: string, features: readonly FeatureScores[]): number {
    const statement = this.db.prepare(
      `INSERT INTO features (run_id, feature_index, category, rel_ie, rel_dec, ie_json) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, feature_index) DO UPDATE SET
         category = excluded.category, rel_ie = excluded.rel_ie, rel_dec = excluded.rel_dec, ie_json = excluded.ie_json`,
    );
    return this.db.transaction(() => {
      for (const f of features) {
        statement.run(
          runId,
          f.index,
          f.category,
          f.relIe,
          f.relDec,
          f.ie === null ? null : JSON.stringify(f.ie),
        );
      }
      return features.length;
    })();
  }
}
