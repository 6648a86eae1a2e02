import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, serviceFixture, type ServiceFixture } from '../../test/helpers/service-fixture.js';
import type { LockAuditRecord, LockReport, VisitResult } from '../ppd/round.js';
import { EventRepo } from '../store/event-repo.js';
import { LockRepo, factoryLock, type LockState, type RoundDoor } from '../store/lock-repo.js';
import { EventLog } from './event-log.js';
import { applyVisit, auditEvent, importResults } from './lock-import.js';

const ROUND = '6d1f7a52-3c4e-4b8a-9f10-2a3b4c5d6e7f';
const T0 = 1_800_000_000;

const report = (over: Partial<LockReport> = {}): LockReport => ({
  serial: 'L-77',
  firmware: '1.2.0',
  doorId: 1,
  keyVersion: 1,
  revision: 40,
  blacklistSeq: 3,
  blacklistSize: 2,
  blacklistCapacity: 1000,
  battery: 64,
  clock: T0,
  auditSeq: 3,
  ...over,
});

const record = (seq: number, over: Partial<LockAuditRecord> = {}): LockAuditRecord => ({
  seq,
  at: T0 - 1000 + seq,
  event: 'granted',
  credentialId: null,
  reason: null,
  detail: null,
  ...over,
});

const visit = (over: Partial<VisitResult> = {}): VisitResult => ({
  roundId: ROUND,
  doorId: 1,
  visitedAt: T0,
  outcome: 'updated',
  error: null,
  lock: report(),
  clockDriftSeconds: 4,
  audit: [record(1), record(2), record(3)],
  ...over,
});

const carried: RoundDoor = {
  doorId: 1,
  position: 0,
  revision: 40,
  configDigest: Buffer.alloc(32, 1),
  blacklistSeq: 3,
  newKeyVersion: 1,
  cardKeyVersion: 1,
};

describe('applying a visit (pure)', () => {
  it('initialises the lock state from its report and takes every record', () => {
    const { lock, fresh } = applyVisit(factoryLock(1), visit(), carried);
    expect(fresh.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(lock).toMatchObject({
      serial: 'L-77',
      firmware: '1.2.0',
      keyVersion: 1,
      cardKeyVersion: 1,
      revision: 40,
      blacklistSeq: 3,
      blacklistSize: 2,
      blacklistCapacity: 1000,
      battery: 64,
      clockDriftSeconds: 4,
      clockOffsetSeconds: 0,
      clockSetAt: T0,
      lastVisitAt: T0,
      initialisedAt: T0,
      auditSeq: 3,
    });
    expect(lock.configDigest).toEqual(carried.configDigest);
    // The first setting of a clock measures no rate yet.
    expect(lock.driftRate).toBeNull();
  });

  it('drops records at or below the imported mark, and repeats within a visit', () => {
    const before: LockState = { ...factoryLock(1), serial: 'L-77', keyVersion: 1, auditSeq: 2 };
    const { fresh, lock } = applyVisit(
      before,
      visit({ audit: [record(3), record(1), record(2), record(3), record(4)] }),
      carried,
    );
    expect(fresh.map((r) => r.seq)).toEqual([3, 4]);
    expect(lock.auditSeq).toBe(4);
  });

  it('measures the drift rate between two settings of the clock', () => {
    const first = applyVisit(factoryLock(1), visit(), carried).lock;
    const tenDays = 10 * 86_400;
    const second = applyVisit(
      first,
      visit({ visitedAt: T0 + tenDays, clockDriftSeconds: 8, audit: [] }),
      carried,
    ).lock;
    expect(second.driftRate).toBeCloseTo(8 / tenDays, 12);
    expect(second.initialisedAt).toBe(T0);
  });

  it('keeps the drift it could not correct when the clock was not set', () => {
    const first = applyVisit(factoryLock(1), visit(), carried).lock;
    const later = applyVisit(
      first,
      visit({ visitedAt: T0 + 100, clockDriftSeconds: null, lock: report({ clock: T0 + 130 }), audit: [] }),
      carried,
    ).lock;
    expect(later.clockDriftSeconds).toBe(30);
    expect(later.clockOffsetSeconds).toBe(30);
    expect(later.clockSetAt).toBe(T0);
  });

  it('knows the configuration only when the update the task carried was applied', () => {
    const first = applyVisit(factoryLock(1), visit(), carried).lock;
    // The lock refused the update (it still holds revision 40) while a new one (50) was carried.
    const refused = applyVisit(first, visit({ outcome: 'failed', error: 'blacklist full', audit: [] }), {
      ...carried,
      revision: 50,
      configDigest: Buffer.alloc(32, 2),
    }).lock;
    expect(refused.configDigest).toEqual(carried.configDigest);
    const other = applyVisit(first, visit({ lock: report({ revision: 45 }), audit: [] }), undefined).lock;
    expect(other.configDigest).toBeNull();
  });

  it('starts the record mark again for a lock swapped on the door', () => {
    const first = applyVisit(factoryLock(1), visit(), carried).lock;
    const { lock, fresh } = applyVisit(
      first,
      visit({ lock: report({ serial: 'L-78' }), audit: [record(1)] }),
      carried,
    );
    expect(fresh.map((r) => r.seq)).toEqual([1]);
    expect(lock.serial).toBe('L-78');
    expect(lock.auditSeq).toBe(1);
  });

  it('changes nothing but the mark when the lock could not be read', () => {
    const first = applyVisit(factoryLock(1), visit(), carried).lock;
    const { lock, fresh } = applyVisit(
      first,
      visit({ outcome: 'failed', error: 'no answer', lock: null, audit: [] }),
      carried,
    );
    expect(fresh).toEqual([]);
    expect(lock).toEqual(first);
  });

  it('imports any batch of records once: each seq above the mark, in order, nothing on a repeat', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 80 }),
        fc.integer({ min: 0, max: 40 }),
        (seqs, mark) => {
          const before: LockState = { ...factoryLock(1), serial: 'L-77', keyVersion: 1, auditSeq: mark };
          const audit = seqs.map((seq) => record(seq));
          const { lock, fresh } = applyVisit(before, visit({ audit }), carried);
          const expected = [...new Set(seqs.filter((x) => x > mark))].sort((a, b) => a - b);
          expect(fresh.map((r) => r.seq)).toEqual(expected);
          expect(lock.auditSeq).toBe(Math.max(mark, ...expected));
          expect(applyVisit(lock, visit({ audit }), carried).fresh).toEqual([]);
        },
      ),
    );
  });

  it('maps records to access and device events naming the door', () => {
    const origin = {
      doorId: 1,
      doorName: 'Store',
      lockSerial: 'L-77',
      ppdSerial: 'P-1',
      roundId: ROUND,
      holders: new Map([[12, 5]]),
    };
    expect(auditEvent(record(1, { credentialId: 12 }), origin)).toMatchObject({
      kind: 'access-granted',
      doorId: 1,
      credentialId: 12,
      userId: 5,
      source: 'PPD P-1',
      detail: { door: 'Store', lock: 'L-77', seq: 1, round: ROUND },
    });
    expect(
      auditEvent(record(2, { event: 'denied', credentialId: 13, reason: 'blacklisted' }), origin),
    ).toMatchObject({ kind: 'access-denied', reason: 'blacklisted', userId: null });
    for (const event of [
      'emergency-opened',
      'updated',
      'clock-set',
      'battery-low',
      'blacklist-merged',
      'office-opened',
    ] as const)
      expect(auditEvent(record(3, { event, detail: 'x' }), origin)).toMatchObject({
        kind: 'device',
        reason: event,
        detail: { note: 'x' },
      });
    expect(auditEvent(record(3), origin).at).toBe(new Date((T0 - 997) * 1000).toISOString());
  });
});

