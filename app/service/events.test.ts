import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failure, ok, serviceFixture, type ServiceFixture } from '../../test/helpers/service-fixture.js';
import { ErrorCode } from '../contract/errors.js';
import type { AccessEvent } from '../contract/methods/events.js';
import { EventRepo, type EventFilter, type NewAccessEvent } from '../store/event-repo.js';

let f: ServiceFixture;
let repo: EventRepo;
const admin = () => f.callerOf(f.admin.token)!;
const list = async (params: Record<string, unknown>) =>
  ok<{ events: AccessEvent[]; nextBefore?: number }>(
    await f.call('events.list', params, { caller: admin() }),
  );
const ids = (r: { events: AccessEvent[] }) => r.events.map((e) => e.id);

/** Every event of a page chain, following `nextBefore` to the end. */
async function allPages(params: Record<string, unknown>): Promise<AccessEvent[]> {
  const out: AccessEvent[] = [];
  let before: number | undefined;
  do {
    const page = await list({ ...params, ...(before ? { before } : {}) });
    out.push(...page.events);
    before = page.nextBefore;
  } while (before !== undefined);
  return out;
}

const at = (day: number, hour: number, minute = 0) =>
  new Date(Date.UTC(2026, 10, day, hour, minute)).toISOString();

// Door 1, cardholder 1 and its keys 11 and 12 exist; door 9, cardholder 9 and key 99 do not (deleted
// since, or never known).
const batch: NewAccessEvent[] = [
  { at: at(2, 8), kind: 'access-granted', doorId: 1, userId: 1, credentialId: 11, source: 'gw-1' },
  {
    at: at(2, 9),
    kind: 'access-denied',
    doorId: 1,
    userId: 1,
    credentialId: 11,
    reason: 'blacklisted',
    source: 'gw-1',
  },
  { at: at(2, 9), kind: 'access-granted', doorId: 9, userId: 1, credentialId: 12, source: 'gw-1' },
  { at: at(3, 7), kind: 'door-forced', doorId: 1, source: 'gw-2', detail: { reader: 'in' } },
  {
    at: at(4, 18),
    kind: 'access-denied',
    doorId: 9,
    userId: 9,
    credentialId: 99,
    reason: 'outside-time-period',
    source: 'gw-2',
  },
  { at: at(5, 12), kind: 'device', source: 'gw-2', detail: { battery: 'low' } },
  // Reported late (a PPD download from an offline lock): stored last, listed by when it happened.
  { at: at(1, 23, 59), kind: 'access-granted', doorId: 1, userId: 1, credentialId: 11, source: 'ppd' },
];

beforeEach(async () => {
  f = await serviceFixture();
  const db = f.site.db;
  db.prepare(
    "INSERT INTO door (id, name, kind, created_at, updated_at) VALUES (1, 'Main entrance', 'online', 'a', 'a')",
  ).run();
  db.prepare(
    "INSERT INTO cardholder (id, first_name, last_name, created_at, updated_at) VALUES (1, 'Ada', 'Lovelace', 'a', 'a')",
  ).run();
  for (const id of [11, 12])
    db.prepare(
      `INSERT INTO credential (id, cardholder_id, uid, status, issued_at, created_at, updated_at)
       VALUES (?, 1, '0102030405060${id % 10}', 'issued', 'a', 'a', 'a')`,
    ).run(id);
  repo = new EventRepo(db);
  expect(repo.appendBatch(batch)).toEqual({ count: 7, lastId: 7 });
});
afterEach(() => f.close());

