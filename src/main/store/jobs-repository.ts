import { jobKindSchema, jobStateSchema, type JobSnapshot } from '../../shared/domain';
import { AppError } from '../../shared/result';
import type { Db } from './database';
import { parseJson } from './sql';

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
  owner_id: string | null;
  heartbeat_ms: number | null;
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

/** Who keeps a queued or running job alive: the runner's id and the time of its latest word (Unix ms). */
export interface JobLease {
  ownerId: string;
  heartbeatMs: number;
}

/** The message of a job marked failed because the workbench that ran it stopped heart-beating. */
export const abandonedJobMessage = 'Stopped with the workbench that ran it';

/** Whether a failed job was ended by another workbench (its owner went silent), not by its own error. */
export const isAbandonedJob = (job: JobSnapshot): boolean =>
  job.state === 'failed' && job.message === abandonedJobMessage;

function abandonedReason(heartbeatMs: number | null): string {
  const since =
    heartbeatMs === null
      ? 'it left no heartbeat'
      : `no heartbeat since ${new Date(heartbeatMs).toISOString()}`;
  return `The workbench that ran this job stopped while it was queued or running (${since}); start it again.`;
}

const liveStates = `state IN ('queued', 'running')`;

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

  /** Whether the connection is still open (a runner's timer may outlive its store in tests). */
  get isOpen(): boolean {
    return this.db.open;
  }

  /**
   * Inserts or replaces the whole snapshot (the runner owns the state machine), with the lease of the
   * runner that holds it when it is live. A job that has already ended is never written again: returns
   * false when the row was left as it was (another workbench ended it; its record stands).
   */
  put(job: JobSnapshot, lease: JobLease | null = null): boolean {
    const info = this.db
      .prepare(
        `INSERT INTO jobs (id, kind, label, state, step, total, eta_ms, metrics_json, message, error, result_json,
           params_json, created_at, started_at, finished_at, owner_id, heartbeat_ms)
         VALUES (@id, @kind, @label, @state, @step, @total, @etaMs, @metrics, @message, @error, @result,
           @params, @createdAt, @startedAt, @finishedAt, @ownerId, @heartbeatMs)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, step = excluded.step, total = excluded.total,
           eta_ms = excluded.eta_ms, metrics_json = excluded.metrics_json, message = excluded.message,
           error = excluded.error, result_json = excluded.result_json, started_at = excluded.started_at,
           finished_at = excluded.finished_at, owner_id = COALESCE(excluded.owner_id, jobs.owner_id),
           heartbeat_ms = COALESCE(excluded.heartbeat_ms, jobs.heartbeat_ms)
         WHERE jobs.${liveStates}`,
      )
      .run({
        ...job,
        metrics: JSON.stringify(job.metrics),
        result: job.result === null ? null : JSON.stringify(job.result),
        params: JSON.stringify(job.params ?? null),
        ownerId: lease?.ownerId ?? null,
        heartbeatMs: lease?.heartbeatMs ?? null,
      });
    return info.changes > 0;
  }

  /** Refreshes the heartbeat of the owner's live jobs; returns the ids of those still live in the store. */
  heartbeat(ownerId: string, nowMs: number): string[] {
    return this.db
      .prepare<[number, string], { id: string }>(
        `UPDATE jobs SET heartbeat_ms = ? WHERE owner_id = ? AND ${liveStates} RETURNING id`,
      )
      .all(nowMs, ownerId)
      .map((r) => r.id);
  }

  /**
   * Jobs left `queued` or `running` by a workbench that stopped are marked failed with the reason, so
   * nobody waits on them: those whose owner's heartbeat is older than `staleBeforeMs`, and those with no
   * owner (rows from before owners were recorded). The jobs of `exceptOwnerId` (the caller) are alive by
   * definition. Returns the jobs it marked.
   */
  failAbandoned(options: { staleBeforeMs: number; exceptOwnerId: string; nowMs: number }): JobSnapshot[] {
    const abandoned = `${liveStates} AND owner_id IS NOT @self
      AND (owner_id IS NULL OR heartbeat_ms IS NULL OR heartbeat_ms < @staleBefore)`;
    const params = { self: options.exceptOwnerId, staleBefore: options.staleBeforeMs };
    const select = this.db.prepare<typeof params, JobRow>(`SELECT * FROM jobs WHERE ${abandoned}`);
    const fail = this.db.prepare(
      `UPDATE jobs SET state = 'failed', message = @message, error = @error, eta_ms = NULL,
         finished_at = @finishedAt
       WHERE id = @id AND ${abandoned}`,
    );
    const finishedAt = new Date(options.nowMs).toISOString();
    // A plain read first: runners look every few seconds and there is usually nothing to do. Then
    // IMMEDIATE, so no owner refreshes its heartbeat between the look and the update.
    if (select.all(params).length === 0) return [];
    return this.db
      .transaction(() =>
        select.all(params).flatMap((row) => {
          const changed = fail.run({
            ...params,
            id: row.id,
            message: abandonedJobMessage,
            error: abandonedReason(row.heartbeat_ms),
            finishedAt,
          }).changes;
          return changed > 0 ? [this.get(row.id)] : [];
        }),
      )
      .immediate();
  }
}
