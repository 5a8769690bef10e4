import type { Annotator } from '../../shared/domain';
import { AppError } from '../../shared/result';
import type { Db } from './database';
import { isUniqueViolation, nowIso } from './sql';

interface AnnotatorRow {
  id: number;
  name: string;
  created_at: string;
}
const toAnnotator = (r: AnnotatorRow): Annotator => ({ id: r.id, name: r.name, createdAt: r.created_at });

export class AnnotatorsRepository {
  constructor(private readonly db: Db) {}

  list(): Annotator[] {
    return this.db.prepare<[], AnnotatorRow>('SELECT * FROM annotators ORDER BY name').all().map(toAnnotator);
  }

  get(id: number): Annotator {
    const row = this.db.prepare<[number], AnnotatorRow>('SELECT * FROM annotators WHERE id = ?').get(id);
    if (!row) throw new AppError('not_found', `No annotator with id ${id}.`, 'annotatorId');
    return toAnnotator(row);
  }

  create(name: string): Annotator {
    try {
      const info = this.db
        .prepare('INSERT INTO annotators (name, created_at) VALUES (?, ?)')
        .run(name, nowIso());
      return this.get(Number(info.lastInsertRowid));
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new AppError('conflict', `An annotator named "${name}" already exists.`, 'name');
      }
      throw error;
    }
  }
}