describe('EventRepo.appendBatch', () => {
  it('takes any ISO-8601 instant and gives it back in one form, to the millisecond', async () => {
    repo.appendBatch([
      { at: '2026-11-06T10:00:00Z', kind: 'device', source: 's' },
      { at: '2026-11-06T11:00:00.5+01:00', kind: 'device', source: 's' },
    ]);
    expect(f.site.db.prepare('SELECT at FROM access_event WHERE id > 7 ORDER BY id').all()).toEqual([
      { at: Date.UTC(2026, 10, 6, 10) },
      { at: Date.UTC(2026, 10, 6, 10) + 500 },
    ]);
    expect((await list({ from: '2026-11-06T00:00:00Z' })).events.map((e) => e.at)).toEqual([
      '2026-11-06T10:00:00.500Z',
      '2026-11-06T10:00:00.000Z',
    ]);
  });

  it('stores all of a batch or none of it', () => {
    const count = () =>
      (f.site.db.prepare('SELECT count(*) AS n FROM access_event').get() as { n: number }).n;
    const rows = Array.from({ length: 200 }, (_, i) => ({
      at: at(6, 1, i % 60),
      kind: 'device' as const,
      source: `s${i}`,
    }));
    // A bad row in a full chunk of the multi-row insert, then in the single-row tail.
    for (const bad of [130, 199]) {
      const batch = rows.map((r, i) => (i === bad ? { ...r, kind: 'party' as never } : r));
      expect(() => repo.appendBatch(batch)).toThrow(/CHECK/);
    }
    expect(() => repo.appendBatch([{ at: 'yesterday', kind: 'device', source: 's' }])).toThrow(RangeError);
    expect(count()).toBe(7);
    expect(repo.appendBatch(rows)).toEqual({ count: 200, lastId: 207 });
    const stored = f.site.db.prepare('SELECT id, source FROM access_event WHERE id > 7 ORDER BY id').all();
    expect(stored).toEqual(rows.map((r, i) => ({ id: 8 + i, source: r.source })));
  });
});

describe('events.list', () => {
  it('lists newest first by event time, with door and cardholder names when they exist', async () => {
    const r = await list({});
    // Events 2 and 3 happened at the same instant: the one stored last comes first.
    expect(ids(r)).toEqual([6, 5, 4, 3, 2, 1, 7]);
    expect(r.nextBefore).toBeUndefined();
    expect(r.events.find((e) => e.id === 2)).toEqual({
      id: 2,
      at: '2026-11-02T09:00:00.000Z',
      kind: 'access-denied',
      doorId: 1,
      doorName: 'Main entrance',
      userId: 1,
      userName: 'Ada Lovelace',
      credentialId: 11,
      reason: 'blacklisted',
      source: 'gw-1',
      detail: {},
    });
    expect(r.events.find((e) => e.id === 5)).toMatchObject({ doorName: null, userName: null, userId: 9 });
    expect(r.events.find((e) => e.id === 4)!.detail).toEqual({ reader: 'in' });
  });

  it('filters by kind, door, cardholder, key, reason and time, alone and together', async () => {
    expect(ids(await list({ kinds: ['access-denied', 'door-forced'] }))).toEqual([5, 4, 2]);
    expect(ids(await list({ doorId: 1 }))).toEqual([4, 2, 1, 7]);
    expect(ids(await list({ userId: 1 }))).toEqual([3, 2, 1, 7]);
    expect(ids(await list({ credentialId: 11 }))).toEqual([2, 1, 7]);
    expect(ids(await list({ reason: 'outside-time-period' }))).toEqual([5]);
    expect(ids(await list({ from: at(2, 9), to: at(4, 18) }))).toEqual([4, 3, 2]);
    expect(ids(await list({ doorId: 1, from: at(2, 0), to: '2026-11-03T07:00:00.001Z' }))).toEqual([4, 2, 1]);
    expect(ids(await list({ userId: 1, kinds: ['access-granted'], to: at(2, 9) }))).toEqual([1, 7]);
    expect(ids(await list({ doorId: 1, userId: 1, credentialId: 11, kinds: ['access-denied'] }))).toEqual([
      2,
    ]);
    expect(ids(await list({ doorId: 404 }))).toEqual([]);
    expect(ids(await list({ userId: 1, from: at(3, 0), to: at(3, 0) }))).toEqual([]);
  });

  it('pages by keyset without losing or repeating events, even ones at the same instant', async () => {
    const many: NewAccessEvent[] = [];
    for (let i = 0; i < 30; i++)
      many.push({ at: at(10 + (i % 3), 12), kind: 'access-granted', doorId: 1, userId: 1, source: 'gw' });
    repo.appendBatch(many);
    for (const filter of [{}, { doorId: 1 }, { userId: 1, from: at(2, 0) }]) {
      const whole = (await list({ ...filter, limit: 500 })).events;
      const paged = await allPages({ ...filter, limit: 4 });
      expect(paged.map((e) => e.id)).toEqual(whole.map((e) => e.id));
      const times = paged.map((e) => e.at);
      expect(times).toEqual([...times].sort().reverse());
    }
    const first = await list({ doorId: 1, limit: 4 });
    expect(first.nextBefore).toBe(first.events[3]!.id);
  });

  it('answers NOT_FOUND for a cursor that names no event', async () => {
    expect(failure(await f.call('events.list', { before: 999 }, { caller: admin() })).code).toBe(
      ErrorCode.NOT_FOUND,
    );
  });

  it('still finds events whose clock was decades off, through the time index', async () => {
    repo.appendBatch([{ at: '1970-01-01T00:00:09.000Z', kind: 'access-granted', doorId: 1, source: 'lock' }]);
    expect(ids(await list({ doorId: 1 })).at(-1)).toBe(8);
    expect(repo.queryPlan({ limit: 10, doorId: 1 })[0]).toMatch(/^SCAN e USING INDEX access_event_at$/);
  });

  it("stores an event naming a key with the key's holder, whatever the device said", async () => {
    repo.appendBatch([
      { at: at(6, 8), kind: 'access-granted', doorId: 1, userId: 9, credentialId: 12, source: 'confused' },
      { at: at(6, 9), kind: 'access-granted', doorId: 1, credentialId: 11, source: 'no-holder' },
    ]);
    const page = await list({ from: at(6, 0) });
    expect(page.events.map((e) => [e.credentialId, e.userId])).toEqual([
      [11, 1],
      [12, 1],
    ]);
    expect(ids(await list({ credentialId: 12 }))).toEqual([8, 3]);
  });

  it("finds a key's events after its holder is deleted, through the time index", async () => {
    const db = f.site.db;
    db.prepare(
      "INSERT INTO cardholder (id, first_name, last_name, created_at, updated_at) VALUES (2, 'Alan', 'Turing', 'a', 'a')",
    ).run();
    db.prepare(
      `INSERT INTO credential (id, cardholder_id, uid, status, issued_at, created_at, updated_at)
       VALUES (13, 2, '01020304050613', 'issued', 'a', 'a', 'a')`,
    ).run();
    repo.appendBatch([{ at: at(6, 8), kind: 'access-granted', doorId: 1, credentialId: 13, source: 'gw' }]);
    expect(ids(await list({ credentialId: 13 }))).toEqual([8]);
    expect(repo.queryPlan({ limit: 10, credentialId: 13 }).join()).toMatch(/access_event_cardholder/);
    db.prepare('DELETE FROM cardholder WHERE id = 2').run();
    expect(ids(await list({ credentialId: 13 }))).toEqual([8]);
    expect(repo.queryPlan({ limit: 10, credentialId: 13 })[0]).toMatch(
      /^SCAN e USING INDEX access_event_at$/,
    );
  });

  it('rejects a limit above 500', async () => {
    expect(failure(await f.call('events.list', { limit: 501 }, { caller: admin() })).code).toBe(
      ErrorCode.INVALID_PARAMS,
    );
  });
});

