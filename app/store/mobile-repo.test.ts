import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeSite, openTemp } from '../../test/helpers/temp-site.js';
import { RelayFingerprint } from '../contract/methods/mobile.js';
import type { VisitResult } from '../ppd/round.js';
import { EventBus } from '../service/event-bus.js';
import { EventLog } from '../service/event-log.js';
import { importResults } from '../service/lock-import.js';
import { buildLockTask, type RoundSite } from '../service/lock-round.js';
import { lockCardKeys, lockKey } from '../service/lock-keys.js';
import type { OpenSite } from '../site/site.js';
import { factoryLock } from './lock-repo.js';
import { MobileRepo, saveOfflineLockPublicKey, wrappedGroupKeyFor } from './mobile-repo.js';

let site: OpenSite;
let repo: MobileRepo;
const now = new Date('2026-11-29T09:00:00Z');
const pub = (b: number) => b.toString(16).padStart(2, '0').repeat(32);
const GROUP = '0123456789abcdef';
const wrapped = 'ab'.repeat(80);

function seed(): void {
  const db = site.db;
  db.prepare(
    "INSERT INTO door (id, name, kind, created_at, updated_at) VALUES (1, 'RF', 'rf', 'a', 'a'), (2, 'Store', 'offline', 'a', 'a'), (3, 'Shed', 'offline', 'a', 'a')",
  ).run();
  db.prepare(
    "INSERT INTO device (id, kind, name, gateway_id, created_at, updated_at) VALUES (1, 'control-unit', 'CU', NULL, 'a', 'a')",
  ).run();
  db.prepare(
    "INSERT INTO rf_lock (door_id, unit_id, eui64, public_key, created_at, updated_at) VALUES (1, 1, '00124B0001A2B3C4', ?, 'a', 'a')",
  ).run(pub(1));
  db.prepare("INSERT INTO offline_lock (door_id, updated_at) VALUES (2, 'a'), (3, 'a')").run();
  db.prepare(
    "INSERT INTO cardholder (id, first_name, last_name, created_at, updated_at) VALUES (1, 'A', 'B', 'a', 'a')",
  ).run();
}

beforeEach(async () => {
  site = await openTemp(await makeSite());
  repo = new MobileRepo(site.db);
  seed();
});
afterEach(() => site.close());

describe('the group key of each lock', () => {
  it('is wrapped for every lock that reported a public key, once per key and lock', () => {
    saveOfflineLockPublicKey(site.db, 2, pub(2).toUpperCase());
    expect(repo.locksLacking(GROUP)).toEqual([
      { doorId: 1, publicKey: pub(1) },
      { doorId: 2, publicKey: pub(2) },
    ]);
    repo.saveWrapped(1, pub(1), { groupKeyId: GROUP, wrapped }, now);
    repo.saveWrapped(2, pub(2), { groupKeyId: GROUP, wrapped }, now);
    expect(repo.locksLacking(GROUP)).toEqual([]);
    expect(wrappedGroupKeyFor(site.db, 1)).toEqual({ groupKeyId: GROUP, wrapped });
    expect(wrappedGroupKeyFor(site.db, 3)).toBeNull();
    // Another group key (the NCoder replaced) is wrapped again for everyone.
    expect(repo.locksLacking('fedcba9876543210')).toHaveLength(2);
  });

  it('is not given to a lock swapped on the door (another public key) until wrapped for it', () => {
    repo.saveWrapped(1, pub(1), { groupKeyId: GROUP, wrapped }, now);
    site.db.prepare('UPDATE rf_lock SET public_key = ? WHERE door_id = 1').run(pub(9));
    expect(wrappedGroupKeyFor(site.db, 1)).toBeNull();
    expect(repo.locksLacking(GROUP)).toEqual([{ doorId: 1, publicKey: pub(9) }]);
  });

  it('goes into an offline lock’s round update when wrapped for it', () => {
    const master = Buffer.alloc(32, 7);
    const siteId = site.siteId;
    const roundSite: RoundSite = {
      siteId,
      timeZone: 'UTC',
      blacklist: { latestSeq: 0, entries: [] },
      cardKeys: lockCardKeys(master, siteId),
      lockKeyVersion: 1,
      lockKey: (doorId, version) => lockKey(master, siteId, doorId, version).toString('hex'),
      mobileKey: (doorId) => wrappedGroupKeyFor(site.db, doorId),
    };
    const tables = {
      revision: 1,
      door: {
        doorId: 2,
        zoneIds: [],
        openMode: 'standard' as const,
        auth: { mode: 'card' as const },
        openSeconds: 5,
        extendedOpenSeconds: 20,
      },
      periods: [],
      calendar: { id: 1, days: [] },
      blacklistSeq: 0,
    };
    const door = { doorId: 2, doorName: 'Store', lock: factoryLock(2), tables };
    expect(buildLockTask(door, roundSite).task.update?.mobileKey).toBeUndefined();
    saveOfflineLockPublicKey(site.db, 2, pub(2));
    repo.saveWrapped(2, pub(2), { groupKeyId: GROUP, wrapped }, now);
    expect(buildLockTask(door, roundSite).task.update?.mobileKey).toEqual({ groupKeyId: GROUP, wrapped });
  });

  it('learns an offline lock’s public key from what the PPD brings back', () => {
    const result: VisitResult = {
      roundId: 'r1',
      doorId: 3,
      visitedAt: 1_800_000_000,
      outcome: 'collected',
      error: null,
      lock: {
        serial: 'L-3',
        firmware: '1.0',
        doorId: 3,
        keyVersion: 1,
        revision: 1,
        blacklistSeq: 0,
        blacklistSize: 0,
        blacklistCapacity: 100,
        battery: 90,
        clock: 1_800_000_000,
        auditSeq: 0,
        publicKey: pub(3),
      },
      clockDriftSeconds: null,
      audit: [],
    };
    importResults(site.db, new EventLog(site.db, new EventBus()), [result], { ppdSerial: 'P1', now });
    expect(site.db.prepare('SELECT public_key FROM offline_lock WHERE door_id = 3').pluck().get()).toBe(
      pub(3),
    );
    expect(repo.locksLacking(GROUP).map((l) => l.doorId)).toEqual([1, 3]);
  });
});

