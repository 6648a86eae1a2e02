import type { Migration } from './migration.js';

/** A change-feed trigger body: one numbered change naming `key` of the row. */
const feed = (table: string, row: 'NEW' | 'OLD', key: string, op: string) =>
  `INSERT INTO change_log (entity, entity_id, op) VALUES ('${table}', ${row}.${key}, '${op}');`;

/**
 * Gateways and control units (the online side of the site) and the wall readers of control units.
 *
 * A device is registered first (no key) and pinned when it enrols with its one-time pairing code: its
 * Noise static key goes into `public_key`; the pairing code while outstanding and the link psk after
 * enrolment are site secrets (envelope-encrypted), never columns. `events_high_water` is the highest
 * event number stored from the device (exactly-once intake, app/devices/event-sequence.ts); it moves in
 * the same transaction as the events.
 *
 * Both tables are in the change feed, so a reader change (or a unit paired behind a gateway) bumps the
 * revision and the devices concerned resync. Only the columns devices hold are fed: a status report
 * (last_seen_at, address) or an event batch (events_high_water) must not make every device resync.
 */
export const m0008: Migration = {
  version: 8,
  name: 'devices',
  sql: `
    CREATE TABLE device (
      id                 INTEGER PRIMARY KEY,
      kind               TEXT NOT NULL CHECK (kind IN ('gateway', 'control-unit')),
      name               TEXT NOT NULL COLLATE NOCASE UNIQUE,
      -- The gateway a control unit reports through; NULL: straight to the Service.
      gateway_id         INTEGER REFERENCES device(id) ON DELETE RESTRICT,
      public_key         BLOB UNIQUE CHECK (public_key IS NULL OR length(public_key) = 32),
      paired_at          TEXT,
      pairing_expires_at TEXT,
      last_seen_at       TEXT,
      -- host:port it was last heard from (direct devices only).
      address            TEXT,
      -- The UDP port a gateway serves its control units on (from its enrolment).
      listen_port        INTEGER CHECK (listen_port IS NULL OR listen_port BETWEEN 1 AND 65535),
      software_version   TEXT,
      events_high_water  INTEGER NOT NULL DEFAULT 0 CHECK (events_high_water >= 0),
      created_at         TEXT NOT NULL,
      updated_at         TEXT NOT NULL,
      version            INTEGER NOT NULL DEFAULT 0,
      CHECK (gateway_id IS NULL OR kind = 'control-unit'),
      CHECK ((public_key IS NULL) = (paired_at IS NULL))
    ) STRICT;
    CREATE INDEX device_gateway ON device(gateway_id);

    -- A control unit's gateway must be a gateway, and a device never changes kind.
    CREATE TRIGGER device_gateway_kind_insert BEFORE INSERT ON device
      WHEN NEW.gateway_id IS NOT NULL AND (SELECT kind FROM device WHERE id = NEW.gateway_id) IS NOT 'gateway'
      BEGIN SELECT RAISE(ABORT, 'device: gateway_id must name a gateway'); END;
    CREATE TRIGGER device_gateway_kind_update BEFORE UPDATE OF gateway_id ON device
      WHEN NEW.gateway_id IS NOT NULL AND (SELECT kind FROM device WHERE id = NEW.gateway_id) IS NOT 'gateway'
      BEGIN SELECT RAISE(ABORT, 'device: gateway_id must name a gateway'); END;
    CREATE TRIGGER device_kind_fixed BEFORE UPDATE OF kind ON device WHEN NEW.kind IS NOT OLD.kind
      BEGIN SELECT RAISE(ABORT, 'device: a device does not change kind'); END;

    -- One wall reader on a control unit's RS485 line, and the door it opens (a door has one reader).
    CREATE TABLE device_reader (
      device_id INTEGER NOT NULL REFERENCES device(id) ON DELETE CASCADE,
      address   INTEGER NOT NULL CHECK (address BETWEEN 0 AND 126),
      door_id   INTEGER NOT NULL UNIQUE REFERENCES door(id) ON DELETE RESTRICT,
      PRIMARY KEY (device_id, address)
    ) STRICT, WITHOUT ROWID;
    CREATE TRIGGER device_reader_unit_insert BEFORE INSERT ON device_reader
      WHEN (SELECT kind FROM device WHERE id = NEW.device_id) IS NOT 'control-unit'
      BEGIN SELECT RAISE(ABORT, 'device_reader: readers belong to control units'); END;
    CREATE TRIGGER device_reader_unit_update BEFORE UPDATE OF device_id ON device_reader
      WHEN (SELECT kind FROM device WHERE id = NEW.device_id) IS NOT 'control-unit'
      BEGIN SELECT RAISE(ABORT, 'device_reader: readers belong to control units'); END;

    CREATE TRIGGER feed_device_insert AFTER INSERT ON device
      BEGIN ${feed('device', 'NEW', 'id', 'insert')} END;
    CREATE TRIGGER feed_device_update AFTER UPDATE ON device
      WHEN OLD.name IS NOT NEW.name OR OLD.gateway_id IS NOT NEW.gateway_id
        OR OLD.public_key IS NOT NEW.public_key OR OLD.paired_at IS NOT NEW.paired_at
      BEGIN ${feed('device', 'NEW', 'id', 'update')} END;
    CREATE TRIGGER feed_device_delete AFTER DELETE ON device
      BEGIN ${feed('device', 'OLD', 'id', 'delete')} END;
    CREATE TRIGGER feed_device_reader_insert AFTER INSERT ON device_reader
      BEGIN ${feed('device_reader', 'NEW', 'device_id', 'insert')} END;
    CREATE TRIGGER feed_device_reader_update AFTER UPDATE ON device_reader
      BEGIN ${feed('device_reader', 'NEW', 'device_id', 'update')} END;
    CREATE TRIGGER feed_device_reader_delete AFTER DELETE ON device_reader
      BEGIN ${feed('device_reader', 'OLD', 'device_id', 'delete')} END;
  `,
};
