import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/temp-site.js';
import { AuditRepo } from '../audit-repo.js';
import { StoreError } from '../errors.js';
import { integrityProblems, openEncrypted, tune, type Db } from '../sqlite.js';
import { LATEST_SCHEMA_VERSION, assertKnownSchema, migrate, migrations, schemaVersion } from './index.js';

const now = () => new Date('2026-11-29T10:00:00Z');
const open: Db[] = [];

function freshDb(): Db {
  const db = openEncrypted(path.join(tempDir(), 'm.db'), randomBytes(32), { create: true });
  tune(db);
  open.push(db);
  return db;
}

afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
});

/** Rows written at version N-1 that migration N must carry over; and what to assert after it. */
const steps: Record<number, { before: (db: Db) => void; after: (db: Db) => void }> = {
  1: {
    before: () => {},
    after: (db) => {
      db.prepare(
        "INSERT INTO site (id, uuid, name, time_zone, created_at, updated_at) VALUES (1, 'u', 'S', 'UTC', 'a', 'a')",
      ).run();
      expect(() =>
        db
          .prepare(
            "INSERT INTO site (id, uuid, name, time_zone, created_at, updated_at) VALUES (2, 'u', 'S', 'UTC', 'a', 'a')",
          )
          .run(),
      ).toThrow(/CHECK/);
      expect(() =>
        db
          .prepare(
            "INSERT INTO secret (purpose, key_version, kek_id, sealed, created_at) VALUES ('p', 'one', 'k', x'00', 'a')",
          )
          .run(),
      ).toThrow(/cannot store TEXT value in INTEGER/);
    },
  },
  2: {
    before: (db) => {
      db.prepare(
        "INSERT INTO site (id, uuid, name, time_zone, created_at, updated_at) VALUES (1, 'u', 'Kept', 'UTC', 'a', 'a')",
      ).run();
      db.prepare(
        "INSERT INTO secret (purpose, key_version, kek_id, sealed, created_at) VALUES ('site.master', 1, 'k', x'0102', 'a')",
      ).run();
    },
    after: (db) => {
      expect(db.prepare('SELECT name FROM site').get()).toEqual({ name: 'Kept' });
      expect(db.prepare('SELECT count(*) AS n FROM secret').get()).toEqual({ n: 1 });
      db.prepare(
        "INSERT INTO operator (username, display_name, role, created_at, updated_at) VALUES ('Admin', 'A', 'administrator', 'a', 'a')",
      ).run();
      expect(() =>
        db
          .prepare(
            "INSERT INTO operator (username, display_name, role, created_at, updated_at) VALUES ('admin', 'B', 'administrator', 'a', 'a')",
          )
          .run(),
      ).toThrow(/UNIQUE/);
      expect(() =>
        db.prepare("INSERT INTO session VALUES (x'01', 999, 'a', 'a', 'b', 'b', 's')").run(),
      ).toThrow(/FOREIGN KEY/);
    },
  },
  3: {
    before: (db) => {
      db.prepare(
        "INSERT INTO operator (id, username, display_name, role, created_at, updated_at) VALUES (7, 'ops', 'O', 'administrator', 'a', 'a')",
      ).run();
      db.prepare("INSERT INTO session VALUES (x'01', 7, 'a', 'a', 'z', 'z', 's')").run();
    },
    after: (db) => {
      expect(db.prepare('SELECT operator_id FROM session').get()).toEqual({ operator_id: 7 });
      db.prepare(
        "INSERT INTO audit_log (at, operator_id, actor, action, source) VALUES ('a', 7, 'ops', 'x', 'cli')",
      ).run();
      expect(() => db.prepare("UPDATE audit_log SET action = 'y'").run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
      expect(() =>
        db
          .prepare(
            "INSERT INTO audit_log (at, actor, action, source, detail) VALUES ('a', 'x', 'y', 'z', 'not json')",
          )
          .run(),
      ).toThrow(/CHECK/);
    },
  },
  4: {
    before: (db) => {
      db.prepare(
        "INSERT INTO operator (id, username, display_name, role, created_at, updated_at) VALUES (7, 'ops', 'O', 'administrator', 'a', 'a')",
      ).run();
      db.prepare("INSERT INTO session VALUES (x'01', 7, 'a', 'a', 'z', 'z', 's')").run();
      for (const action of ['setup.createAdmin', 'session.login'])
        db.prepare(
          "INSERT INTO audit_log (at, operator_id, actor, action, source) VALUES ('2026-01-01T00:00:00Z', 7, 'ops', ?, 'cli')",
        ).run(action);
    },
    after: (db) => {
      expect(db.prepare('SELECT operator_id, role_id FROM operator_role').all()).toEqual([
        { operator_id: 7, role_id: 1 },
      ]);
      expect(db.prepare('SELECT id, name FROM role ORDER BY id').all()).toEqual([
        { id: 1, name: 'administrator' },
        { id: 2, name: 'operator' },
        { id: 3, name: 'auditor' },
        { id: 4, name: 'technician' },
      ]);
      expect(db.prepare('SELECT source, must_change_password FROM operator WHERE id = 7').get()).toEqual({
        source: 'local',
        must_change_password: 0,
      });
      // Sessions from before public ids are ended.
      expect(db.prepare('SELECT count(*) AS n FROM session').get()).toEqual({ n: 0 });
      // Custom roles start after the room kept for built-ins.
      db.prepare("INSERT INTO role (name, created_at, updated_at) VALUES ('custom', 'a', 'a')").run();
      expect(db.prepare("SELECT id FROM role WHERE name = 'custom'").get()).toEqual({ id: 101 });
      // The entries written before the chain are chained now, and the log is closed again.
      const audit = new AuditRepo(db);
      expect(audit.verify()).toMatchObject({ ok: true, entries: 2, head: { seq: 2 } });
      expect(() => db.prepare("UPDATE audit_log SET actor = 'x'").run()).toThrow(/append-only/);
      expect(() =>
        db.prepare("INSERT INTO audit_log (at, actor, action, source) VALUES ('a', 'x', 'y', 'z')").run(),
      ).toThrow(/chain hash/);
      audit.append({ at: '2026-01-02T00:00:00Z', operatorId: 7, actor: 'ops', action: 'x', source: 'cli' });
      expect(audit.verify()).toMatchObject({ ok: true, entries: 3 });
    },
  },
  5: {
    before: (db) => {
      new AuditRepo(db).append({ at: 'a', operatorId: null, actor: 'x', action: 'y', source: 'cli' });
    },
    after: (db) => {
      expect(new AuditRepo(db).verify()).toMatchObject({ ok: true, entries: 1 });
      expect(db.prepare('SELECT id, name FROM calendar').all()).toEqual([{ id: 1, name: 'Site calendar' }]);
      expect(() => db.prepare("INSERT INTO calendar_day VALUES (1, '25/12/2026', 'holiday')").run()).toThrow(
        /CHECK/,
      );
      expect(() => db.prepare("INSERT INTO calendar_day VALUES (1, '2026-12-25', 'party')").run()).toThrow(
        /CHECK/,
      );
      expect(() =>
        db
          .prepare(
            "INSERT INTO time_period (name, rules, created_at, updated_at) VALUES ('x', 'nope', 'a', 'a')",
          )
          .run(),
      ).toThrow(/CHECK/);
    },
  },
  6: {
    before: (db) => {
      db.prepare(
        "INSERT INTO time_period (id, name, rules, created_at, updated_at) VALUES (1, 'p', '{}', 'a', 'a')",
      ).run();
    },
    after: (db) => {
      // Schedules written before the feed existed stay; changes from now on are numbered.
      db.prepare("UPDATE time_period SET name = 'q' WHERE id = 1").run();
      db.prepare(
        "INSERT INTO door (id, name, kind, created_at, updated_at) VALUES (5, 'Main', 'online', 'a', 'a')",
      ).run();
      expect(db.prepare('SELECT entity, entity_id, op FROM change_log ORDER BY revision').all()).toEqual([
        { entity: 'time_period', entity_id: 1, op: 'update' },
        { entity: 'door', entity_id: 5, op: 'insert' },
      ]);
      expect(() =>
        db
          .prepare(
            'INSERT INTO access_level_right (access_level_id, door_id, zone_id, period_id) VALUES (1, 5, 5, 1)',
          )
          .run(),
      ).toThrow(/CHECK|FOREIGN/);
      expect(() =>
        db
          .prepare(
            "INSERT INTO door (name, kind, open_mode, created_at, updated_at) VALUES ('T', 'rf', 'timed-office', 'a', 'a')",
          )
          .run(),
      ).toThrow(/CHECK/);
    },
  },
  7: {
    before: (db) => {
      db.prepare(
        "INSERT INTO cardholder (id, first_name, last_name, created_at, updated_at) VALUES (1, 'A', 'B', 'a', 'a')",
      ).run();
      db.prepare(
        `INSERT INTO credential (id, cardholder_id, uid, status, issued_at, created_at, updated_at)
         VALUES (11, 1, '01020304', 'issued', 'a', 'a', 'a')`,
      ).run();
      const insert = db.prepare(
        "INSERT INTO access_event (at, kind, cardholder_id, credential_id, source) VALUES (1, 'access-granted', ?, ?, 'gw')",
      );
      insert.run(null, 11);
      insert.run(7, 11);
      insert.run(7, null);
      insert.run(null, 404);
    },
    after: (db) => {
      // Every event naming a known key now names its holder; the others are as they were.
      expect(db.prepare('SELECT cardholder_id, credential_id FROM access_event ORDER BY id').all()).toEqual([
        { cardholder_id: 1, credential_id: 11 },
        { cardholder_id: 1, credential_id: 11 },
        { cardholder_id: 7, credential_id: null },
        { cardholder_id: null, credential_id: 404 },
      ]);
      expect(
        db.prepare("SELECT name FROM sqlite_schema WHERE name = 'access_event_credential'").get(),
      ).toBeUndefined();
    },
  },
  8: {
    before: (db) => {
      db.prepare(
        "INSERT INTO door (id, name, kind, created_at, updated_at) VALUES (1, 'Front', 'online', 'a', 'a')",
      ).run();
    },
    after: (db) => {
      const revision = () => db.prepare('SELECT coalesce(max(revision), 0) FROM change_log').pluck().get();
      const device = db.prepare(
        'INSERT INTO device (id, kind, name, gateway_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      );
      device.run(1, 'gateway', 'GW', null, 'a', 'a');
      device.run(2, 'control-unit', 'CU', 1, 'a', 'a');
      expect(() => device.run(3, 'control-unit', 'CU2', 2, 'a', 'a')).toThrow(/must name a gateway/);
      expect(() => device.run(4, 'gateway', 'gw', null, 'a', 'a')).toThrow(/UNIQUE/);
      expect(() => device.run(5, 'gateway', 'GW2', 1, 'a', 'a')).toThrow(/CHECK/);
      const reader = db.prepare('INSERT INTO device_reader (device_id, address, door_id) VALUES (?, ?, ?)');
      expect(() => reader.run(1, 0, 1)).toThrow(/belong to control units/);
      const before = revision();
      reader.run(2, 0, 1);
      expect(revision()).toBeGreaterThan(before as number);
      expect(() => reader.run(2, 1, 1)).toThrow(/UNIQUE/);
      expect(() => reader.run(2, 127, 1)).toThrow(/CHECK/);
      // Status and event intake do not feed; pinning a key does.
      const fed = revision();
      db.prepare(
        "UPDATE device SET last_seen_at = 'b', address = 'h:1', events_high_water = 5 WHERE id = 2",
      ).run();
      expect(revision()).toBe(fed);
      db.prepare("UPDATE device SET public_key = zeroblob(32), paired_at = 'b' WHERE id = 2").run();
      expect(revision()).toBeGreaterThan(fed as number);
      expect(() => db.prepare('DELETE FROM device WHERE id = 1').run()).toThrow(/FOREIGN KEY/);
      expect(() => db.prepare('DELETE FROM door WHERE id = 1').run()).toThrow(/FOREIGN KEY/);
      db.prepare('DELETE FROM device WHERE id = 2').run();
      expect(db.prepare('SELECT count(*) FROM device_reader').pluck().get()).toBe(0);
      expect(() => db.prepare("UPDATE device SET kind = 'control-unit' WHERE id = 1").run()).toThrow(
        /does not change kind/,
      );
    },
  },
  9: {
    before: (db) => {
      db.prepare(
        "INSERT INTO cardholder (id, first_name, last_name, created_at, updated_at) VALUES (1, 'A', 'B', 'a', 'a')",
      ).run();
    },
    after: (db) => {
      expect(db.prepare('SELECT finger_template FROM cardholder WHERE id = 1').pluck().get()).toBeNull();
      const revision = () => db.prepare('SELECT coalesce(max(revision), 0) FROM change_log').pluck().get();
      const before = revision();
      db.prepare("UPDATE cardholder SET finger_template = x'0102' WHERE id = 1").run();
      expect(revision()).toBeGreaterThan(before as number);
      expect(db.prepare('SELECT hex(finger_template) FROM cardholder WHERE id = 1').pluck().get()).toBe(
        '0102',
      );
      expect(() => db.prepare("UPDATE cardholder SET finger_template = x'' WHERE id = 1").run()).toThrow(
        /CHECK/,
      );
      expect(() =>
        db.prepare('UPDATE cardholder SET finger_template = zeroblob(1025) WHERE id = 1').run(),
      ).toThrow(/CHECK/);
      expect(() => db.prepare("UPDATE cardholder SET finger_template = 'ab' WHERE id = 1").run()).toThrow(
        /cannot store TEXT value in BLOB/,
      );
    },
  },
  10: {
    before: (db) => {
      db.prepare(
        "INSERT INTO door (id, name, kind, created_at, updated_at) VALUES (1, 'Store', 'offline', 'a', 'a')",
      ).run();
    },
    after: (db) => {
      const revision = () => db.prepare('SELECT coalesce(max(revision), 0) FROM change_log').pluck().get();
      const fed = revision();
      db.prepare("INSERT INTO offline_lock (door_id, updated_at) VALUES (1, 'a')").run();
      db.prepare(
        'UPDATE offline_lock SET key_version = 1, audit_seq = 7, battery = 80 WHERE door_id = 1',
      ).run();
      // Lock state is the Service's own knowledge: nothing here is replicated to devices.
      expect(revision()).toBe(fed);
      expect(() => db.prepare('UPDATE offline_lock SET battery = 101 WHERE door_id = 1').run()).toThrow(
        /CHECK/,
      );
      expect(() =>
        db.prepare("INSERT INTO offline_lock (door_id, updated_at) VALUES (2, 'a')").run(),
      ).toThrow(/FOREIGN KEY/);
      db.prepare(
        `INSERT INTO ppd_round (round_id, ppd_serial, created_at, created_by, state, request, revision,
           blacklist_seq, digest, total_bytes) VALUES ('r', 'P1', 'a', 'admin', 'loading', '[1]', 1, 0, zeroblob(32), 10)`,
      ).run();
      expect(() => db.prepare("UPDATE ppd_round SET state = 'lost'").run()).toThrow(/CHECK/);
      db.prepare("INSERT INTO ppd_round_door (round_id, door_id, position) VALUES ('r', 1, 0)").run();
      db.prepare("DELETE FROM ppd_round WHERE round_id = 'r'").run();
      expect(db.prepare('SELECT count(*) FROM ppd_round_door').pluck().get()).toBe(0);
      // A deleted door takes its lock state with it (its visits stay, with the door's name).
      db.prepare('DELETE FROM door WHERE id = 1').run();
      expect(db.prepare('SELECT count(*) FROM offline_lock').pluck().get()).toBe(0);
    },
  },
  11: {
    before: (db) => {
      const door = db.prepare(
        'INSERT INTO door (id, name, kind, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
      );
      door.run(1, 'Store', 'rf', 'a', 'a');
      door.run(2, 'Front', 'online', 'a', 'a');
      door.run(3, 'Back', 'rf', 'a', 'a');
      const device = db.prepare(
        'INSERT INTO device (id, kind, name, gateway_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      );
      device.run(1, 'gateway', 'GW', null, 'a', 'a');
      device.run(2, 'control-unit', 'CU', null, 'a', 'a');
    },
    after: (db) => {
      const revision = () => db.prepare('SELECT coalesce(max(revision), 0) FROM change_log').pluck().get();
      const lock = db.prepare(
        "INSERT INTO rf_lock (door_id, unit_id, eui64, join_issued_at, created_at, updated_at) VALUES (?, ?, ?, 'a', 'a', 'a')",
      );
      const before = revision();
      lock.run(1, 2, '00124B0001A2B3C4');
      // What the control unit holds is fed (it resyncs); what it reports back is not.
      expect(revision()).toBeGreaterThan(before as number);
      expect(() => lock.run(3, 2, '00124B0001A2B3C4')).toThrow(/UNIQUE/);
      expect(() => lock.run(3, 2, '00124b0001a2b3c4')).toThrow(/CHECK/);
      expect(() => lock.run(3, 2, '00124B0001A2B3')).toThrow(/CHECK/);
      expect(() => lock.run(2, 2, '00124B0001A2B3C5')).toThrow(/door of kind rf/);
      expect(() => lock.run(3, 1, '00124B0001A2B3C5')).toThrow(/belongs to a control unit/);
      const fed = revision();
      db.prepare(
        `UPDATE rf_lock SET status = '{"joined":true}', status_at = 'b', public_key = ? WHERE door_id = 1`,
      ).run('ab'.repeat(32));
      expect(revision()).toBe(fed);
      db.prepare("UPDATE rf_lock SET join_issued_at = NULL, joined_at = 'b' WHERE door_id = 1").run();
      expect(revision()).toBeGreaterThan(fed as number);
      expect(() => db.prepare("UPDATE rf_lock SET status = '{' WHERE door_id = 1").run()).toThrow(/CHECK/);
      expect(() => db.prepare("UPDATE rf_lock SET public_key = 'AB' WHERE door_id = 1").run()).toThrow(
        /CHECK/,
      );
      expect(() => db.prepare("UPDATE door SET kind = 'offline' WHERE id = 1").run()).toThrow(
        /remove its RF lock/,
      );
      db.prepare("UPDATE door SET kind = 'offline' WHERE id = 3").run();

      const network = db.prepare(
        "INSERT INTO rf_network (unit_id, key_version, pan_id, created_at) VALUES (?, ?, ?, 'a')",
      );
      network.run(2, 1, 0x1234);
      expect(() => network.run(1, 1, 0xffff)).toThrow(/CHECK/);
      expect(() => network.run(1, 0, 1)).toThrow(/CHECK/);
      const netFed = revision();
      db.prepare('UPDATE rf_network SET key_version = 2 WHERE unit_id = 2').run();
      expect(revision()).toBeGreaterThan(netFed as number);

      // A door or unit removed takes its RF lock (and a unit its network) with it, and its join key.
      const secret = db.prepare(
        "INSERT INTO secret (purpose, key_version, kek_id, sealed, created_at) VALUES (?, 1, 'k', x'00', 'a')",
      );
      secret.run('rf.join/1');
      secret.run('rf.join/10');
      db.prepare('DELETE FROM door WHERE id = 1').run();
      expect(db.prepare('SELECT count(*) FROM rf_lock').pluck().get()).toBe(0);
      expect(db.prepare("SELECT purpose FROM secret WHERE purpose LIKE 'rf.join/%'").pluck().all()).toEqual([
        'rf.join/10',
      ]);
      db.prepare(
        "INSERT INTO door (id, name, kind, created_at, updated_at) VALUES (4, 'Side', 'rf', 'a', 'a')",
      ).run();
      lock.run(4, 2, '00124B0001A2B3C6');
      db.prepare('DELETE FROM device WHERE id = 2').run();
      expect(db.prepare('SELECT count(*) FROM rf_lock').pluck().get()).toBe(0);
      expect(db.prepare('SELECT count(*) FROM rf_network').pluck().get()).toBe(0);
    },
  },
  12: {
    before: (db) => {
      db.prepare(
        "INSERT INTO cardholder (id, first_name, last_name, created_at, updated_at) VALUES (1, 'A', 'B', 'a', 'a')",
      ).run();
      db.prepare(
        `INSERT INTO credential (id, cardholder_id, uid, status, issued_at, created_at, updated_at)
         VALUES (1, 1, '04A2B3C4D5E6F7', 'issued', 'a', 'a', 'a')`,
      ).run();
      db.prepare(
        "INSERT INTO door (id, name, kind, created_at, updated_at) VALUES (1, 'Store', 'offline', 'a', 'a')",
      ).run();
      db.prepare("INSERT INTO offline_lock (door_id, updated_at) VALUES (1, 'a')").run();
    },
    after: (db) => {
      // Keys issued before are cards.
      expect(db.prepare('SELECT medium FROM credential WHERE id = 1').pluck().get()).toBe('card');
      expect(() => db.prepare("UPDATE credential SET medium = 'phone' WHERE id = 1").run()).toThrow(/CHECK/);
      expect(db.prepare('SELECT public_key FROM offline_lock WHERE door_id = 1').pluck().get()).toBeNull();
      db.prepare('UPDATE offline_lock SET public_key = ? WHERE door_id = 1').run('cd'.repeat(32));
      expect(() =>
        db.prepare('UPDATE offline_lock SET public_key = ? WHERE door_id = 1').run('CD'.repeat(32)),
      ).toThrow(/CHECK/);

      db.prepare(
        `INSERT INTO credential (id, cardholder_id, uid, status, issued_at, created_at, updated_at, medium)
         VALUES (2, 1, '4D000000000001', 'issued', 'a', 'a', 'a', 'mobile')`,
      ).run();
      db.prepare(
        "INSERT INTO mobile_invitation (invitation_id, cardholder_id, created_by, created_at, expires_at) VALUES ('inv1', 1, 'admin', 'a', 'b')",
      ).run();
      const phone = db.prepare(
        "INSERT INTO mobile_phone (phone_id, cardholder_id, invitation_id, device_public_key, label, enrolled_at) VALUES (?, 1, 'inv1', ?, 'Pixel', 'a')",
      );
      phone.run('ph1', '04' + 'ab'.repeat(64));
      expect(() => phone.run('ph2', '04ab')).toThrow(/CHECK/);
      const key = db.prepare(
        `INSERT INTO mobile_key (credential_id, phone_id, token_id, group_key_id, not_after, state, sent_at, revoked_at)
         VALUES (?, 'ph1', ?, ?, 'b', ?, 'a', ?)`,
      );
      key.run(2, '0f'.repeat(16), '1a'.repeat(8), 'sent', null);
      expect(() => key.run(1, '0f'.repeat(16), '1a'.repeat(8), 'sent', null)).toThrow(/UNIQUE/);
      expect(() => key.run(1, '0e'.repeat(16), '1a'.repeat(8), 'revoked', null)).toThrow(/CHECK/);
      expect(() => key.run(1, '0e'.repeat(16), '1A'.repeat(8), 'sent', null)).toThrow(/CHECK/);
      expect(() => key.run(9, '0e'.repeat(16), '1a'.repeat(8), 'sent', null)).toThrow(/FOREIGN KEY/);

      // A wrapped group key reaches RF locks through their control unit: it is in the change feed.
      const revision = () => db.prepare('SELECT coalesce(max(revision), 0) FROM change_log').pluck().get();
      const fed = revision();
      db.prepare(
        "INSERT INTO lock_group_key (door_id, group_key_id, wrapped, public_key, created_at) VALUES (1, ?, 'abcd', ?, 'a')",
      ).run('1a'.repeat(8), 'cd'.repeat(32));
      expect(revision()).toBeGreaterThan(fed as number);
      expect(() => db.prepare("UPDATE lock_group_key SET wrapped = 'xyz' WHERE door_id = 1").run()).toThrow(
        /CHECK/,
      );

      db.prepare(
        "INSERT INTO relay_config (id, url, fingerprint, updated_at) VALUES (1, 'https://r:1', 'AB', 'a')",
      ).run();
      expect(() =>
        db
          .prepare("INSERT INTO relay_config (id, url, fingerprint, updated_at) VALUES (2, 'u', 'f', 'a')")
          .run(),
      ).toThrow(/CHECK/);

      // A user deleted takes their phones and invitations; a key removed its delivery record.
      db.prepare('DELETE FROM credential WHERE id = 2').run();
      expect(db.prepare('SELECT count(*) FROM mobile_key').pluck().get()).toBe(0);
      db.prepare('DELETE FROM cardholder WHERE id = 1').run();
      expect(db.prepare('SELECT count(*) FROM mobile_phone').pluck().get()).toBe(0);
      expect(db.prepare('SELECT count(*) FROM mobile_invitation').pluck().get()).toBe(0);
      db.prepare('DELETE FROM door WHERE id = 1').run();
      expect(db.prepare('SELECT count(*) FROM lock_group_key').pluck().get()).toBe(0);
    },
  },
};

describe('migrations', () => {
  it('has a test step for every migration, numbered by position', () => {
    expect(Object.keys(steps).map(Number)).toEqual(migrations.map((m) => m.version));
    migrations.forEach((m, i) => expect(m.version).toBe(i + 1));
  });

  for (const m of migrations) {
    it(`${String(m.version).padStart(4, '0')} ${m.name}: migrates data written at version ${m.version - 1}`, () => {
      const db = freshDb();
      migrate(db, now, m.version - 1);
      expect(schemaVersion(db)).toBe(m.version - 1);
      steps[m.version]!.before(db);
      expect(migrate(db, now, m.version)).toEqual([m.version - 1, m.version]);
      expect(schemaVersion(db)).toBe(m.version);
      steps[m.version]!.after(db);
      expect(integrityProblems(db)).toEqual([]);
    });
  }

  for (let from = 0; from < LATEST_SCHEMA_VERSION; from++) {
    it(`goes from version ${from} to the latest in one call, each step recorded`, () => {
      const db = freshDb();
      migrate(db, now, from);
      expect(migrate(db, now)).toEqual([from, LATEST_SCHEMA_VERSION]);
      const applied = db.prepare('SELECT version, name FROM schema_migration ORDER BY version').all();
      expect(applied).toEqual(migrations.map((x) => ({ version: x.version, name: x.name })));
      expect(migrate(db, now)).toEqual([LATEST_SCHEMA_VERSION, LATEST_SCHEMA_VERSION]);
    });
  }

  it('applies each migration in one transaction: a failing one leaves the version unchanged', () => {
    const db = freshDb();
    migrate(db, now, 1);
    db.exec('CREATE TABLE operator (x INTEGER) STRICT'); // makes migration 2 fail half-way
    expect(() => migrate(db, now)).toThrow(/already exists/);
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'session'").get()).toEqual({
      n: 0,
    });
  });

  it('refuses a database from a newer Lintel without touching it', () => {
    const db = freshDb();
    migrate(db, now);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    expect(() => migrate(db, now)).toThrow(StoreError);
    expect(() => assertKnownSchema(db)).toThrow(/newer than this Lintel knows/);
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION + 1);
  });

  it('refuses a database whose history is not a prefix of ours', () => {
    const db = freshDb();
    migrate(db, now);
    db.prepare("UPDATE schema_migration SET name = 'someone-elses' WHERE version = 2").run();
    expect(() => assertKnownSchema(db)).toThrow(/does not have/);
  });
});
