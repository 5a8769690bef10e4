import type { Checkpoint, Model } from '../../shared/domain';
import { AppError } from '../../shared/result';
import type { Db } from './database';
import { isUniqueViolation, nowIso } from './sql';

interface ModelRow {
  id: number;
  project_id: number;
  name: string;
  family: string;
  source: string;
  created_at: string;
}
interface CheckpointRow {
  id: number;
  model_id: number;
  revision: string;
  step: number | null;
  tokens_seen: number | null;
  path: string | null;
}
const toModel = (r: ModelRow): Model => ({
  id: r.id,
  projectId: r.project_id,
  name: r.name,
  family: r.family,
  source: r.source,
  createdAt: r.created_at,
});
const toCheckpoint = (r: CheckpointRow): Checkpoint => ({
  id: r.id,
  modelId: r.model_id,
  revision: r.revision,
  step: r.step,
  tokensSeen: r.tokens_seen,
  path: r.path,
});

/** Model families and their checkpoints (one aggregate: a checkpoint never lives without its model). */
export class ModelsRepository {
  constructor(private readonly db: Db) {}

  list(projectId: number): Model[] {
    return this.db
      .prepare<[number], ModelRow>('SELECT * FROM models WHERE project_id = ? ORDER BY id')
      .all(projectId)
      .map(toModel);
  }

  get(id: number): Model {
    const row = this.db.prepare<[number], ModelRow>('SELECT * FROM models WHERE id = ?').get(id);
    if (!row) throw new AppError('not_found', `No model with id ${id}.`, 'modelId');
    return toModel(row);
  }

  create(input: { projectId: number; name: string; family: string; source: string }): Model {
    try {
      const info = this.db
        .prepare('INSERT INTO models (project_id, name, family, source, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(input.projectId, input.name, input.family, input.source, nowIso());
      return this.get(Number(info.lastInsertRowid));
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new AppError('conflict', `The project already has a model named "${input.name}".`, 'name');
      }
      throw error;
    }
  }

  /** Adds or updates a checkpoint by revision name (revisions are the natural key within a model). */
  upsertCheckpoint(input: Omit<Checkpoint, 'id'>): Checkpoint {
    this.get(input.modelId);
    this.db
      .prepare(
        `INSERT INTO checkpoints (model_id, revision, step, tokens_seen, path) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (model_id, revision) DO UPDATE SET
           step = excluded.step, tokens_seen = excluded.tokens_seen, path = excluded.path`,
      )
      .run(input.modelId, input.revision, input.step, input.tokensSeen, input.path);
    const row = this.db
      .prepare<[number, string], CheckpointRow>(
        'SELECT * FROM checkpoints WHERE model_id = ? AND revision = ?',
      )
      .get(input.modelId, input.revision);
    if (!row) throw new Error('checkpoint vanished after upsert');
    return toCheckpoint(row);
  }

  /** Checkpoints in training order (unknown steps last, then by revision name). */
  checkpoints(modelId: number): Checkpoint[] {
    return this.db
      .prepare<[number], CheckpointRow>(
        'SELECT * FROM checkpoints WHERE model_id = ? ORDER BY step IS NULL, step, revision',
      )
      .all(modelId)
      .map(toCheckpoint);
  }
}
