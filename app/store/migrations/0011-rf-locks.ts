import type { Migration } from './migration.js';

/** A change-feed trigger body: one numbered change naming `key` of the row. */
const feed = (table: string, row: 'NEW' | 'OLD', key: string, op: string) =>
  `INSERT INTO change_log (entity, entity_id, op) VALUES ('${table}', ${row}.${key}, '${op}');`;

/** 16 upper-case hex digits, as a GLOB (SQLite has no regular expressions). */
const EUI64_GLOB = `'${'[0-9A-F]'.repeat(16)}'`;

/**
 * RF locks (issue 10): battery locks on doors of kind `rf`, served over the radio by the RF node of a
 * control unit.
 *
 * - `rf_lock`: one per rf door. `unit_id` is the control unit whose RF node serves it, `eui64` its radio
 *   address. While it has not joined, its one-time join key is a sealed site secret (`rf.join/<door>`)
 *   and `join_issued_at` says when it was issued (`join_revision`: in which revision); all go once the lock reports it joined
 *   (`joined_at`). `public_key` is its X25519 identity (for mobile keys), `status` the last RF lock
 *   status its unit reported (JSON, as app/devices/protocol.ts RfLockStatus).
 * - `rf_network`: the RF network of one control unit, made with its first RF lock: the version of the
 *   network key (HKDF of the site master key, app/service/rf-keys.ts) and its 802.15.4 PAN id.
 *
 * What the control unit holds (which lock, its address, whether a join key is outstanding, the network)
 * is in the change feed, so the unit resyncs; what it reports back (status, public key, last heard) is
 * not, or every report would make every device resync.
 */
export const m0011: Migration = {
  version: 11,
  name: 'rf-locks',
  sql: `
    CREATE TABLE rf_lock (
      door_id        INTEGER PRIMARY KEY REFERENCES door(id) ON DELETE CASCADE,
      unit_id        INTEGER NOT NULL REFERENCES device(id) ON DELETE CASCADE,
      eui64          TEXT NOT NULL UNIQUE CHECK (eui64 GLOB ${EUI64_GLOB}),
      join_issued_at TEXT,
      -- The change-feed revision that carried the join key: a report of "joined" from a unit holding an
      -- older configuration is about an earlier join (before a rejoin) and does not spend the new key.
      join_revision  INTEGER,
      joined_at      TEXT,
      public_key     TEXT CHECK (public_key IS NULL OR (length(public_key) = 64 AND public_key NOT GLOB '*[^0-9a-f]*')),
      status         TEXT CHECK (status IS NULL OR json_valid(status)),
      status_at      TEXT,
      created_at     TEXT NOT NULL,
      updated_at     TEXT NOT NULL
    ) STRICT;
    CREATE INDEX rf_lock_unit ON rf_lock(unit_id);

    -- An RF lock hangs off a control unit's RF node, never a gateway's.
    CREATE TRIGGER rf_lock_unit_insert BEFORE INSERT ON rf_lock
      WHEN (SELECT kind FROM device WHERE id = NEW.unit_id) IS NOT 'control-unit'
      BEGIN SELECT RAISE(ABORT, 'rf_lock: an RF lock belongs to a control unit'); END;
    CREATE TRIGGER rf_lock_unit_update BEFORE UPDATE OF unit_id ON rf_lock
      WHEN (SELECT kind FROM device WHERE id = NEW.unit_id) IS NOT 'control-unit'
      BEGIN SELECT RAISE(ABORT, 'rf_lock: an RF lock belongs to a control unit'); END;

    -- Only an rf door has an RF lock, and it stays one while it has.
    CREATE TRIGGER rf_lock_door_insert BEFORE INSERT ON rf_lock
      WHEN (SELECT kind FROM door WHERE id = NEW.door_id) IS NOT 'rf'
      BEGIN SELECT RAISE(ABORT, 'rf_lock: an RF lock is on a door of kind rf'); END;
    CREATE TRIGGER rf_lock_door_kind BEFORE UPDATE OF kind ON door
      WHEN NEW.kind IS NOT 'rf' AND EXISTS (SELECT 1 FROM rf_lock WHERE door_id = NEW.id)
      BEGIN SELECT RAISE(ABORT, 'door: remove its RF lock (rf.locks.remove) before changing its kind'); END;

    -- A lock removed however (its door or unit deleted too) leaves no join key behind.
    CREATE TRIGGER rf_lock_forget_join_key AFTER DELETE ON rf_lock
      BEGIN DELETE FROM secret WHERE purpose = 'rf.join/' || OLD.door_id; END;

    CREATE TABLE rf_network (
      unit_id     INTEGER PRIMARY KEY REFERENCES device(id) ON DELETE CASCADE,
      key_version INTEGER NOT NULL DEFAULT 1 CHECK (key_version BETWEEN 1 AND 255),
      -- 0xFFFF is the broadcast PAN id, never a network's own.
      pan_id      INTEGER NOT NULL UNIQUE CHECK (pan_id BETWEEN 0 AND 65534),
      created_at  TEXT NOT NULL
    ) STRICT;

    CREATE TRIGGER feed_rf_lock_insert AFTER INSERT ON rf_lock
      BEGIN ${feed('rf_lock', 'NEW', 'door_id', 'insert')} END;
    CREATE TRIGGER feed_rf_lock_update AFTER UPDATE ON rf_lock
      WHEN OLD.unit_id IS NOT NEW.unit_id OR OLD.eui64 IS NOT NEW.eui64
        OR OLD.join_issued_at IS NOT NEW.join_issued_at
        -- A rejoin clears the revision of the key it replaces (noting the new one's is not a change).
        OR (OLD.join_revision IS NOT NULL AND NEW.join_revision IS NULL)
      BEGIN ${feed('rf_lock', 'NEW', 'door_id', 'update')} END;
    CREATE TRIGGER feed_rf_lock_delete AFTER DELETE ON rf_lock
      BEGIN ${feed('rf_lock', 'OLD', 'door_id', 'delete')} END;
    CREATE TRIGGER feed_rf_network_insert AFTER INSERT ON rf_network
      BEGIN ${feed('rf_network', 'NEW', 'unit_id', 'insert')} END;
    CREATE TRIGGER feed_rf_network_update AFTER UPDATE ON rf_network
      WHEN OLD.key_version IS NOT NEW.key_version OR OLD.pan_id IS NOT NEW.pan_id
      BEGIN ${feed('rf_network', 'NEW', 'unit_id', 'update')} END;
  `,
};
