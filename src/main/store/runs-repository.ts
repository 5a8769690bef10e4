import type { Run } from '../../shared/domain';
import { runStatusSchema } from '../../shared/domain';
import { AppError } from '../../shared/result';
import type { Db } from './database';
import { isUniqueViolation, nowIso } from './sql';

interface RunRow {
  id: string;
  project_id: number;
  name: string;
  kind: string;
  status: string;
  config_json: string;
  dir: string | null;
  created_at: string;
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
});

export class RunsRepository {
  constructor(private readonly db: Db) {}

  list(projectId: number): Run[] {
    return this.db
      .prepare<[number], RunRow>('SELECT * FROM runs WHERE project_id = ? ORDER BY created_at')
      .all(projectId)
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

  setStatus(id: string, status: Run['status']): Run {
    const info = this.db.prepare('UPDATE runs SET status = ? WHERE id = ?').run(status, id);
    if (info.changes === 0) throw new AppError('not_found', `No run with id ${id}.`, 'runId');
    return this.get(id);
  }
}
