import { randomUUID } from 'node:crypto';
import { CancelledError, type ProgressListener } from '../../core/progress';
import { isJobFinished, type JobKind, type JobSnapshot } from '../../shared/domain';
import { AppError } from '../../shared/result';
import type { JobsRepository } from '../store/jobs-repository';

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
 */
export class JobRunner {
  private readonly snapshots = new Map<string, JobSnapshot>();
  private readonly active = new Map<string, Active>();
  private readonly queue: string[] = [];
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(private readonly options: JobRunnerOptions) {
    this.intervalMs = options.progressIntervalMs ?? 250;
    this.now = options.now ?? Date.now;
    options.jobs.failInterrupted('The app stopped while this job was queued or running; start it again.');
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
      this.active.get(id)?.controller.abort();
      this.publish({ ...snapshot, message: 'Cancelling…' });
    }
    return this.get(id);
  }

  /** Resolves when no job is queued or running (tests, shutdown). */
  async idle(pollMs = 20): Promise<void> {
    while (this.active.size > 0 || this.queue.length > 0) await new Promise((r) => setTimeout(r, pollMs));
  }

  /** Cancels everything and waits for the workers to stop. */
  async shutdown(): Promise<void> {
    for (const id of [...this.queue]) this.cancel(id);
    for (const active of this.active.values()) active.controller.abort();
    await this.idle();
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

  private publish(snapshot: JobSnapshot): void {
    if (!isJobFinished(snapshot.state)) this.snapshots.set(snapshot.id, snapshot);
    this.options.jobs.put(snapshot);
    this.options.emit(snapshot);
  }
}
