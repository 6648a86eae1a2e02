import type { Migration } from './migration.js';

/** A change-feed trigger body: one numbered change naming `key` of the row. */
const feed = (table: string, row: 'NEW' | 'OLD', key: string, op: string) =>
  `INSERT INTO change_log (entity, entity_id, op) VALUES ('${table}', ${row}.${key}, '${op}');`;

/** `n` lower-case hex digits, as a CHECK (SQLite has no regular expressions). */
const lowerHex = (column: string, n?: number) =>
  `(${n === undefined ? `length(${column}) > 0` : `length(${column}) = ${n}`} AND ${column} NOT GLOB '*[^0-9a-f]*')`;

/**
 * Mobile keys (issue 10): a phone carries a token sealed by the NCoder instead of a card.
 *
 * - `credential.medium`: a mobile key is a credential like a card (rights compile, keys.cancel, the
 *   blacklist and revalidation apply unchanged) whose UID is synthetic (random, 7 bytes).
 * - `offline_lock.public_key`: the X25519 identity an offline lock reported to the PPD (RF locks report
 *   theirs into rf_lock.public_key), which the group key is wrapped for.
 * - `mobile_invitation`: the one-time enrolment codes given to users (the code itself is never kept:
 *   the relay has its hash); `mobile_phone`: the phones that enrolled with them, as the relay reported.
 * - `mobile_key`: where each mobile key's token is on its way to the phone. The token is never stored:
 *   only its id (to match the relay's delivery reports and to revoke it). No foreign key to the phone:
 *   a key outlives a removed phone (its label is then unknown).
 * - `lock_group_key`: the mobile group key wrapped (by the NCoder) for the lock on a door, and the lock
 *   public key it was wrapped for (a lock swapped on the door needs a new wrap). In the change feed: the
 *   control unit of an RF lock carries it to the lock.
 * - `relay_config`: the relay the Service talks to (its service secret is the sealed site secret
 *   `mobile.relay-secret`, never a column), how far its enrolments and deliveries were read, and how
 *   the last contact went.
 */
export const m0012: Migration = {
  version: 12,
  name: 'mobile-keys',
  sql: `
    ALTER TABLE credential ADD COLUMN medium TEXT NOT NULL DEFAULT 'card' CHECK (medium IN ('card', 'mobile'));
    ALTER TABLE offline_lock ADD COLUMN public_key TEXT CHECK (public_key IS NULL OR ${lowerHex('public_key', 64)});

    CREATE TABLE mobile_invitation (
      invitation_id TEXT PRIMARY KEY,
      cardholder_id INTEGER NOT NULL REFERENCES cardholder(id) ON DELETE CASCADE,
      created_by    TEXT NOT NULL,
      created_at    TEXT NOT NULL,
      expires_at    TEXT NOT NULL,
      used_at       TEXT
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX mobile_invitation_cardholder ON mobile_invitation(cardholder_id);

    CREATE TABLE mobile_phone (
      phone_id          TEXT PRIMARY KEY,
      cardholder_id     INTEGER NOT NULL REFERENCES cardholder(id) ON DELETE CASCADE,
      invitation_id     TEXT NOT NULL,
      device_public_key TEXT NOT NULL CHECK (${lowerHex('device_public_key', 130)}),
      label             TEXT NOT NULL,
      enrolled_at       TEXT NOT NULL
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX mobile_phone_cardholder ON mobile_phone(cardholder_id);

    CREATE TABLE mobile_key (
      credential_id INTEGER PRIMARY KEY REFERENCES credential(id) ON DELETE CASCADE,
      phone_id      TEXT NOT NULL,
      token_id      TEXT NOT NULL UNIQUE CHECK (${lowerHex('token_id', 32)}),
      group_key_id  TEXT NOT NULL CHECK (${lowerHex('group_key_id', 16)}),
      not_after     TEXT NOT NULL,
      state         TEXT NOT NULL CHECK (state IN ('sent', 'delivered', 'lost', 'revoked')),
      sent_at       TEXT NOT NULL,
      delivered_at  TEXT,
      revoked_at    TEXT,
      -- When the relay confirmed a revocation (NULL while it must still be told: the poller retries).
      revoke_told_at TEXT,
      CHECK ((state = 'revoked') = (revoked_at IS NOT NULL))
    ) STRICT;
    CREATE INDEX mobile_key_phone ON mobile_key(phone_id);
    CREATE INDEX mobile_key_untold ON mobile_key(credential_id) WHERE state = 'revoked' AND revoke_told_at IS NULL;

    CREATE TABLE lock_group_key (
      door_id      INTEGER PRIMARY KEY REFERENCES door(id) ON DELETE CASCADE,
      group_key_id TEXT NOT NULL CHECK (${lowerHex('group_key_id', 16)}),
      wrapped      TEXT NOT NULL CHECK (${lowerHex('wrapped')}),
      public_key   TEXT NOT NULL CHECK (${lowerHex('public_key', 64)}),
      created_at   TEXT NOT NULL
    ) STRICT;

    CREATE TABLE relay_config (
      id              INTEGER PRIMARY KEY CHECK (id = 1),
      url             TEXT NOT NULL,
      fingerprint     TEXT NOT NULL,
      enrolment_seq   INTEGER NOT NULL DEFAULT 0 CHECK (enrolment_seq >= 0),
      delivery_seq    INTEGER NOT NULL DEFAULT 0 CHECK (delivery_seq >= 0),
      last_contact_at TEXT,
      last_error      TEXT,
      last_error_at   TEXT,
      updated_at      TEXT NOT NULL
    ) STRICT;

    CREATE TRIGGER feed_lock_group_key_insert AFTER INSERT ON lock_group_key
      BEGIN ${feed('lock_group_key', 'NEW', 'door_id', 'insert')} END;
    CREATE TRIGGER feed_lock_group_key_update AFTER UPDATE ON lock_group_key
      WHEN OLD.group_key_id IS NOT NEW.group_key_id OR OLD.wrapped IS NOT NEW.wrapped
      BEGIN ${feed('lock_group_key', 'NEW', 'door_id', 'update')} END;
    CREATE TRIGGER feed_lock_group_key_delete AFTER DELETE ON lock_group_key
      BEGIN ${feed('lock_group_key', 'OLD', 'door_id', 'delete')} END;
  `,
};
