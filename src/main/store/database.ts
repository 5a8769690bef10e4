import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrations as defaultMigrations, type Migration } from './migrations';

export type Db = Database.Database;

/**
 * Opens (creating if needed) the workbench database: WAL journal, foreign keys on, and every pending
 * migration applied. `:memory:` gives a private in-memory store (tests).
 */
export function openDatabase(path: string, migrations: readonly Migration[] = defaultMigrations): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  // First, so that switching to WAL and migrating wait for another process opening the same file.
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a commit survives a process crash (kill -9); only power loss may drop the last one.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db, migrations);
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies migrations above the current `user_version`, each in one transaction, in order. */
export function migrate(db: Db, migrations: readonly Migration[]): number[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`Migrations must be numbered 1, 2, 3…; found ${m.version} at ${i + 1}.`);
  });
  const latest = sorted.at(-1)?.version ?? 0;
  const checkNotNewer = (current: number): void => {
    if (current > latest) {
      throw new Error(
        `The database has schema version ${current}, newer than this app knows (${latest}). Update the app.`,
      );
    }
  };
  const current = schemaVersion(db);
  checkNotNewer(current);
  const applied: number[] = [];
  if (current === latest) return applied;
  for (const m of sorted) {
    if (m.version <= current) continue;
    // Under the write lock, the version read again: when two processes open a new database at once
    // (serve and a CLI command), the second waits and then skips what the first applied.
    const isApplied = db
      .transaction((): boolean => {
        const now = schemaVersion(db);
        checkNotNewer(now);
        if (m.version <= now) return false;
        db.exec(m.sql);
        db.pragma(`user_version = ${m.version}`);
        return true;
      })
      .immediate();
    if (isApplied) applied.push(m.version);
  }
  return applied;
}