describe('delivery reports', () => {
  function key(tokenId: string) {
    const id = Number(
      site.db
        .prepare(
          `INSERT INTO credential (cardholder_id, uid, status, issued_at, created_at, updated_at, medium)
           VALUES (1, ?, 'issued', 'a', 'a', 'a', 'mobile')`,
        )
        .run(tokenId.slice(0, 14).toUpperCase()).lastInsertRowid,
    );
    repo.sent({ credentialId: id, phoneId: 'ph1', tokenId, groupKeyId: GROUP, notAfter: 'z' }, now);
    return id;
  }

  it('move a key forward only: sent → delivered, sent → lost → delivered, never back', () => {
    const a = key('aa'.repeat(16));
    const b = key('bb'.repeat(16));
    expect(repo.delivery('aa'.repeat(16), 'delivered', now)).toEqual({ userId: 1 });
    expect(repo.delivery('aa'.repeat(16), 'lost', now)).toBeUndefined();
    expect(repo.key(a)).toMatchObject({ state: 'delivered', deliveredAt: now.toISOString() });
    expect(repo.delivery('bb'.repeat(16), 'lost', now)).toEqual({ userId: 1 });
    expect(repo.key(b)?.state).toBe('lost');
    expect(repo.delivery('bb'.repeat(16), 'delivered', now)).toEqual({ userId: 1 });
    // A report about a token nobody knows (another site's, or replaced by a resend) changes nothing.
    expect(repo.delivery('cc'.repeat(16), 'delivered', now)).toBeUndefined();
    repo.revoked(b, now);
    expect(repo.delivery('bb'.repeat(16), 'delivered', now)).toBeUndefined();
    expect(repo.key(b)?.state).toBe('revoked');
  });

  it('start again from 0 for another relay, and carry on for the same one', () => {
    repo.setRelay('https://r:1', 'AA', now);
    repo.setEnrolmentSeq(5);
    repo.setDeliverySeq(7);
    repo.setEnrolmentSeq(3);
    repo.setRelay('https://r:1', 'AA', now);
    expect(repo.relay()).toMatchObject({ enrolmentSeq: 5, deliverySeq: 7 });
    repo.setRelay('https://r:2', 'AA', now);
    expect(repo.relay()).toMatchObject({ enrolmentSeq: 0, deliverySeq: 0 });
  });
});

describe('a relay fingerprint as typed', () => {
  const hex64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
  const canonical = (hex: string) => hex.toUpperCase().match(/.{2}/g)!.join(':');

  it('reads the same in any case, with or without colons', () => {
    fc.assert(
      fc.property(hex64, fc.boolean(), fc.boolean(), (hex, colons, upper) => {
        const typed = (upper ? hex.toUpperCase() : hex).match(/.{2}/g)!.join(colons ? ':' : '');
        expect(RelayFingerprint.parse(` ${typed} `)).toBe(canonical(hex));
      }),
    );
  });

  it('refuses anything that is not 32 bytes of hex', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (s) => {
        const hex = s.replace(/[:\s]/g, '');
        fc.pre(!/^[0-9A-Fa-f]{64}$/.test(hex));
        expect(RelayFingerprint.safeParse(s).success).toBe(false);
      }),
    );
    fc.assert(
      fc.property(
        hex64,
        fc.integer({ min: 0, max: 63 }),
        fc.constantFrom('g', 'Z', '-', ''),
        (hex, at, c) => {
          const broken = hex.slice(0, at) + c + hex.slice(at + 1);
          expect(RelayFingerprint.safeParse(broken).success).toBe(false);
        },
      ),
    );
  });
});
