import type { Migration } from './migration.js';

/** Operators, their sessions, and the one-time token that creates the first administrator. */
export const m0002: Migration = {
  version: 2,
  name: 'operators-and-sessions',
  sql: `
    CREATE TABLE operator (
      id            INTEGER PRIMARY KEY,
      username      TEXT NOT NULL COLLATE NOCASE UNIQUE,
      display_name  TEXT NOT NULL,
      password_hash TEXT,
      role          TEXT NOT NULL,
      created_at    TEXT NOT NULL,
      updated_at    TEXT NOT NULL,
      disabled_at   TEXT,
      version       INTEGER NOT NULL DEFAULT 0
    ) STRICT;

    -- Only a hash of each session token is kept: a copy of the database opens no session.
    CREATE TABLE session (
      token_hash          BLOB PRIMARY KEY,
      operator_id         INTEGER NOT NULL REFERENCES operator(id) ON DELETE CASCADE,
      created_at          TEXT NOT NULL,
      last_seen_at        TEXT NOT NULL,
      idle_expires_at     TEXT NOT NULL,
      absolute_expires_at TEXT NOT NULL,
      source              TEXT NOT NULL
    ) STRICT;
    CREATE INDEX session_operator ON session(operator_id);

    CREATE TABLE setup_token (
      id         INTEGER PRIMARY KEY CHECK (id = 1),
      token_hash BLOB NOT NULL,
      created_at TEXT NOT NULL,
      expires_at TEXT NOT NULL
    ) STRICT;
  `,
};
