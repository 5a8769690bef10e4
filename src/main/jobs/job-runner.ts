import { randomUUID } from 'node:crypto';
import { CancelledError, type ProgressListener } from '../../core/progress';
import { isJobFinished, type JobKind, type JobSnapshot } from '../../shared/domain';
import { AppError } from '../../shared/result';
import type { JobLease, JobsRepository } from '../store/jobs-repository';

/** Runs one job to completion; rejects with CancelledError when `signal` aborts. */
export type JobExecutor = (
  job: { id: string; kind: JobKind; params: unknown },
  context: { signal: AbortSignal; onProgress: ProgressListener },
) => Promise<unknown>;

export interface JobRunnerOptions {
  jobs: JobsRepository;
  execute: JobExecutor;
  /** Called with every snapshot worth showing: state changes at once, progress at most every interval. */
  emit: (snapshot: JobSnapshot) => void;
  maxConcurrent: () => number;
  progressIntervalMs?: number;
  now?: () => number;
  /**
   * How often the runner re-asserts that it holds its live jobs and looks for jobs other workbenches
   * abandoned (default 5 s, `CTT_JOB_HEARTBEAT_MS`, or a third of the stale limit when that is shorter).
   */
  heartbeatMs?: number;
  /**
   * A queued or running job whose owner has been silent this long is abandoned and marked failed by
   * whichever runner sees it (default 30 s, or `CTT_JOB_STALE_MS`).
   */
  staleAfterMs?: number;
}

const defaultHeartbeatMs = 5_000;
const defaultStaleAfterMs = 30_000;

/**
 * Job lease timings from the environment. `CTT_JOB_STALE_MS`: how long the workbench that runs a job may
 * stay silent before another workbench on the same data folder marks the job failed; tests that kill a
 * `ctt serve` and start another at once set it short. `CTT_JOB_HEARTBEAT_MS`: how often a workbench
 * refreshes its jobs' heartbeats and looks for abandoned ones.
 */
export function jobLeaseTimingsFromEnv(env: NodeJS.ProcessEnv = process.env): {
  staleAfterMs?: number;
  heartbeatMs?: number;
} {
  const read = (name: string): number | undefined => {
    const text = env[name];
    if (text === undefined || text === '') return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 10) {
      throw new Error(`${name} must be a whole number of milliseconds, at least 10; got "${text}".`);
    }
    return value;
  };
  const staleAfterMs = read('CTT_JOB_STALE_MS');
  const heartbeatMs = read('CTT_JOB_HEARTBEAT_MS');
  return {
    ...(staleAfterMs === undefined ? {} : { staleAfterMs }),
    ...(heartbeatMs === undefined ? {} : { heartbeatMs }),
  };
}

interface Active {
  controller: AbortController;
  startedAtMs: number;
  lastEmitMs: number;
  pending: NodeJS.Timeout | undefined;
}

/**
 * Owns the job state machine: queued → running → succeeded | failed | cancelled. Persists every
 * snapshot it emits, so a reloaded UI (or a restarted app) sees the same list.
 *
 * Several workbenches may share one data folder (two `ctt serve`, serve and Electron, or two in one
 * process in tests), so a process id is no identity: each runner takes a random owner id and stores it,
 * with a heartbeat time, on every live job it holds. It refreshes the heartbeats every `heartbeatMs` and
 * with every snapshot; a live job whose heartbeat is older than `staleAfterMs` (or that has no owner)
 * was left by a workbench that stopped, and any runner marks it failed: at its start and at every tick,
 * so a job abandoned by a killed process is marked within the stale limit while another one runs.
 */
export class JobRunner {
  private readonly snapshots = new Map<string, JobSnapshot>();
  private readonly active = new Map<string, Active>();
  private readonly queue: string[] = [];
  private readonly intervalMs: number;
  private readonly now: () => number;
  /** This runner's identity in the jobs table. */
  readonly ownerId: string = randomUUID();
  private readonly heartbeatMs: number;
  private readonly staleAfterMs: number;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private lastTickMs: number;

