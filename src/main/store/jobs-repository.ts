import { jobKindSchema, jobStateSchema, type JobSnapshot } from '../../shared/domain';
import { AppError } from '../../shared/result';
import type { Db } from './database';
import { nowIso, parseJson } from './sql';

interface JobRow {
  id: string;
  kind: string;
  label: string;
  state: string;
  step: number;
  total: number;
  eta_ms: number | null;
  metrics_json: string;
  message: string;
  error: string | null;
  result_json: string | null;
  params_json: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}
const toJob = (r: JobRow): JobSnapshot => ({
  id: r.id,
  kind: jobKindSchema.parse(r.kind),
  label: r.label,
  state: jobStateSchema.parse(r.state),
  step: r.step,
  total: r.total,
  etaMs: r.eta_ms,
  metrics: JSON.parse(r.metrics_json) as Record<string, number>,
  message: r.message,
  error: r.error,
  result: parseJson<unknown>(r.result_json),
  params: JSON.parse(r.params_json) as unknown,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

/** Job records, so a reloaded UI or a restarted app sees every job and its last known progress. */
export class JobsRepository {
  constructor(private readonly db: Db) {}

  list(limit = 200): JobSnapshot[] {
    return this.db
      .prepare<[number], JobRow>('SELECT * FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT ?')
      .all(limit)
      .map(toJob);
  }

  find(id: string): JobSnapshot | null {
    const row = this.db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE id = ?').get(id);
    return row ? toJob(row) : null;
  }

  get(id: string): JobSnapshot {
    const job = this.find(id);
    if (!job) throw new AppError('not_found', `No job with id ${id}.`, 'jobId');
    return job;
  }

  /** Inserts or replaces the whole snapshot (the runner owns the state machine). */
  put(job: JobSnapshot): void {
    this.db
      .prepare(
        `INSERT INTO jobs (id, kind, label, state, step, total, eta_ms, metrics_json, message, error, result_json,
           params_json, created_at, started_at, finished_at)
         VALUES (@id, @kind, @label, @state, @step, @total, @etaMs, @metrics, @message, @error, @result,
           @params, @createdAt, @startedAt, @finishedAt)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, step = excluded.step, total = excluded.total,
           eta_ms = excluded.eta_ms, metrics_json = excluded.metrics_json, message = excluded.message,
           error = excluded.error, result_json = excluded.result_json, started_at = excluded.started_at,
           finished_at = excluded.finished_at`,
      )
      .run({
        ...job,
        metrics: JSON.stringify(job.metrics),
        result: job.result === null ? null : JSON.stringify(job.result),
        params: JSON.stringify(job.params ?? null),
      });
  }

  /**
   * Jobs left `queued` or `running` by a process that ended without finishing them are marked failed
   * with the reason, so nobody waits on them. Returns how many were marked.
   */
  failInterrupted(reason: string): number {
    const info = this.db
      .prepare(
        `UPDATE jobs SET state = 'failed', error = ?, eta_ms = NULL, finished_at = ?
         WHERE state IN ('queued', 'running')`,
      )
      .run(reason, nowIso());
    return info.changes;
  }
}
