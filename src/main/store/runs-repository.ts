import type { Run } from '../../shared/domain';
import { runStatusSchema } from '../../shared/domain';
import { AppError } from '../../shared/result';
import type { Db } from './database';
import { isUniqueViolation, nowIso, parseJson } from './sql';

interface RunRow {
  id: string;
  project_id: number;
  name: string;
  kind: string;
  status: string;
  config_json: string;
  dir: string | null;
  created_at: string;
  job_id: string | null;
  error: string | null;
  result_json: string | null;
}
const toRun = (r: RunRow): Run => ({
  id: r.id,
  projectId: r.project_id,
  name: r.name,
  kind: r.kind,
  status: runStatusSchema.parse(r.status),
  config: JSON.parse(r.config_json) as unknown,
  dir: r.dir,
  createdAt: r.created_at,
  jobId: r.job_id,
  error: r.error,
  result: parseJson<unknown>(r.result_json),
});

export class RunsRepository {
  constructor(private readonly db: Db) {}

  list(projectId: number): Run[] {
    return this.db
      .prepare<[number], RunRow>('SELECT * FROM runs WHERE project_id = ? ORDER BY created_at')
      .all(projectId)
      .map(toRun);
  }

  /** Runs of every project left `created` or `running` (training, or stopped by a crash). */
  listActive(): Run[] {
    return this.db
      .prepare<[], RunRow>("SELECT * FROM runs WHERE status IN ('created', 'running') ORDER BY created_at")
      .all()
      .map(toRun);
  }

  get(id: string): Run {
    const row = this.db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id = ?').get(id);
    if (!row) throw new AppError('not_found', `No run with id ${id}.`, 'runId');
    return toRun(row);
  }

  /** The resolved config is stored as given, so a run can always be reproduced from its record. */
  create(input: {
    id: string;
    projectId: number;
    name: string;
    kind: string;
    config: unknown;
    dir: string | null;
  }): Run {
    try {
      this.db
        .prepare(
          'INSERT INTO runs (id, project_id, name, kind, status, config_json, dir, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          input.id,
          input.projectId,
          input.name,
          input.kind,
          'created',
          JSON.stringify(input.config),
          input.dir,
          nowIso(),
        );
    } catch (error) {
      if (isUniqueViolation(error))
        throw new AppError('conflict', `A run with id ${input.id} already exists.`, 'id');
      throw error;
    }
    return this.get(input.id);
  }

  find(id: string): Run | null {
    const row = this.db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id = ?').get(id);
    return row ? toRun(row) : null;
  }

  setStatus(id: string, status: Run['status']): Run {
    const info = this.db.prepare('UPDATE runs SET status = ? WHERE id = ?').run(status, id);
    if (info.changes === 0) throw new AppError('not_found', `No run with id ${id}.`, 'runId');
    return this.get(id);
  }

  /** Records the job that trains the run now. */
  setJob(id: string, jobId: string): Run {
    const info = this.db.prepare('UPDATE runs SET job_id = ? WHERE id = ?').run(jobId, id);
    if (info.changes === 0) throw new AppError('not_found', `No run with id ${id}.`, 'runId');
    return this.get(id);
  }

  /** Status, error and result in one write (a job ending, or a run starting again with both cleared). */
  setOutcome(id: string, outcome: { status: Run['status']; error: string | null; result: unknown }): Run {
    const result =
      outcome.result === null || outcome.result === undefined ? null : JSON.stringify(outcome.result);
    const info = this.db
      .prepare('UPDATE runs SET status = ?, error = ?, result_json = ? WHERE id = ?')
      .run(outcome.status, outcome.error, result, id);
    if (info.changes === 0) throw new AppError('not_found', `No run with id ${id}.`, 'runId');
    return this.get(id);
  }
}
