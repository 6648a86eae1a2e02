/** Cardholders (the product's "users"), their access levels, keys (credentials) and the blacklist. */
export const cardholdersSql = `
  -- Timestamps are ISO-8601 UTC as toISOString() writes them, so text order is time order.
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
  -- One index per sortable column of users.list, so an unfiltered page is read in order and stops
  -- after LIMIT rows instead of sorting 100,000 (the rowid ends every index: the id tie-break is free).
  CREATE INDEX cardholder_last_first ON cardholder(last_name COLLATE NOCASE, first_name COLLATE NOCASE);
  CREATE INDEX cardholder_first_last ON cardholder(first_name COLLATE NOCASE, last_name COLLATE NOCASE);
  CREATE INDEX cardholder_department ON cardholder(
    department COLLATE NOCASE, last_name COLLATE NOCASE, first_name COLLATE NOCASE);
  CREATE INDEX cardholder_updated ON cardholder(updated_at);
  -- Words shorter than a trigram are matched with LIKE; scanning this narrow index of the searchable
  -- text (the same expression as the repository's SEARCH_TEXT) is about three times cheaper than the table.
  CREATE INDEX cardholder_search_text ON cardholder(
    first_name || char(31) || last_name || char(31) || coalesce(identifier, '') || char(31) || department);

  -- Substring search as you type: trigrams of the searchable columns, kept in step by triggers. The
  -- text itself stays in cardholder (external content), so the index adds only the trigram lists.
  CREATE VIRTUAL TABLE cardholder_search USING fts5(
    first_name, last_name, identifier, department,
    content='cardholder', content_rowid='id', tokenize='trigram remove_diacritics 1'
  );
  -- An import puts a row here inside its transaction: the insert trigger then leaves the index alone
  -- and the import indexes all its rows with one INSERT … SELECT before it commits, about five times
  -- cheaper than row by row. The row never outlives the transaction, so every commit is indexed.
  CREATE TABLE cardholder_search_deferred (id INTEGER PRIMARY KEY CHECK (id = 1)) STRICT;
  CREATE TRIGGER cardholder_search_insert AFTER INSERT ON cardholder
    WHEN NOT EXISTS (SELECT 1 FROM cardholder_search_deferred) BEGIN
    INSERT INTO cardholder_search (rowid, first_name, last_name, identifier, department)
      VALUES (NEW.id, NEW.first_name, NEW.last_name, NEW.identifier, NEW.department);
  END;
  CREATE TRIGGER cardholder_search_delete AFTER DELETE ON cardholder BEGIN
    INSERT INTO cardholder_search (cardholder_search, rowid, first_name, last_name, identifier, department)
      VALUES ('delete', OLD.id, OLD.first_name, OLD.last_name, OLD.identifier, OLD.department);
  END;
  CREATE TRIGGER cardholder_search_update
    AFTER UPDATE OF first_name, last_name, identifier, department ON cardholder BEGIN
    INSERT INTO cardholder_search (cardholder_search, rowid, first_name, last_name, identifier, department)
      VALUES ('delete', OLD.id, OLD.first_name, OLD.last_name, OLD.identifier, OLD.department);
    INSERT INTO cardholder_search (rowid, first_name, last_name, identifier, department)
      VALUES (NEW.id, NEW.first_name, NEW.last_name, NEW.identifier, NEW.department);
  END;

  CREATE TABLE cardholder_access_level (
    cardholder_id   INTEGER NOT NULL REFERENCES cardholder(id) ON DELETE CASCADE,
    access_level_id INTEGER NOT NULL REFERENCES access_level(id) ON DELETE RESTRICT,
    PRIMARY KEY (cardholder_id, access_level_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX cardholder_access_level_level ON cardholder_access_level(access_level_id);

  -- A key: a card (its UID) or later a mobile key. The credential id is what blacklists carry. A key
  -- outlives its cardholder (cardholder_id becomes NULL) because its blacklist entry must stay until
  -- the key could no longer open a door anyway.
  CREATE TABLE credential (
    id                 INTEGER PRIMARY KEY,
    cardholder_id      INTEGER REFERENCES cardholder(id) ON DELETE SET NULL,
    uid                TEXT NOT NULL
                         CHECK (uid NOT GLOB '*[^0-9A-F]*' AND length(uid) IN (8, 14, 20)),
    status             TEXT NOT NULL CHECK (status IN ('issued', 'needs-update', 'cancelled', 'expired')),
    expires_at         TEXT,
    revalidation_hours INTEGER CHECK (revalidation_hours IS NULL OR revalidation_hours BETWEEN 1 AND 8760),
    revalidated_at     TEXT,
    issued_at          TEXT NOT NULL,
    cancelled_at       TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    version            INTEGER NOT NULL DEFAULT 0,
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
  ) STRICT;
  -- A card is live under one key at a time; once that key is cancelled or expired, the same card
  -- may be issued again under a new credential id (doors blacklist ids, not UIDs).
  CREATE UNIQUE INDEX credential_live_uid ON credential(uid) WHERE status IN ('issued', 'needs-update');
  CREATE INDEX credential_cardholder ON credential(cardholder_id, status);
  CREATE INDEX credential_status ON credential(status);
  CREATE INDEX credential_cancelled ON credential(cancelled_at) WHERE cancelled_at IS NOT NULL;

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
