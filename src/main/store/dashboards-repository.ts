import type { Db } from './database';

/** One feature's dashboard as stored: the JSON of `featureDashboardSchema`, density and max beside it. */
export interface DashboardWrite {
  index: number;
  density: number;
  maxActivation: number;
  json: string;
}

/**
 * Feature dashboards of a run, by feature index. Density and max activation are columns so the queue
 * can sort by them; the rest is read lazily, one feature at a time.
 */
export class DashboardsRepository {
  constructor(private readonly db: Db) {}

  /** Writes (or replaces) many dashboards of one run in one transaction. */
  upsertMany(runId: string, dashboards: readonly DashboardWrite[]): number {
    const statement = this.db.prepare(
      `INSERT INTO dashboards (run_id, feature_index, density, max_activation, json) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (run_id, feature_index) DO UPDATE SET
         density = excluded.density, max_activation = excluded.max_activation, json = excluded.json`,
    );
    return this.db.transaction(() => {
      for (const d of dashboards) statement.run(runId, d.index, d.density, d.maxActivation, d.json);
      return dashboards.length;
    })();
  }

  /** The stored JSON of a feature's dashboard, or null when none was imported. */
  json(runId: string, index: number): string | null {
    return (
      this.db
        .prepare<[string, number], { json: string }>(
          'SELECT json FROM dashboards WHERE run_id = ? AND feature_index = ?',
        )
        .get(runId, index)?.json ?? null
    );
  }

  has(runId: string, index: number): boolean {
    return (
      this.db
        .prepare<[string, number], { n: number }>(
          'SELECT COUNT(*) AS n FROM dashboards WHERE run_id = ? AND feature_index = ?',
        )
        .get(runId, index)!.n > 0
    );
  }

  count(runId: string): number {
    return this.db
      .prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM dashboards WHERE run_id = ?')
      .get(runId)!.n;
  }
}
