import type { Db } from './sqlite.js';

/** A session as stored: only the hash of its token. */
export interface SessionRow {
  token_hash: Buffer;
  /** A random id for listing and revoking; not derived from the token. */
  public_id: string;
  operator_id: number;
  created_at: string;
  last_seen_at: string;
  idle_expires_at: string;
  absolute_expires_at: string;
  source: string;
}

/** Server-side sessions. */
export class SessionRepo {
  constructor(private readonly db: Db) {}

  /** Stores a new session. */
  insert(row: SessionRow): void {
    this.db
      .prepare(
        `INSERT INTO session (token_hash, public_id, operator_id, created_at, last_seen_at, idle_expires_at, absolute_expires_at, source)
         VALUES (@token_hash, @public_id, @operator_id, @created_at, @last_seen_at, @idle_expires_at, @absolute_expires_at, @source)`,
      )
      .run(row);
  }

  /** A session that has not expired at `now`. */
  live(hash: Buffer, now: Date): SessionRow | undefined {
    const at = now.toISOString();
    return this.db
      .prepare(
        'SELECT * FROM session WHERE token_hash = ? AND idle_expires_at > ? AND absolute_expires_at > ?',
      )
      .get(hash, at, at) as SessionRow | undefined;
  }

  /** An operator's live sessions, newest first. */
  liveFor(operatorId: number, now: Date): SessionRow[] {
    const at = now.toISOString();
    return this.db
      .prepare(
        'SELECT * FROM session WHERE operator_id = ? AND idle_expires_at > ? AND absolute_expires_at > ? ORDER BY created_at DESC',
      )
      .all(operatorId, at, at) as SessionRow[];
  }

  /** Every session of an operator, live or not. */
  allFor(operatorId: number): SessionRow[] {
    return this.db.prepare('SELECT * FROM session WHERE operator_id = ?').all(operatorId) as SessionRow[];
  }

  /** Extends the idle timeout after use. */
  touch(hash: Buffer, now: Date, idleExpiresAt: Date): void {
    this.db
      .prepare('UPDATE session SET last_seen_at = ?, idle_expires_at = ? WHERE token_hash = ?')
      .run(now.toISOString(), idleExpiresAt.toISOString(), hash);
  }

  /** Ends a session. */
  delete(hash: Buffer): void {
    this.db.prepare('DELETE FROM session WHERE token_hash = ?').run(hash);
  }

  /** Removes expired sessions; returns how many. */
  deleteExpired(now: Date): number {
    const at = now.toISOString();
    return this.db
      .prepare('DELETE FROM session WHERE idle_expires_at <= ? OR absolute_expires_at <= ?')
      .run(at, at).changes;
  }
}
