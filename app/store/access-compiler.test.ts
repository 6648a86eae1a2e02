import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-site.js';
import { Blacklist } from '../access/blacklist.js';
import { decide, type DoorTables } from '../access/engine.js';
import { compileZone } from '../access/local-time.js';
import { compileCalendar } from '../access/schedule.js';
import {
  changesSince,
  compileCard,
  compileDoor,
  currentRevision,
  type DoorTablesData,
} from './access-compiler.js';
import { migrate } from './migrations/index.js';
import { openEncrypted, tune, type Db } from './sqlite.js';

let db: Db;
const at = '2026-11-01T00:00:00.000Z';
const s = (iso: string) => Date.parse(iso) / 1000;
const zone = compileZone('Europe/Madrid', 2026, 2027);

beforeEach(() => {
  db = openEncrypted(path.join(tempDir(), 'c.db'), randomBytes(32), { create: true });
  tune(db);
  migrate(db, () => new Date(at));
  const weekdays = JSON.stringify(
    Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [{ start: 480, end: 1080 }]])),
  );
  db.exec(`
    INSERT INTO time_period (id, name, rules, created_at, updated_at) VALUES (1, 'Office', '${weekdays}', '${at}', '${at}');
    INSERT INTO time_period (id, name, rules, created_at, updated_at) VALUES (2, 'Night', '{"mon":[{"start":1200,"end":1440}]}', '${at}', '${at}');
    INSERT INTO time_period (id, name, rules, created_at, updated_at) VALUES (3, 'Unused', '{}', '${at}', '${at}');
    INSERT INTO calendar_day VALUES (1, '2026-12-08', 'holiday');
    INSERT INTO zone (id, name, created_at, updated_at) VALUES (7, 'Floor 3', '${at}', '${at}');
    INSERT INTO door (id, name, kind, auth_scheduled_mode, auth_period_id, created_at, updated_at)
      VALUES (70, 'Lab', 'offline', 'card+pin', 2, '${at}', '${at}');
    INSERT INTO door_zone VALUES (70, 7);
    INSERT INTO door (id, name, kind, created_at, updated_at) VALUES (71, 'Vault', 'online', '${at}', '${at}');
    INSERT INTO access_level (id, name, created_at, updated_at) VALUES (1, 'Staff', '${at}', '${at}');
    INSERT INTO access_level_right (access_level_id, zone_id, period_id) VALUES (1, 7, 1);
    INSERT INTO cardholder (id, first_name, last_name, valid_until, created_at, updated_at)
      VALUES (5, 'Ana', 'Ruiz', '2027-06-30T00:00:00.000Z', '${at}', '${at}');
    INSERT INTO cardholder_access_level VALUES (5, 1);
    INSERT INTO credential (id, cardholder_id, uid, status, expires_at, revalidation_hours, issued_at, created_at, updated_at)
      VALUES (900, 5, '04A1B2C3D4E5F6', 'issued', '2027-12-31T00:00:00.000Z', 168, '${at}', '${at}', '${at}');
  `);
});

afterEach(() => db.close());

function tablesOf(d: DoorTablesData, blacklist: Blacklist): DoorTables {
  return {
    zone,
    periods: new Map(d.periods.map((p) => [p.id, p.rules])),
    calendar: compileCalendar(d.calendar.days),
    blacklist,
  };
}

describe('compiling the model for devices', () => {
  it('gives a door its policy, only the periods that matter there, its calendar and the blacklist sequence', () => {
    const lab = compileDoor(db, 70)!;
    expect(lab.door).toMatchObject({
      doorId: 70,
      zoneIds: [7],
      openMode: 'standard',
      auth: { mode: 'card', scheduled: { periodId: 2, mode: 'card+pin' } },
    });
    expect(lab.periods.map((p) => p.id)).toEqual([1, 2]);
    expect(lab.calendar.days).toEqual([{ date: '2026-12-08', type: 'holiday' }]);
    expect(lab.revision).toBe(currentRevision(db));
    expect(compileDoor(db, 71)!.periods).toEqual([]);
    expect(compileDoor(db, 999)).toBeUndefined();
  });

  it('gives a card the union of its levels, the narrower validity and its revalidation deadline', () => {
    const card = compileCard(db, 900)!;
    expect(card).toMatchObject({
      uid: '04A1B2C3D4E5F6',
      userId: 5,
      validFrom: null,
      validUntil: s('2027-06-30T00:00:00Z'),
      revalidateBy: s(at) + 168 * 3600,
      rights: [{ kind: 'zone', id: 7, periodId: 1 }],
    });
  });

  it('decides from the compiled data alone, and a cancellation reaches the door through the feed', () => {
    const card = compileCard(db, 900)!;
    const lab = compileDoor(db, 70)!;
    const blacklist = new Blacklist();
    const tuesday = s('2026-11-03T09:00:00Z');
    expect(
      decide(card, lab.door, { privacy: false }, { card: true }, tablesOf(lab, blacklist), tuesday),
    ).toMatchObject({
      granted: true,
    });
    expect(
      decide(
        card,
        compileDoor(db, 71)!.door,
        { privacy: false },
        { card: true },
        tablesOf(lab, blacklist),
        tuesday,
      ),
    ).toMatchObject({ reason: 'no-access-to-door' });

    const since = currentRevision(db);
    db.exec(`
      UPDATE credential SET status = 'cancelled', cancelled_at = '${at}' WHERE id = 900;
      INSERT INTO blacklist (credential_id, expires_at, added_at) VALUES (900, '2027-12-31T00:00:00.000Z', '${at}');
    `);
    const feed = changesSince(db, since, 10);
    expect(feed.changes.map((c) => [c.entity, c.entityId, c.op])).toEqual([
      ['credential', 900, 'update'],
      ['blacklist', 900, 'insert'],
    ]);
    const fresh = compileDoor(db, 70)!;
    expect(fresh.blacklistSeq).toBe(1);
    blacklist.merge(
      (
        db.prepare('SELECT seq, credential_id, expires_at FROM blacklist WHERE seq > 0').all() as {
          seq: number;
          credential_id: number;
          expires_at: string;
        }[]
      ).map((b) => ({ seq: b.seq, credentialId: b.credential_id, expiresAt: s(b.expires_at) })),
    );
    expect(
      decide(card, fresh.door, { privacy: false }, { card: true }, tablesOf(fresh, blacklist), tuesday),
    ).toMatchObject({
      reason: 'blacklisted',
    });
  });

  it('pages the feed without gaps or repeats', () => {
    const all = changesSince(db, 0, 1000).changes;
    expect(all.length).toBeGreaterThan(5);
    const paged = [];
    let since = 0;
    for (;;) {
      const page = changesSince(db, since, 3);
      paged.push(...page.changes);
      if (!page.more) break;
      since = page.changes.at(-1)!.revision;
    }
    expect(paged).toEqual(all);
    expect(all.map((c) => c.revision)).toEqual([...all.map((c) => c.revision)].sort((a, b) => a - b));
  });
});
