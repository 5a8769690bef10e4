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

  /** The latest value of every metric of a run, and the highest step with any metric (0 if none). */
  latest(runId: string): { step: number; values: Record<string, number> } {
    const rows = this.db
      .prepare<[string, string], { name: string; step: number; value: number }>(
        `SELECT m.name, m.step, m.value FROM metrics m
         JOIN (SELECT name, MAX(step) AS step FROM metrics WHERE run_id = ? GROUP BY name) last
           ON m.name = last.name AND m.step = last.step
         WHERE m.run_id = ?`,
      )
      .all(runId, runId);
    const values: Record<string, number> = {};
    let step = 0;
    for (const r of rows) {
      values[r.name] = r.value;
      step = Math.max(step, r.step);
    }
    return { step, values };
  }

  /** Drops points past `step` (a resumed run replays those steps). Returns how many were dropped. */
  deleteAfter(runId: string, step: number): number {
    return this.db.prepare('DELETE FROM metrics WHERE run_id = ? AND step > ?').run(runId, step).changes;
  }

  names(runId: string): string[] {
    return this.db
      .prepare<[string], { name: string }>('SELECT DISTINCT name FROM metrics WHERE run_id = ? ORDER BY name')
      .all(runId)
      .map((r) => r.name);
  }
}
