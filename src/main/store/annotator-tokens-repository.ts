import type { Db } from './database';
import { nowIso } from './sql';

/**
 * Serve-mode tokens of annotators, one per annotator. Only the SHA-256 of a token is stored (hex), so
 * a copy of the database does not let anyone in; a new token replaces the annotator's old one.
 */
export class AnnotatorTokensRepository {
  constructor(private readonly db: Db) {}

  replace(annotatorId: number, tokenHash: string): void {
    this.db
      .prepare(
        `INSERT INTO annotator_tokens (annotator_id, token_hash, created_at) VALUES (?, ?, ?)
         ON CONFLICT (annotator_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at`,
      )
      .run(annotatorId, tokenHash, nowIso());
  }

  /** The annotator a token hash belongs to, or null. */
  annotatorOf(tokenHash: string): number | null {
    return (
      this.db
        .prepare<[string], { annotator_id: number }>(
          'SELECT annotator_id FROM annotator_tokens WHERE token_hash = ?',
        )
        .get(tokenHash)?.annotator_id ?? null
    );
  }
}
