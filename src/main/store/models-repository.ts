import {
  modelSourceKindSchema,
  type Checkpoint,
  type Model,
  type ModelSourceKind,
  type ModelWithCheckpoints,
} from '../../shared/domain';
import { AppError } from '../../shared/result';
import type { Db } from './database';
import { isUniqueViolation, nowIso } from './sql';

interface ModelRow {
  id: number;
  project_id: number;
  name: string;
  family: string;
  source: string;
  source_kind: string;
  cache_dir: string | null;
  tokens_per_step: number | null;
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
  sourceKind: modelSourceKindSchema.parse(r.source_kind),
  cacheDir: r.cache_dir,
  tokensPerStep: r.tokens_per_step,
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

export interface ModelCreateInput {
  projectId: number;
  name: string;
  family: string;
  source: string;
  sourceKind?: ModelSourceKind;
  cacheDir?: string | null;
  tokensPerStep?: number | null;
}

/** Checkpoints by tokens seen (unknown last), then step (unknown last), then revision name. */
export function compareCheckpoints(a: Checkpoint, b: Checkpoint): number {
  const byNullable = (x: number | null, y: number | null): number =>
    x === y ? 0 : x === null ? 1 : y === null ? -1 : x - y;
  return (
    byNullable(a.tokensSeen, b.tokensSeen) ||
    byNullable(a.step, b.step) ||
    a.revision.localeCompare(b.revision, 'en', { numeric: true })
  );
}

/** Model families and their checkpoints (one aggregate: a checkpoint never lives without its model). */
export class ModelsRepository {
  constructor(private readonly db: Db) {}

  list(projectId: number): Model[] {
    return this.db
      .prepare<[number], ModelRow>('SELECT * FROM models WHERE project_id = ? ORDER BY id')
      .all(projectId)
      .map(toModel);
  }

  /** Every family of a project with its checkpoints ordered by tokens seen. */
  listWithCheckpoints(projectId: number): ModelWithCheckpoints[] {
    return this.list(projectId).map((model) => ({
      ...model,
      checkpoints: this.checkpoints(model.id).sort(compareCheckpoints),
    }));
  }

  get(id: number): Model {
    const row = this.db.prepare<[number], ModelRow>('SELECT * FROM models WHERE id = ?').get(id);
    if (!row) throw new AppError('not_found', `No model with id ${id}.`, 'modelId');
    return toModel(row);
  }

  findByName(projectId: number, name: string): Model | null {
    const row = this.db
      .prepare<[number, string], ModelRow>('SELECT * FROM models WHERE project_id = ? AND name = ?')
      .get(projectId, name);
    return row ? toModel(row) : null;
  }

  create(input: ModelCreateInput): Model {
    try {
      const info = this.db
        .prepare(
          `INSERT INTO models (project_id, name, family, source, source_kind, cache_dir, tokens_per_step, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          input.projectId,
          input.name,
          input.family,
          input.source,
          input.sourceKind ?? 'folder',
          input.cacheDir ?? null,
          input.tokensPerStep ?? null,
          nowIso(),
        );
      return this.get(Number(info.lastInsertRowid));
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new AppError('conflict', `The project already has a model named "${input.name}".`, 'name');
      }
      throw error;
    }
  }

  /** Creates a family and its checkpoints in one transaction: on any error nothing is stored. */
  createWithCheckpoints(
    input: ModelCreateInput,
    checkpoints: ReadonlyArray<Omit<Checkpoint, 'id' | 'modelId'>>,
  ): ModelWithCheckpoints {
    const model = this.db.transaction(() => {
      const created = this.create(input);
      for (const c of checkpoints) this.upsertCheckpoint({ ...c, modelId: created.id });
      return created;
    })();
    return { ...model, checkpoints: this.checkpoints(model.id).sort(compareCheckpoints) };
  }

  /** Deletes a family; its checkpoints go with it (ON DELETE CASCADE). */
  remove(id: number): void {
    const info = this.db.prepare('DELETE FROM models WHERE id = ?').run(id);
    if (info.changes === 0) throw new AppError('not_found', `No model with id ${id}.`, 'modelId');
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

  getCheckpoint(id: number): Checkpoint {
    const row = this.db.prepare<[number], CheckpointRow>('SELECT * FROM checkpoints WHERE id = ?').get(id);
    if (!row) throw new AppError('not_found', `No checkpoint with id ${id}.`, 'checkpointId');
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
