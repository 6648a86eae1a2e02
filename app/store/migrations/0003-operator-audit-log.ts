import type { Migration } from './migration.js';

/** The operator audit log: who did what, when, from where. Append-only by convention and by trigger. */
export const m0003: Migration = {
  version: 3,
  name: 'operator-audit-log',
  sql: `
    CREATE TABLE audit_log (
      seq         INTEGER PRIMARY KEY,
      at          TEXT NOT NULL,
      operator_id INTEGER REFERENCES operator(id) ON DELETE SET NULL,
      actor       TEXT NOT NULL,
      action      TEXT NOT NULL,
      target      TEXT,
      detail      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail)),
      source      TEXT NOT NULL
    ) STRICT;
    CREATE INDEX audit_log_at ON audit_log(at);

    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
  `,
};
