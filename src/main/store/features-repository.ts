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

  /**
   * Makes sure features 0..count-1 of a run exist (ids of existing ones are kept, so annotations stay
   * attached) and returns their ids by index.
   */
  ensureRange(runId: string, count: number): number[] {
    const insert = this.db.prepare(
      'INSERT INTO features (run_id, feature_index) VALUES (?, ?) ON CONFLICT (run_id, feature_index) DO NOTHING',
    );
    return this.db.transaction(() => {
      for (let i = 0; i < count; i++) insert.run(runId, i);
      const ids = new Array<number>(count);
      const rows = this.db
        .prepare<[string, number], { id: number; feature_index: number }>(
          'SELECT id, feature_index FROM features WHERE run_id = ? AND feature_index < ?',
        )
        .all(runId, count);
      for (const r of rows) ids[r.feature_index] = r.id;
      return ids;
    })();
  }

  /** Stores decoder norms and RelDec per checkpoint ([F][M], by feature index) in one transaction. */
  setDecoder(
    runId: string,
    decoderNorms: readonly (readonly number[])[] | null,
    relDec: readonly (readonly (number | null)[])[],
  ): void {
    const update = this.db.prepare(
      'UPDATE features SET decoder_norms_json = ?, rel_dec_json = ? WHERE run_id = ? AND feature_index = ?',
    );
    this.db.transaction(() => {
      relDec.forEach((shares, i) => {
        const norms = decoderNorms?.[i];
        update.run(norms === undefined ? null : JSON.stringify(norms), JSON.stringify(shares), runId, i);
      });
    })();
  }

  /** Decoder norms and RelDec per checkpoint of a feature (null where no attribution carried them). */
  decoderOf(id: number): { decoderNorms: number[] | null; relDec: (number | null)[] | null } {
    const row = this.db
      .prepare<[number], { decoder_norms_json: string | null; rel_dec_json: string | null }>(
        'SELECT decoder_norms_json, rel_dec_json FROM features WHERE id = ?',
      )
      .get(id);
    if (!row) throw new AppError('not_found', `No feature with id ${id}.`, 'input.featureId');
    return { decoderNorms: parseJson(row.decoder_norms_json), relDec: parseJson(row.rel_dec_json) };
  }

  /** Ids of a run's features by index; indices without a feature are left out. */
  idsByIndex(runId: string, indices: readonly number[]): Map<number, number> {
    const select = this.db.prepare<[string, number], { id: number }>(
      'SELECT id FROM features WHERE run_id = ? AND feature_index = ?',
    );
    const ids = new Map<number, number>();
    for (const index of indices) {
      const row = select.get(runId, index);
      if (row) ids.set(index, row.id);
    }
    return ids;
  }

  count(runId: string): number {
    return this.db
      .prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM features WHERE run_id = ?')
      .get(runId)!.n;
  }
}
