import type { DirectoryConnection, OperatorDirectory } from '../contract/methods/directory.js';
import type { Db } from './sqlite.js';

/** The stored directory settings (the bind password is in the secret store). */
export interface DirectoryRecord {
  enabled: boolean;
  connection: DirectoryConnection | null;
  operators: OperatorDirectory | null;
  updatedAt: string | null;
  version: number;
}

/** The one directory (LDAP / AD) used for operator login. */
export class DirectoryRepo {
  constructor(private readonly db: Db) {}

  /** The settings; version 0 and nothing set before the first save. */
  get(): DirectoryRecord {
    const row = this.db.prepare('SELECT * FROM directory_settings WHERE id = 1').get() as
      | { enabled: 0 | 1; connection: string; operators: string; updated_at: string; version: number }
      | undefined;
    if (!row) return { enabled: false, connection: null, operators: null, updatedAt: null, version: 0 };
    return {
      enabled: row.enabled === 1,
      connection: JSON.parse(row.connection) as DirectoryConnection,
      operators: JSON.parse(row.operators) as OperatorDirectory,
      updatedAt: row.updated_at,
      version: row.version,
    };
  }

  /** Saves the settings if still at `version`; false when someone saved in between. */
  save(
    s: { enabled: boolean; connection: DirectoryConnection; operators: OperatorDirectory },
    version: number,
    now: Date,
  ): boolean {
    const args = {
      enabled: s.enabled ? 1 : 0,
      connection: JSON.stringify(s.connection),
      operators: JSON.stringify(s.operators),
      at: now.toISOString(),
      version,
    };
    if (version === 0) {
      return (
        this.db
          .prepare(
            `INSERT INTO directory_settings (id, enabled, connection, operators, updated_at, version)
             VALUES (1, @enabled, @connection, @operators, @at, 1) ON CONFLICT (id) DO NOTHING`,
          )
          .run(args).changes === 1
      );
    }
    return (
      this.db
        .prepare(
          `UPDATE directory_settings SET enabled = @enabled, connection = @connection, operators = @operators,
             updated_at = @at, version = version + 1 WHERE id = 1 AND version = @version`,
        )
        .run(args).changes === 1
    );
  }

  /** Whether any group maps to the role (a mapped role cannot be deleted). */
  mapsRole(roleId: number): boolean {
    return (this.get().operators?.groupRoles ?? []).some((g) => g.roleIds.includes(roleId));
  }
}
