import type { Project } from '../../shared/domain';
import { AppError } from '../../shared/result';
import type { Db } from './database';
import { isUniqueViolation, nowIso } from './sql';

interface ProjectRow {
  id: number;
  name: string;
  description: string;
  created_at: string;
}
const toProject = (r: ProjectRow): Project => ({
  id: r.id,
  name: r.name,
  description: r.description,
  createdAt: r.created_at,
});

export class ProjectsRepository {
  constructor(private readonly db: Db) {}

  list(): Project[] {
    return this.db.prepare<[], ProjectRow>('SELECT * FROM projects ORDER BY id').all().map(toProject);
  }

  get(id: number): Project {
    const row = this.db.prepare<[number], ProjectRow>('SELECT * FROM projects WHERE id = ?').get(id);
    if (!row) throw new AppError('not_found', `No project with id ${id}.`, 'projectId');
    return toProject(row);
  }

  findByName(name: string): Project | null {
    const row = this.db.prepare<[string], ProjectRow>('SELECT * FROM projects WHERE name = ?').get(name);
    return row ? toProject(row) : null;
  }

  create(input: { name: string; description: string }): Project {
    try {
      const info = this.db
        .prepare('INSERT INTO projects (name, description, created_at) VALUES (?, ?, ?)')
        .run(input.name, input.description, nowIso());
      return this.get(Number(info.lastInsertRowid));
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new AppError('conflict', `A project named "${input.name}" already exists.`, 'name');
      }
      throw error;
    }
  }
}