describe('importing a sync (site database)', () => {
  let f: ServiceFixture;
  let doorId = 0;
  let eventLog: EventLog;
  const call = <T = Record<string, unknown>>(method: string, params: unknown) =>
    f.call(method, params, { caller: f.callerOf(f.admin.token)! }).then((r) => ok<T>(r));
  const events = () => new EventRepo(f.site.db).list({ limit: 1000 }).filter((e) => e.source === 'PPD P-1');

  beforeAll(async () => {
    f = await serviceFixture();
    doorId = (await call<{ id: number }>('doors.create', { name: 'Store', kind: 'offline' })).id;
    eventLog = new EventLog(f.site.db, f.service.events);
  });
  afterAll(() => f.close());

  it('imports each visit and record once, however often the same results come', () => {
    const results = [
      visit({ doorId, audit: [record(1), record(2, { event: 'denied', reason: 'blacklisted' })] }),
    ];
    const first = importResults(f.site.db, eventLog, results, { ppdSerial: 'P-1', now: f.now() });
    expect(first.visits).toHaveLength(1);
    expect(first.auditImported).toBe(2);
    expect(first.events.map((e) => [e.kind, e.doorName])).toEqual([
      ['access-granted', 'Store'],
      ['access-denied', 'Store'],
    ]);
    expect(new LockRepo(f.site.db).lock(doorId)).toMatchObject({ serial: 'L-77', auditSeq: 2 });

    // The PPD lost the ack: the same results again import nothing.
    const again = importResults(f.site.db, eventLog, results, { ppdSerial: 'P-1', now: f.now() });
    expect(again).toMatchObject({ visits: [], events: [], auditImported: 0 });

    // A later visit repeats the lock's older records (it keeps them): only the new one is imported.
    const later = importResults(
      f.site.db,
      eventLog,
      [visit({ doorId, visitedAt: T0 + 60, audit: [record(1), record(2), record(3)] })],
      { ppdSerial: 'P-1', now: f.now() },
    );
    expect(later.auditImported).toBe(1);
    expect(events()).toHaveLength(3);
    expect(new LockRepo(f.site.db).visitsOf(ROUND).map((v) => v.auditImported)).toEqual([2, 1]);
  });

  it('stores a sync in one transaction: a bad result leaves nothing of the others', () => {
    const before = { events: events().length, lock: new LockRepo(f.site.db).lock(doorId) };
    const bad = { ...visit({ doorId, visitedAt: T0 + 300 }), outcome: 'exploded' } as unknown as VisitResult;
    expect(() =>
      importResults(f.site.db, eventLog, [visit({ doorId, visitedAt: T0 + 200, audit: [record(9)] }), bad], {
        ppdSerial: 'P-1',
        now: f.now(),
      }),
    ).toThrow(/CHECK/);
    expect(events()).toHaveLength(before.events);
    expect(new LockRepo(f.site.db).lock(doorId)).toEqual(before.lock);
  });

  it('keeps the visit of a door deleted since, without lock state', () => {
    const r = importResults(f.site.db, eventLog, [visit({ doorId: 999, audit: [record(1)] })], {
      ppdSerial: 'P-1',
      now: f.now(),
    });
    expect(r.visits[0]).toMatchObject({ doorId: 999, doorName: 'door 999' });
    expect(r.doors).toEqual([]);
    expect(new LockRepo(f.site.db).lock(999)).toBeUndefined();
  });
});
