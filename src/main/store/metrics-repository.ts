import type { MetricPoint } from '../../shared/domain';
import type { Db } from './database';

/** Scalar metrics of a run by step (training curves), written in batches. */
export class MetricsRepository {
  constructor(private readonly db: Db) {}

  append(runId: string, points: readonly MetricPoint[]): void {
    const statement = this.db.prepare(
      'INSERT OR REPLACE INTO metrics (run_id, name, step, value) VALUES (?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const p of points) statement.run(runId, p.name, p.step, p.value);
    })();
  }

  series(runId: string, name: string): MetricPoint[] {
    return this.db
      .prepare<[string, string], MetricPoint>(
        'SELECT step, name, value FROM metrics WHERE run_id = ? AND name = ? ORDER BY step',
      )
      .all(runId, name);
  }

  names(runId: string): string[] {
    return this.db
      .prepare<[string], { name: string }>('SELECT DISTINCT name FROM metrics WHERE run_id = ? ORDER BY name')
      .all(runId)
      .map((r) => r.name);
  }
}