describe('the filters the console combines', () => {
  const month = { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' };
  const cases: [string, Omit<EventFilter, 'limit'>, string][] = [
    ['time range', month, 'access_event_at'],
    ['door', { doorId: 1 }, 'access_event_door'],
    ['door + time', { doorId: 1, ...month }, 'access_event_door'],
    ['cardholder + time', { userId: 1, ...month }, 'access_event_cardholder'],
    ['key + time', { credentialId: 11, ...month }, 'access_event_cardholder'],
    ['door + kinds + time', { doorId: 1, kinds: ['access-denied'], ...month }, 'access_event_door'],
    ['door + cursor', { doorId: 1, before: { at: Date.parse(at(3, 7)), id: 4 } }, 'access_event_door'],
    ['time + cursor', { ...month, before: { at: Date.parse(at(3, 7)), id: 4 } }, 'access_event_at'],
  ];

  it.each(cases)('%s: seeks an index that gives the order, never scans or sorts', (_name, filter, index) => {
    const plan = repo.queryPlan({ limit: 50, ...filter });
    expect(plan[0]).toMatch(new RegExp(`^SEARCH e USING INDEX ${index} \\(`));
    expect(plan.filter((step) => /^SCAN e\b|TEMP B-TREE/.test(step))).toEqual([]);
  });
});
