import type { Db } from './sqlite.js';

/** An operator as stored. */
export interface OperatorRow {
  id: number;
  username: string;
  display_name: string;
  password_hash: string | null;
  role: string;
  created_at: string;
  updated_at: string;
  disabled_at: string | null;
  version: number;
}

/** Operators (console users). */
export class OperatorRepo {
  constructor(private readonly db: Db) {}

  /** How many operators hold a role. */
  countWithRole(role: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM operator WHERE role = ?').get(role) as { n: number })
      .n;
  }

  /** Adds an operator; returns its id. */
  create(
    o: { username: string; displayName: string; passwordHash: string; role: string },
    now: Date,
  ): number {
    const at = now.toISOString();
    const r = this.db
      .prepare(
        'INSERT INTO operator (username, display_name, password_hash, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(o.username, o.displayName, o.passwordHash, o.role, at, at);
    return Number(r.lastInsertRowid);
  }

  /** Looks an operator up by username (case-insensitive). */
  byUsername(username: string): OperatorRow | undefined {
    return this.db.prepare('SELECT * FROM operator WHERE username = ?').get(username) as
      OperatorRow | undefined;
  }

  /** Looks an operator up by id. */
  byId(id: number): OperatorRow | undefined {
    return this.db.prepare('SELECT * FROM operator WHERE id = ?').get(id) as OperatorRow | undefined;
  }

  /** Replaces a password hash (rehash at login when the parameters changed). */
  setPasswordHash(id: number, hash: string, now: Date): void {
    this.db
      .prepare('UPDATE operator SET password_hash = ?, updated_at = ? WHERE id = ?')
      .run(hash, now.toISOString(), id);
  }
}
