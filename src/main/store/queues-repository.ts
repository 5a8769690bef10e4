import type { NamedQueue } from '../../shared/annotation';
import { AppError } from '../../shared/result';
import type { Db } from './database';
import { nowIso } from './sql';

interface QueueRow {
  id: number;
  run_id: string;
  attribution_id: string;
  name: string;
  created_at: string;
  indices: string | null;
}
const toQueue = (r: QueueRow): NamedQueue => ({
  id: r.id,
  runId: r.run_id,
  attributionId: r.attribution_id,
  name: r.name,
  featureIndices:
    r.indices === null || r.indices === ''
      ? []
      : r.indices
          .split(',')
          .map(Number)
          .sort((a, b) => a - b),
  createdAt: r.created_at,
});
const queueSelect = `SELECT q.*, (SELECT group_concat(f.feature_index) FROM queue_members m
  JOIN features f ON f.id = m.feature_id WHERE m.queue_id = q.id) AS indices FROM queues q`;

/** Named queues of a run: a name, the attribution they were brushed on, and their features. */
export class QueuesRepository {
  constructor(private readonly db: Db) {}

  create(input: {
    runId: string;
    attributionId: string;
    name: string;
    featureIds: readonly number[];
  }): NamedQueue {
    const id = this.db.transaction(() => {
      const info = this.db
        .prepare('INSERT INTO queues (run_id, attribution_id, name, created_at) VALUES (?, ?, ?, ?)')
        .run(input.runId, input.attributionId, input.name, nowIso());
      const queueId = Number(info.lastInsertRowid);
      const member = this.db.prepare(
        'INSERT OR IGNORE INTO queue_members (queue_id, feature_id) VALUES (?, ?)',
      );
      for (const featureId of input.featureIds) member.run(queueId, featureId);
      return queueId;
    })();
    return this.get(id);
  }

  get(id: number): NamedQueue {
    const row = this.db.prepare<[number], QueueRow>(`${queueSelect} WHERE q.id = ?`).get(id);
    if (!row) throw new AppError('not_found', `No queue with id ${id}.`, 'input.queueId');
    return toQueue(row);
  }

  /** Queues of a run, newest first. */
  list(runId: string): NamedQueue[] {
    return this.db
      .prepare<[string], QueueRow>(`${queueSelect} WHERE q.run_id = ? ORDER BY q.created_at DESC, q.id DESC`)
      .all(runId)
      .map(toQueue);
  }

  /** Feature ids of a queue, by feature index. */
  featureIds(id: number): number[] {
    return this.db
      .prepare<[number], { id: number }>(
        `SELECT f.id FROM queue_members m JOIN features f ON f.id = m.feature_id
         WHERE m.queue_id = ? ORDER BY f.feature_index`,
      )
      .all(id)
      .map((r) => r.id);
  }
}
