/** Cardholders (the product's "users"), their access levels, keys (credentials) and the blacklist. */
export const cardholdersSql = `
  CREATE TABLE cardholder (
    id               INTEGER PRIMARY KEY,
    first_name       TEXT NOT NULL,
    last_name        TEXT NOT NULL,
    identifier       TEXT COLLATE NOCASE UNIQUE,
    department       TEXT NOT NULL DEFAULT '',
    valid_from       TEXT,
    valid_until      TEXT,
    pin_hash         TEXT,
    office           INTEGER NOT NULL DEFAULT 0 CHECK (office IN (0, 1)),
    privacy_override INTEGER NOT NULL DEFAULT 0 CHECK (privacy_override IN (0, 1)),
    extended_opening INTEGER NOT NULL DEFAULT 0 CHECK (extended_opening IN (0, 1)),
    notes            TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 0,
    CHECK (valid_from IS NULL OR valid_until IS NULL OR valid_from < valid_until)
  ) STRICT;
  CREATE INDEX cardholder_last_first ON cardholder(last_name COLLATE NOCASE, first_name COLLATE NOCASE);
  CREATE INDEX cardholder_department ON cardholder(department COLLATE NOCASE);

  CREATE TABLE cardholder_access_level (
    cardholder_id   INTEGER NOT NULL REFERENCES cardholder(id) ON DELETE CASCADE,
    access_level_id INTEGER NOT NULL REFERENCES access_level(id) ON DELETE RESTRICT,
    PRIMARY KEY (cardholder_id, access_level_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX cardholder_access_level_level ON cardholder_access_level(access_level_id);

  -- A key: a card (its UID) or later a mobile key. The credential id is what blacklists carry.
  CREATE TABLE credential (
    id                 INTEGER PRIMARY KEY,
    cardholder_id      INTEGER NOT NULL REFERENCES cardholder(id) ON DELETE RESTRICT,
    uid                TEXT NOT NULL UNIQUE CHECK (uid GLOB '[0-9A-F]*' AND length(uid) BETWEEN 8 AND 20),
    status             TEXT NOT NULL CHECK (status IN ('issued', 'needs-update', 'cancelled', 'expired')),
    expires_at         TEXT,
    revalidation_hours INTEGER CHECK (revalidation_hours IS NULL OR revalidation_hours BETWEEN 1 AND 8760),
    revalidated_at     TEXT,
    issued_at          TEXT NOT NULL,
    cancelled_at       TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    version            INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  CREATE INDEX credential_cardholder ON credential(cardholder_id);
  CREATE INDEX credential_status ON credential(status);

  -- Cancelled credentials, numbered in the order they were cancelled. AUTOINCREMENT: a sequence
  -- number is never reused, even after compaction removed the newest entry.
  CREATE TABLE blacklist (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    credential_id INTEGER NOT NULL UNIQUE REFERENCES credential(id) ON DELETE RESTRICT,
    expires_at    TEXT NOT NULL,
    added_at      TEXT NOT NULL
  ) STRICT;
  CREATE INDEX blacklist_expires ON blacklist(expires_at);
`;
