import type { Db } from './sqlite.js';

/** An operator as stored. */
export interface OperatorRow {
  id: number;
  username: string;
  display_name: string;
  password_hash: string | null;
  source: 'local' | 'ldap';
  external_id: string | null;
  must_change_password: 0 | 1;
  password_changed_at: string | null;
  last_login_at: string | null;
  created_at: string;
  updated_at: string;
  disabled_at: string | null;
  version: number;
}

/** What a new operator starts with. */
export interface NewOperator {
  username: string;
  displayName: string;
  source: 'local' | 'ldap';
  passwordHash?: string;
  externalId?: string;
  mustChangePassword?: boolean;
  roleIds: readonly number[];
}

/** Operators (console users) and the roles each holds. */
export class OperatorRepo {
  constructor(private readonly db: Db) {}

  /** How many enabled operators hold a role. */
  countEnabledWithRole(roleId: number): number {
    return (
      this.db
        .prepare(
          'SELECT count(*) AS n FROM operator_role JOIN operator ON operator.id = operator_role.operator_id WHERE role_id = ? AND disabled_at IS NULL',
        )
        .get(roleId) as { n: number }
    ).n;
  }

  /** Adds an operator with their roles; returns its id. */
  create(o: NewOperator, now: Date): number {
    const at = now.toISOString();
    return this.db.transaction(() => {
      const r = this.db
        .prepare(
          `INSERT INTO operator (username, display_name, password_hash, source, external_id, must_change_password,
             password_changed_at, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          o.username,
          o.displayName,
          o.passwordHash ?? null,
          o.source,
          o.externalId ?? null,
          o.mustChangePassword ? 1 : 0,
          o.passwordHash ? at : null,
          at,
          at,
        );
      const id = Number(r.lastInsertRowid);
      this.setRoles(id, o.roleIds);
      return id;
    })();
  }

  /** Looks an operator up by username (case-insensitive). */
  byUsername(username: string): OperatorRow | undefined {
    return this.db.prepare('SELECT * FROM operator WHERE username = ?').get(username) as
      OperatorRow | undefined;
  }

  /** Looks a directory operator up by the id of their directory entry. */
  byExternalId(externalId: string): OperatorRow | undefined {
    return this.db
      .prepare("SELECT * FROM operator WHERE source = 'ldap' AND external_id = ?")
      .get(externalId) as OperatorRow | undefined;
  }

  /** Looks an operator up by id. */
  byId(id: number): OperatorRow | undefined {
    return this.db.prepare('SELECT * FROM operator WHERE id = ?').get(id) as OperatorRow | undefined;
  }

  /** Every operator, by username. */
  list(): OperatorRow[] {
    return this.db.prepare('SELECT * FROM operator ORDER BY username').all() as OperatorRow[];
  }

  /** The ids of the roles an operator holds, ascending. */
  roleIds(operatorId: number): number[] {
    return (
      this.db
        .prepare('SELECT role_id FROM operator_role WHERE operator_id = ? ORDER BY role_id')
        .all(operatorId) as { role_id: number }[]
    ).map((r) => r.role_id);
  }

  /** The operators holding a role. */
  withRole(roleId: number): OperatorRow[] {
    return this.db
      .prepare(
        'SELECT operator.* FROM operator JOIN operator_role ON operator_role.operator_id = operator.id WHERE role_id = ?',
      )
      .all(roleId) as OperatorRow[];
  }

  /** Takes one role from an operator. */
  removeRole(operatorId: number, roleId: number): void {
    this.db
      .prepare('DELETE FROM operator_role WHERE operator_id = ? AND role_id = ?')
      .run(operatorId, roleId);
  }

  /** Replaces the roles an operator holds. */
  setRoles(operatorId: number, roleIds: readonly number[]): void {
    this.db.prepare('DELETE FROM operator_role WHERE operator_id = ?').run(operatorId);
    const add = this.db.prepare('INSERT INTO operator_role (operator_id, role_id) VALUES (?, ?)');
    for (const roleId of new Set(roleIds)) add.run(operatorId, roleId);
  }

  /**
   * Applies `changes` if the operator is still at `version`; bumps the version. Returns false when the
   * operator is gone or was changed meanwhile.
   */
  update(
    id: number,
    version: number,
    changes: { displayName?: string; disabled?: boolean; externalId?: string },
    now: Date,
  ): boolean {
    const at = now.toISOString();
    const r = this.db
      .prepare(
        `UPDATE operator SET
           display_name = coalesce(@displayName, display_name),
           external_id = coalesce(@externalId, external_id),
           disabled_at = CASE @disabled WHEN 1 THEN coalesce(disabled_at, @at) WHEN 0 THEN NULL ELSE disabled_at END,
           updated_at = @at, version = version + 1
         WHERE id = @id AND version = @version`,
      )
      .run({
        id,
        version,
        at,
        displayName: changes.displayName ?? null,
        externalId: changes.externalId ?? null,
        disabled: changes.disabled === undefined ? null : changes.disabled ? 1 : 0,
      });
    return r.changes === 1;
  }

  /** Replaces a password hash; a reset makes the operator change it at next login. */
  setPasswordHash(
    id: number,
    hash: string,
    now: Date,
    opts: { mustChange: boolean; rehash?: boolean },
  ): void {
    const at = now.toISOString();
    if (opts.rehash) {
      // Same password, new parameters: not a change the operator made.
      this.db.prepare('UPDATE operator SET password_hash = ? WHERE id = ?').run(hash, id);
      return;
    }
    this.db
      .prepare(
        `UPDATE operator SET password_hash = ?, must_change_password = ?, password_changed_at = ?,
           updated_at = ?, version = version + 1 WHERE id = ?`,
      )
      .run(hash, opts.mustChange ? 1 : 0, at, at, id);
  }

  /** Records a successful login. */
  loggedIn(id: number, now: Date): void {
    this.db.prepare('UPDATE operator SET last_login_at = ? WHERE id = ?').run(now.toISOString(), id);
  }

  /** Deletes an operator still at `version` (their sessions go with them); false if stale or gone. */
  delete(id: number, version: number): boolean {
    return (
      this.db.prepare('DELETE FROM operator WHERE id = ? AND version = ?').run(id, version).changes === 1
    );
  }
}
