import { createHash } from 'node:crypto';
import type { Db } from '../../src/main/store/database';

/** The user tables of a database (SQLite's own and FTS shadow tables left out), sorted by name. */
export function userTables(db: Db): string[] {
  const rows = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as { name: string }[];
  return rows.map((r) => r.name);
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * A SHA-256 over every row of every user table (rows in a stable order, values with their types) and
 * the schema version: equal checksums mean equal store contents.
 */
export function storeChecksum(db: Db): string {
  const hash = createHash('sha256');
  hash.update(`user_version=${String(db.pragma('user_version', { simple: true }))}\n`);
  for (const table of userTables(db)) {
    hash.update(`table ${table}\n`);
    const columns = (db.prepare(`PRAGMA table_info(${quote(table)})`).all() as { name: string }[]).map((c) =>
      quote(c.name),
    );
    const order = columns.map((_, i) => String(i + 1)).join(', ');
    const statement = db
      .prepare(`SELECT ${columns.join(', ')} FROM ${quote(table)} ORDER BY ${order}`)
      .raw(true);
    for (const row of statement.iterate() as Iterable<unknown[]>) {
      for (const value of row) {
        if (value === null) hash.update('N;');
        else if (Buffer.isBuffer(value)) hash.update(`B${value.length}:`).update(value).update(';');
        else hash.update(`${typeof value}${String(value).length}:${String(value)};`);
      }
      hash.update('\n');
    }
  }
  return hash.digest('hex');
}

/** Row counts per user table. */
export function rowCounts(db: Db): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const table of userTables(db)) {
    counts[table] = (db.prepare(`SELECT count(*) AS n FROM ${quote(table)}`).get() as { n: number }).n;
  }
  return counts;
}

/**
 * Rows changed through this connection since it opened (SQLite's total_changes()): cheap enough to
 * read around every fuzz case; when it moves, compare `storeChecksum` to see whether anything stayed.
 */
export const totalChanges = (db: Db): number =>
  (db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
