import type { Migration } from './migration.js';

/** The site itself, the record of which KEK is current, and the wrapped secrets. */
export const m0001: Migration = {
  version: 1,
  name: 'site-and-key-custody',
  sql: `
    CREATE TABLE schema_migration (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at TEXT NOT NULL
    ) STRICT;

    CREATE TABLE site (
      id         INTEGER PRIMARY KEY CHECK (id = 1),
      uuid       TEXT NOT NULL,
      name       TEXT NOT NULL,
      time_zone  TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      version    INTEGER NOT NULL DEFAULT 0
    ) STRICT;

    -- Which KEK the secrets below are sealed under. Rewrapped in the same transaction as the secrets,
    -- so an interrupted rekey can always tell which KEK is authoritative.
    CREATE TABLE key_custody (
      id         INTEGER PRIMARY KEY CHECK (id = 1),
      kek_id     TEXT NOT NULL,
      changed_at TEXT NOT NULL
    ) STRICT;

    -- Secrets sealed with the KEK (AES-256-GCM, purpose and key version as associated data).
    CREATE TABLE secret (
      purpose     TEXT NOT NULL,
      key_version INTEGER NOT NULL CHECK (key_version > 0),
      kek_id      TEXT NOT NULL,
      sealed      BLOB NOT NULL,
      created_at  TEXT NOT NULL,
      retired_at  TEXT,
      PRIMARY KEY (purpose, key_version)
    ) STRICT;
  `,
};
