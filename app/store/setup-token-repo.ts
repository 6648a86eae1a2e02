import type { Db } from './sqlite.js';

/** The one-time first-run token, kept only as a hash. */
export class SetupTokenRepo {
  constructor(private readonly db: Db) {}

  /** Replaces the token (a new one is printed at each start until an administrator exists). */
  set(hash: Buffer, now: Date, expiresAt: Date): void {
    this.db
      .prepare(
        `INSERT INTO setup_token (id, token_hash, created_at, expires_at) VALUES (1, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at, expires_at = excluded.expires_at`,
      )
      .run(hash, now.toISOString(), expiresAt.toISOString());
  }

  /** The current token hash, if one is live at `now`. */
  live(now: Date): Buffer | undefined {
    const row = this.db
      .prepare('SELECT token_hash FROM setup_token WHERE id = 1 AND expires_at > ?')
      .get(now.toISOString()) as { token_hash: Buffer } | undefined;
    return row?.token_hash;
  }

  /** Forgets the token (used, or no longer needed). */
  clear(): void {
    this.db.prepare('DELETE FROM setup_token').run();
  }
}