  constructor(private readonly options: JobRunnerOptions) {
    this.intervalMs = options.progressIntervalMs ?? 250;
    this.now = options.now ?? Date.now;
    const fromEnv = jobLeaseTimingsFromEnv();
    this.staleAfterMs = options.staleAfterMs ?? fromEnv.staleAfterMs ?? defaultStaleAfterMs;
    this.heartbeatMs =
      options.heartbeatMs ??
      fromEnv.heartbeatMs ??
      Math.max(1, Math.min(defaultHeartbeatMs, Math.floor(this.staleAfterMs / 3)));
    if (this.heartbeatMs * 2 > this.staleAfterMs) {
      throw new Error(
        `The job heartbeat (${this.heartbeatMs} ms) must be at most half the stale limit ` +
          `(${this.staleAfterMs} ms), or live jobs would look abandoned.`,
      );
    }
    this.lastTickMs = this.now();
    // At start, nothing listens yet: services reconcile with the store themselves.
    this.failAbandoned(this.lastTickMs);
    this.heartbeatTimer = setInterval(() => this.tick(), this.heartbeatMs);
    this.heartbeatTimer.unref();
  }

  list(): JobSnapshot[] {
    return this.options.jobs.list();
  }

  get(id: string): JobSnapshot {
    return this.snapshots.get(id) ?? this.options.jobs.get(id);
  }

  start(kind: JobKind, params: unknown, label: string): JobSnapshot {
    const snapshot: JobSnapshot = {
      id: randomUUID(),
      kind,
      label,
      state: 'queued',
      step: 0,
      total: 0,
      etaMs: null,
      metrics: {},
      message: 'Waiting for a free slot',
      error: null,
      result: null,
      params,
      createdAt: new Date(this.now()).toISOString(),
      startedAt: null,
      finishedAt: null,
    };
    this.publish(snapshot);
    this.queue.push(snapshot.id);
    this.pump();
    return this.get(snapshot.id);
  }

