import type { Migration } from './migration.js';

/**
 * Offline locks and the PPD that visits them (issue 9).
 *
 * - `offline_lock`: each offline door's lock as its last PPD visit found it. The Service never talks to
 *   these locks, so this is all it knows: what it holds (key version, configuration, blacklist), its
 *   battery, its clock (the drift measured when the PPD last set it and the rate that implies, so the
 *   list can tell when it has likely drifted again) and the newest audit record imported from it
 *   (`audit_seq`: each (lock, seq) is imported once, however often a PPD is synced).
 * - `ppd`: the PPDs paired with the site. The pairing key is a site secret (`ppd.pairing/<serial>`,
 *   envelope-encrypted as the NCoder's), never a column.
 * - `ppd_round` / `ppd_round_door`: the rounds loaded into a PPD and what each task carried (so an
 *   imported visit knows which configuration and keys the lock now holds). A round's bytes hold lock
 *   keys: they live as a sealed site secret (`ppd.round/<id>`) only while the load may need resuming.
 * - `lock_visit`: what each visit brought back, as imported.
 *
 * None of these is in the change feed: nothing here is replicated to online devices.
 */
export const m0010: Migration = {
  version: 10,
  name: 'offline-locks',
  sql: `
    CREATE TABLE offline_lock (
      door_id             INTEGER PRIMARY KEY REFERENCES door(id) ON DELETE CASCADE,
      serial              TEXT,
      firmware            TEXT,
      -- 0: the factory key (never initialised).
      key_version         INTEGER NOT NULL DEFAULT 0 CHECK (key_version BETWEEN 0 AND 255),
      card_key_version    INTEGER CHECK (card_key_version IS NULL OR card_key_version BETWEEN 0 AND 255),
      revision            INTEGER NOT NULL DEFAULT 0 CHECK (revision >= 0),
      -- SHA-256 of the door tables it holds (without their revision), to tell a real change from a
      -- revision moved by something else in the site.
      config_digest       BLOB CHECK (config_digest IS NULL OR length(config_digest) = 32),
      blacklist_seq       INTEGER NOT NULL DEFAULT 0 CHECK (blacklist_seq >= 0),
      blacklist_size      INTEGER NOT NULL DEFAULT 0 CHECK (blacklist_size >= 0),
      blacklist_capacity  INTEGER CHECK (blacklist_capacity IS NULL OR blacklist_capacity > 0),
      battery             INTEGER CHECK (battery IS NULL OR battery BETWEEN 0 AND 100),
      -- Its clock minus the PPD's when last measured (seconds; positive: it ran fast).
      clock_drift_seconds INTEGER,
      -- What was left of that drift after the visit (0 when the PPD set the clock).
      clock_offset_seconds INTEGER,
      -- Seconds gained per second, measured between two settings of the clock.
      drift_rate          REAL,
      -- When the PPD last set its clock (epoch seconds).
      clock_set_at        INTEGER,
      last_visit_at       TEXT,
      initialised_at      TEXT,
      audit_seq           INTEGER NOT NULL DEFAULT 0 CHECK (audit_seq >= 0),
      updated_at          TEXT NOT NULL
    ) STRICT;

    CREATE TABLE ppd (
      serial    TEXT PRIMARY KEY,
      paired_at TEXT NOT NULL,
      paired_by TEXT NOT NULL
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE ppd_round (
      round_id          TEXT PRIMARY KEY,
      ppd_serial        TEXT NOT NULL,
      created_at        TEXT NOT NULL,
      created_by        TEXT NOT NULL,
      operator_id       INTEGER,
      emergency_door_id INTEGER,
      state             TEXT NOT NULL CHECK (state IN ('loading', 'loaded', 'synced', 'replaced')),
      -- What it was asked for (sorted door ids and the emergency), to resume a cut load with the same bytes.
      request           TEXT NOT NULL,
      -- The site as the round was built: a resumed load is the same only if neither moved.
      revision          INTEGER NOT NULL,
      blacklist_seq     INTEGER NOT NULL,
      digest            BLOB NOT NULL CHECK (length(digest) = 32),
      total_bytes       INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX ppd_round_ppd ON ppd_round(ppd_serial, state);
    CREATE INDEX ppd_round_created ON ppd_round(created_at);

    CREATE TABLE ppd_round_door (
      round_id         TEXT NOT NULL REFERENCES ppd_round(round_id) ON DELETE CASCADE,
      door_id          INTEGER NOT NULL,
      position         INTEGER NOT NULL,
      -- The update the task carried (NULL: none): the revision, tables digest and blacklist it loads.
      revision         INTEGER,
      config_digest    BLOB,
      blacklist_seq    INTEGER,
      new_key_version  INTEGER,
      card_key_version INTEGER,
      PRIMARY KEY (round_id, door_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX ppd_round_door_door ON ppd_round_door(door_id);

    CREATE TABLE lock_visit (
      id             INTEGER PRIMARY KEY,
      round_id       TEXT NOT NULL,
      door_id        INTEGER NOT NULL,
      door_name      TEXT NOT NULL,
      ppd_serial     TEXT NOT NULL,
      visited_at     TEXT NOT NULL,
      outcome        TEXT NOT NULL CHECK (outcome IN ('updated', 'collected', 'emergency-opened', 'failed')),
      error          TEXT,
      lock_serial    TEXT,
      audit_imported INTEGER NOT NULL DEFAULT 0 CHECK (audit_imported >= 0),
      imported_at    TEXT NOT NULL
    ) STRICT;
    -- A PPD pulled after the import but before it forgot its results brings them again: imported once.
    CREATE UNIQUE INDEX lock_visit_once ON lock_visit(round_id, door_id, visited_at);
    CREATE INDEX lock_visit_door ON lock_visit(door_id, visited_at);
  `,
};
