import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serviceFixture, type ServiceFixture } from '../../test/helpers/service-fixture.js';
import { EventRepo, type NewAccessEvent } from '../store/event-repo.js';
import { EventBus } from './event-bus.js';
import { EventLog } from './event-log.js';

let f: ServiceFixture;
let log: EventLog;
const all = () => new EventRepo(f.site.db).list({ limit: 100 });

beforeEach(async () => {
  f = await serviceFixture();
  f.site.db
    .prepare(
      "INSERT INTO door (id, name, kind, created_at, updated_at) VALUES (3, 'Room 101', 'offline', 'a', 'a')",
    )
    .run();
  log = new EventLog(f.site.db, new EventBus());
});
afterEach(() => f.close());

const at = '2026-12-07T00:12:08.000Z';
/** Room 101's record 7: Ada's card granted, as the PPD brings it back. */
const record: NewAccessEvent = {
  at,
  kind: 'access-granted',
  doorId: 3,
  credentialId: 11,
  source: 'PPD PPD-1',
  detail: { door: 'Room 101', lock: 'LK-1', seq: 7, ppd: 'PPD-1', round: 'r1' },
};
/** The same record, copied onto Ada's card by the lock and collected at the Entrance. */
const copy: NewAccessEvent = {
  at,
  kind: 'access-granted',
  doorId: 3,
  credentialId: 11,
  source: 'CU main building',
  detail: { fromCard: true, collectedAt: 1 },
};

describe('one event per lock audit record', () => {
  it('drops a card’s copy of a record the lock already reported', () => {
    expect(log.store([record])).toHaveLength(1);
    expect(log.store([copy])).toEqual([]);
    expect(all().map((e) => e.detail)).toEqual([record.detail]);
  });

  it('replaces a card’s copy with the lock’s own record when that comes later (better provenance)', () => {
    expect(log.store([copy])).toHaveLength(1);
    const stored = log.store([record]);
    expect(stored.map((e) => e.source)).toEqual(['PPD PPD-1']);
    expect(all().map((e) => e.detail)).toEqual([record.detail]);
  });

  it('keeps one copy of a record collected twice, even in one batch, and the RF node’s reports count as the record', () => {
    expect(log.store([copy, copy])).toHaveLength(1);
    const rf = {
      ...record,
      source: 'CU annex',
      detail: { rfLock: '00124B0001C0FFEE', lock: 'LK-2', seq: 3 },
    };
    log.store([rf]);
    expect(all().map((e) => e.source)).toEqual(['CU annex']);
  });

  it('leaves apart what differs, and never merges the decisions of online doors', () => {
    log.store([record]);
    log.store([
      { ...copy, at: '2026-12-07T00:12:09.000Z' },
      { ...copy, credentialId: 12 },
      { ...copy, kind: 'access-denied', reason: 'blacklisted' },
    ]);
    expect(all()).toHaveLength(4);
    const online: NewAccessEvent = {
      at,
      kind: 'access-granted',
      doorId: 3,
      credentialId: 11,
      source: 'CU',
      detail: {},
    };
    expect(log.store([online, online])).toHaveLength(2);
  });
});