  cancel(id: string): JobSnapshot {
    const snapshot = this.get(id);
    if (isJobFinished(snapshot.state)) {
      throw new AppError('conflict', `Job ${id} has already ${snapshot.state}.`, 'jobId');
    }
    const queued = this.queue.indexOf(id);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.finish(id, { state: 'cancelled', message: 'Cancelled before it started' });
    } else {
      const active = this.active.get(id);
      if (active === undefined) {
        throw new AppError(
          'conflict',
          `Job ${id} runs in another workbench on this data folder; cancel it there.`,
          'jobId',
        );
      }
      active.controller.abort();
      this.publish({ ...snapshot, message: 'Cancelling…' });
    }
    return this.get(id);
  }

  /** Resolves when no job is queued or running (tests, shutdown). */
  async idle(pollMs = 20): Promise<void> {
    while (this.active.size > 0 || this.queue.length > 0) await new Promise((r) => setTimeout(r, pollMs));
  }

  /** Cancels everything, waits for the workers to stop, and stops the heartbeat. */
  async shutdown(): Promise<void> {
    for (const id of [...this.queue]) this.cancel(id);
    for (const active of this.active.values()) active.controller.abort();
    await this.idle();
    this.stopHeartbeat();
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  /** Refreshes this runner's heartbeats, drops jobs another runner has ended, fails abandoned ones. */
  private tick(): void {
    if (!this.options.jobs.isOpen) return this.stopHeartbeat(); // the store closed under a live runner
    try {
      const nowMs = this.now();
      const gapMs = nowMs - this.lastTickMs;
      this.lastTickMs = nowMs;
      if (this.snapshots.size > 0) {
        const live = new Set(this.options.jobs.heartbeat(this.ownerId, nowMs));
        for (const id of [...this.snapshots.keys()]) if (!live.has(id)) this.lose(id);
      }
      // A runner that was itself asleep (a suspended laptop, a stalled event loop) gives the others one
      // tick to refresh their heartbeats before it judges them.
      if (gapMs <= this.staleAfterMs / 2) {
        for (const failed of this.failAbandoned(nowMs)) this.options.emit(failed);
      }
    } catch (error) {
      // A database busy past its timeout only delays the next tick.
      if (!this.options.jobs.isOpen) return this.stopHeartbeat();
      console.error(`Job heartbeat failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private failAbandoned(nowMs: number): JobSnapshot[] {
    return this.options.jobs.failAbandoned({
      staleBeforeMs: nowMs - this.staleAfterMs,
      exceptOwnerId: this.ownerId,
      nowMs,
    });
  }

  /**
   * Another runner ended this job (it found this one silent past the stale limit, e.g. after a suspend):
   * its record stands, so this runner stops working on the job and shows the stored state.
   */
  private lose(id: string): void {
    this.snapshots.delete(id);
    const queued = this.queue.indexOf(id);
    if (queued >= 0) this.queue.splice(queued, 1);
    this.active.get(id)?.controller.abort();
    const stored = this.options.jobs.find(id);
    if (stored !== null) this.options.emit(stored);
  }

  private pump(): void {
    while (this.queue.length > 0 && this.active.size < this.options.maxConcurrent()) {
      const id = this.queue.shift();
      if (id !== undefined) this.run(id);
    }
  }

  private run(id: string): void {
    const startedAtMs = this.now();
    const active: Active = {
      controller: new AbortController(),
      startedAtMs,
      lastEmitMs: 0,
      pending: undefined,
    };
    this.active.set(id, active);
    const snapshot = this.get(id);
    this.publish({
      ...snapshot,
      state: 'running',
      message: 'Starting',
      startedAt: new Date(startedAtMs).toISOString(),
    });
    if (!this.snapshots.has(id)) {
      this.active.delete(id); // lost while it waited in the queue
      return;
    }
    let execution: Promise<unknown>;
    try {
      execution = this.options.execute(
        { id, kind: snapshot.kind, params: snapshot.params },
        { signal: active.controller.signal, onProgress: (p) => this.progress(id, p) },
      );
    } catch (error) {
      execution = Promise.reject(error); // an executor that throws synchronously still ends the job
    }
    execution.then(
      (result) => this.finish(id, { state: 'succeeded', message: 'Done', result }),
      (error: unknown) =>
        error instanceof CancelledError || active.controller.signal.aborted
          ? this.finish(id, { state: 'cancelled', message: 'Cancelled' })
          : this.finish(id, {
              state: 'failed',
              message: 'Failed',
              error: error instanceof Error ? error.message : String(error),
            }),
    );
  }

  private progress(id: string, report: Parameters<ProgressListener>[0]): void {
    const active = this.active.get(id);
    const snapshot = this.snapshots.get(id);
    if (!active || !snapshot || snapshot.state !== 'running') return;
    const elapsedMs = this.now() - active.startedAtMs;
    const etaMs =
      report.step > 0 && report.total >= report.step
        ? (elapsedMs / report.step) * (report.total - report.step)
        : null;
    const next: JobSnapshot = {
      ...snapshot,
      step: report.step,
      total: report.total,
      etaMs,
      message: report.message ?? snapshot.message,
      metrics: { ...snapshot.metrics, ...report.metrics },
    };
    this.snapshots.set(id, next);
    // Throttle: emit now if the interval has passed, else once at its end with the latest values.
    const sinceMs = this.now() - active.lastEmitMs;
    if (sinceMs >= this.intervalMs) {
      active.lastEmitMs = this.now();
      this.publish(next);
    } else if (active.pending === undefined) {
      active.pending = setTimeout(() => {
        active.pending = undefined;
        active.lastEmitMs = this.now();
        const latest = this.snapshots.get(id);
        if (latest && latest.state === 'running') this.publish(latest);
      }, this.intervalMs - sinceMs);
    }
  }

  private finish(
    id: string,
    outcome: {
      state: 'succeeded' | 'failed' | 'cancelled';
      message: string;
      result?: unknown;
      error?: string;
    },
  ): void {
    const active = this.active.get(id);
    if (active) clearTimeout(active.pending);
    this.active.delete(id);
    const snapshot = this.get(id);
    this.publish({
      ...snapshot,
      state: outcome.state,
      message: outcome.message,
      result: outcome.result ?? null,
      error: outcome.error ?? null,
      etaMs: null,
      step: outcome.state === 'succeeded' ? snapshot.total : snapshot.step,
      finishedAt: new Date(this.now()).toISOString(),
    });
    this.snapshots.delete(id);
    this.pump();
  }

  /** Stores the snapshot, with this runner's lease and a fresh heartbeat while it is live, and emits it. */
  private publish(snapshot: JobSnapshot): void {
    const isLive = !isJobFinished(snapshot.state);
    const lease: JobLease | null = isLive ? { ownerId: this.ownerId, heartbeatMs: this.now() } : null;
    if (!this.options.jobs.put(snapshot, lease)) return this.lose(snapshot.id);
    if (isLive) this.snapshots.set(snapshot.id, snapshot);
    this.options.emit(snapshot);
  }
}
