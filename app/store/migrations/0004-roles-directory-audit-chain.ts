import { AUDIT_GENESIS, auditEntryHash, type ChainedAuditRow } from '../audit-chain.js';
import type { Migration } from './migration.js';

const AUDIT_TRIGGERS = `
  CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
  CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
  CREATE TRIGGER audit_log_chained BEFORE INSERT ON audit_log WHEN NEW.hash IS NULL OR length(NEW.hash) <> 32
    BEGIN SELECT RAISE(ABORT, 'an audit entry needs its chain hash'); END;
`;

/**
 * Roles with partitions, operators holding several roles (local or from the directory), public session
 * ids, the directory settings, and the audit log's outcome column and hash chain.
 */
export const m0004: Migration = {
  version: 4,
  name: 'roles-directory-audit-chain',
  sql: `
    -- Built-in roles keep ids 1-4 and take their permissions from code; custom roles start at 101 so
    -- later built-ins have room.
    CREATE TABLE role (
      id          INTEGER PRIMARY KEY AUTOINCREMENT,
      name        TEXT NOT NULL COLLATE NOCASE UNIQUE,
      description TEXT NOT NULL DEFAULT '',
      builtin     INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1)),
      permissions TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(permissions) AND json_type(permissions) = 'array'),
      partitioned INTEGER NOT NULL DEFAULT 0 CHECK (partitioned IN (0, 1)),
      created_at  TEXT NOT NULL,
      updated_at  TEXT NOT NULL,
      version     INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    INSERT INTO role (id, name, builtin, created_at, updated_at)
      SELECT column1, column2, 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
      FROM (VALUES (1, 'administrator'), (2, 'operator'), (3, 'auditor'), (4, 'technician'));
    UPDATE sqlite_sequence SET seq = 100 WHERE name = 'role';

    -- Zones and doors arrive with the access model; their ids are kept here without a foreign key
    -- until those tables exist.
    CREATE TABLE role_partition (
      role_id   INTEGER NOT NULL REFERENCES role(id) ON DELETE CASCADE,
      kind      TEXT NOT NULL CHECK (kind IN ('zone', 'door')),
      target_id INTEGER NOT NULL CHECK (target_id > 0),
      PRIMARY KEY (role_id, kind, target_id)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE operator_role (
      operator_id INTEGER NOT NULL REFERENCES operator(id) ON DELETE CASCADE,
      role_id     INTEGER NOT NULL REFERENCES role(id) ON DELETE RESTRICT,
      PRIMARY KEY (operator_id, role_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX operator_role_role ON operator_role(role_id);
    INSERT INTO operator_role (operator_id, role_id)
      SELECT operator.id, role.id FROM operator JOIN role ON role.name = operator.role;
    ALTER TABLE operator DROP COLUMN role;
    ALTER TABLE operator ADD COLUMN source TEXT NOT NULL DEFAULT 'local' CHECK (source IN ('local', 'ldap'));
    -- The directory entry an LDAP operator came from (entryUUID, else the DN): a later directory sync
    -- matches accounts on it even after a rename.
    ALTER TABLE operator ADD COLUMN external_id TEXT;
    ALTER TABLE operator ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0
      CHECK (must_change_password IN (0, 1));
    ALTER TABLE operator ADD COLUMN password_changed_at TEXT;
    ALTER TABLE operator ADD COLUMN last_login_at TEXT;

    -- Sessions get a public id for listing and revoking; sessions from before it are ended.
    DELETE FROM session;
    ALTER TABLE session ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
    CREATE UNIQUE INDEX session_public_id ON session(public_id);

    -- One directory (LDAP / AD) for operator login; the bind password lives in the secret store.
    CREATE TABLE directory_settings (
      id         INTEGER PRIMARY KEY CHECK (id = 1),
      enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
      connection TEXT NOT NULL CHECK (json_valid(connection)),
      operators  TEXT NOT NULL CHECK (json_valid(operators)),
      updated_at TEXT NOT NULL,
      version    INTEGER NOT NULL
    ) STRICT;

    -- The audit log is rebuilt with an outcome and a chain hash per entry, and without its foreign key
    -- to operator: ON DELETE SET NULL would rewrite history (and break the chain) when an operator is
    -- deleted. The id stays as it was; the actor column keeps the name.
    DROP TRIGGER audit_log_no_update;
    DROP TRIGGER audit_log_no_delete;
    CREATE TABLE audit_log_v4 (
      seq         INTEGER PRIMARY KEY,
      at          TEXT NOT NULL,
      operator_id INTEGER,
      actor       TEXT NOT NULL,
      action      TEXT NOT NULL,
      target      TEXT,
      outcome     TEXT NOT NULL DEFAULT 'ok',
      detail      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail)),
      source      TEXT NOT NULL,
      hash        BLOB
    ) STRICT;
    INSERT INTO audit_log_v4 (seq, at, operator_id, actor, action, target, detail, source)
      SELECT seq, at, operator_id, actor, action, target, detail, source FROM audit_log;
    DROP TABLE audit_log;
    ALTER TABLE audit_log_v4 RENAME TO audit_log;
    CREATE INDEX audit_log_at ON audit_log(at);
    CREATE INDEX audit_log_actor ON audit_log(actor);
    CREATE INDEX audit_log_action ON audit_log(action);
  `,
  then(db) {
    // Chains the entries written before the chain existed, oldest first, then closes the log again.
    const rows = db
      .prepare(
        'SELECT seq, at, operator_id, actor, action, target, outcome, detail, source FROM audit_log ORDER BY seq',
      )
      .all() as ChainedAuditRow[];
    const update = db.prepare('UPDATE audit_log SET hash = ? WHERE seq = ?');
    let prev = AUDIT_GENESIS;
    for (const row of rows) {
      prev = auditEntryHash(prev, row);
      update.run(prev, row.seq);
    }
    db.exec(AUDIT_TRIGGERS);
  },
};
