import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failure, ok, serviceFixture, type ServiceFixture } from '../../test/helpers/service-fixture.js';
import { ErrorCode } from '../contract/errors.js';
import type { AccessLevel, Door, Zone } from '../contract/methods/doors.js';
import type { AccessEvent } from '../contract/methods/events.js';
import type { Key, User, UserDetail } from '../contract/methods/users.js';
import type { Caller } from '../rpc/context.js';
import { EventRepo } from '../store/event-repo.js';

// The tenant's partition: zone "Tenant floor" and, by id, the door "Shared store", which sits in the
// zone "Annex" with another door. "Lobby" and its doors are outside.

let f: ServiceFixture;
const admin = () => f.callerOf(f.admin.token)!;
const call = (method: string, params: unknown, caller: Caller = admin()) =>
  f.call(method, params, { caller });

type Page<T> = { items: T[]; total: number };
const page = async <T>(method: string, params: unknown, caller: Caller) =>
  ok<Page<T>>(await call(method, params, caller));
const names = (p: Page<{ name: string }>) => p.items.map((x) => x.name);
const lastNames = (p: Page<User>) => p.items.map((u) => u.lastName);

/** The ids of everything the tests name, by name. */
let id: Record<string, number>;
let tenant: Caller;
let events: Record<string, number>;

async function seed(): Promise<void> {
  id = {};
  const period = ok<{ id: number }>(
    await call('timePeriods.create', { name: 'Office', rules: { mon: [{ start: 480, end: 1080 }] } }),
  ).id;
  for (const name of ['Tenant floor', 'Lobby', 'Annex'])
    id[name] = ok<Zone>(await call('zones.create', { name })).id;
  const doors: [string, string][] = [
    ['Tenant east', 'Tenant floor'],
    ['Tenant west', 'Tenant floor'],
    ['Shared store', 'Annex'],
    ['Annex back', 'Annex'],
    ['Lobby main', 'Lobby'],
    ['Lobby side', 'Lobby'],
  ];
  for (const [name, zone] of doors)
    id[name] = ok<Door>(await call('doors.create', { name, kind: 'online', zoneIds: [id[zone]] })).id;
  const levels: [string, Record<string, number>[]][] = [
    ['Tenant staff', [{ zoneId: id['Tenant floor']! }]],
    ['East only', [{ doorId: id['Tenant east']! }]],
    ['Store', [{ doorId: id['Shared store']! }, { doorId: id['Lobby main']! }]],
    ['Pending', []],
    ['Lobby staff', [{ zoneId: id['Lobby']! }]],
    // A zone right counts only when the zone itself is in the partition (a zone may gain doors later),
    // even though this one holds the tenant's listed door.
    ['Annex staff', [{ zoneId: id['Annex']! }]],
  ];
  for (const [name, rights] of levels)
    id[name] = ok<AccessLevel>(
      await call('accessLevels.create', { name, rights: rights.map((r) => ({ ...r, periodId: period })) }),
    ).id;
  const users: [string, string[]][] = [
    ['Tenantson', ['Tenant staff']],
    ['Mixer', ['Tenant staff', 'Lobby staff']],
    ['Storekeeper', ['Store']],
    ['Newcomer', []],
    ['Waiting', ['Pending']],
    ['Lobbyist', ['Lobby staff']],
    ['Annexer', ['Annex staff']],
  ];
  for (const [lastName, held] of users)
    id[lastName] = ok<UserDetail>(
      await call('users.create', { lastName, accessLevelIds: held.map((l) => id[l]) }),
    ).id;
  id['key Tenantson'] = ok<Key>(await call('keys.issue', { userId: id['Tenantson'], uid: '04A2B3C4' })).id;
  id['key Lobbyist'] = ok<Key>(await call('keys.issue', { userId: id['Lobbyist'], uid: '04A2B3C5' })).id;

  const at = (h: number) => new Date(Date.UTC(2026, 10, 20, h)).toISOString();
  const repo = new EventRepo(f.site.db);
  const append = (doorId: number | null, h: number) =>
    repo.appendBatch([{ at: at(h), kind: 'door-forced', doorId, source: 'gw-1' }]).lastId;
  events = {
    east: append(id['Tenant east']!, 8),
    lobby: append(id['Lobby main']!, 9),
    store: append(id['Shared store']!, 10),
    device: append(null, 11),
    annexBack: append(id['Annex back']!, 12),
  };

  const role = ok<{ id: number }>(
    await call('roles.create', {
      name: 'Tenant desk',
      permissions: ['doors:read', 'users:read', 'users:write', 'keys:encode'],
      partition: { zoneIds: [id['Tenant floor']], doorIds: [id['Shared store']] },
    }),
  );
  await f.addOperator('tenant', [role.id]);
  tenant = f.callerOf((await f.login('tenant')).token)!;
}

beforeEach(async () => {
  f = await serviceFixture();
  await seed();
});
afterEach(() => f.close());

/** The error a caller gets for an id that does not exist, with the id replaced: "the same answer". */
async function sameAsMissing(method: string, params: Record<string, unknown>, field: string, what: number) {
  const hidden = failure(await call(method, { ...params, [field]: what }, tenant));
  const missing = failure(await call(method, { ...params, [field]: 999_999 }, tenant));
  expect(hidden.code, `${method} ${what}`).toBe(ErrorCode.NOT_FOUND);
  expect(hidden.message.replace(String(what), 'N')).toBe(missing.message.replace('999999', 'N'));
  expect(hidden.data).toEqual(missing.data);
}

describe('partitioned reads: doors, zones and access levels', () => {
  it('lists only the doors inside, with totals and pages counting only those', async () => {
    const all = await page<Door>('doors.list', {}, tenant);
    expect(names(all)).toEqual(['Shared store', 'Tenant east', 'Tenant west']);
    expect(all.total).toBe(3);
    const first = await page<Door>('doors.list', { limit: 2 }, tenant);
    const second = await page<Door>('doors.list', { limit: 2, offset: 2 }, tenant);
    expect([first.total, second.total]).toEqual([3, 3]);
    expect([...names(first), ...names(second)]).toEqual(names(all));
    expect((await page<Door>('doors.list', { search: 'lobby' }, tenant)).total).toBe(0);
    expect((await page<Door>('doors.list', { zoneId: id['Annex'] }, tenant)).items.map((d) => d.id)).toEqual([
      id['Shared store'],
    ]);
  });

  it('shows the zones inside and those holding a listed door, counting only the doors inside', async () => {
    const zones = await page<Zone>('zones.list', {}, tenant);
    expect(zones.items.map((z) => [z.name, z.doorCount])).toEqual([
      ['Annex', 1],
      ['Tenant floor', 2],
    ]);
    expect(zones.total).toBe(2);
    expect(ok<Zone>(await call('zones.get', { id: id['Annex'] }, tenant)).doorCount).toBe(1);
    expect(ok<Zone>(await call('zones.get', { id: id['Annex'] })).doorCount).toBe(2);
    const byCount = await page<Zone>('zones.list', { sort: 'doorCount', order: 'desc', limit: 1 }, tenant);
    expect([names(byCount), byCount.total]).toEqual([['Tenant floor'], 2]);
  });

  it('shows the access levels with a right inside, and those with no rights', async () => {
    const levels = await page<AccessLevel>('accessLevels.list', {}, tenant);
    expect(names(levels)).toEqual(['East only', 'Pending', 'Store', 'Tenant staff']);
    expect(levels.total).toBe(4);
    const paged = await page<AccessLevel>('accessLevels.list', { limit: 3, offset: 3 }, tenant);
    expect([names(paged), paged.total]).toEqual([['Tenant staff'], 4]);
  });

  it('answers a get of an outside door, zone or access level exactly as for a missing id', async () => {
    ok(await call('doors.get', { id: id['Shared store'] }, tenant));
    await sameAsMissing('doors.get', {}, 'id', id['Lobby main']!);
    await sameAsMissing('doors.get', {}, 'id', id['Annex back']!);
    await sameAsMissing('zones.get', {}, 'id', id['Lobby']!);
    await sameAsMissing('accessLevels.get', {}, 'id', id['Lobby staff']!);
    await sameAsMissing('accessLevels.get', {}, 'id', id['Annex staff']!);
  });
});

describe('partitioned reads: users and keys', () => {
  it('lists the users with a level inside, no level, or only levels without rights; totals and pages agree', async () => {
    const all = await page<User>('users.list', {}, tenant);
    expect(lastNames(all)).toEqual(['Mixer', 'Newcomer', 'Storekeeper', 'Tenantson', 'Waiting']);
    expect(all.total).toBe(5);
    for (const offset of [0, 2, 4]) {
      const p = await page<User>('users.list', { limit: 2, offset }, tenant);
      expect([lastNames(p), p.total]).toEqual([lastNames(all).slice(offset, offset + 2), 5]);
    }
    // Every plan of users.list (trigram search, short words, level filter, sort index) filters alike.
    expect(lastNames(await page<User>('users.list', { search: 'er' }, tenant))).toEqual([
      'Mixer',
      'Newcomer',
      'Storekeeper',
    ]);
    expect((await page<User>('users.list', { search: 'lobbyist' }, tenant)).total).toBe(0);
    expect(lastNames(await page<User>('users.list', { accessLevelId: id['Lobby staff'] }, tenant))).toEqual([
      'Mixer',
    ]);
    expect((await page<User>('users.list', { hasKey: true }, tenant)).total).toBe(1);
  });

  it('exports only the users inside', async () => {
    const out = ok<{ csv: string; rows: number }>(await call('users.exportCsv', {}, tenant));
    expect(out.rows).toBe(5);
    expect(out.csv).toContain('Newcomer');
    expect(out.csv).not.toContain('Lobbyist');
    expect(out.csv).not.toContain('Annexer');
  });

  it('answers a get of an outside user exactly as for a missing id; a user with no level is found', async () => {
    expect(ok<UserDetail>(await call('users.get', { id: id['Newcomer'] }, tenant)).accessLevelIds).toEqual(
      [],
    );
    expect(ok<UserDetail>(await call('users.get', { id: id['Mixer'] }, tenant)).lastName).toBe('Mixer');
    await sameAsMissing('users.get', {}, 'id', id['Lobbyist']!);
    await sameAsMissing('users.get', {}, 'id', id['Annexer']!);
  });

  it('lists only the keys of users inside', async () => {
    const keys = await page<Key>('keys.list', {}, tenant);
    expect([keys.items.map((k) => k.id), keys.total]).toEqual([[id['key Tenantson']], 1]);
    expect((await page<Key>('keys.list', { userId: id['Lobbyist'] }, tenant)).total).toBe(0);
  });

  it('answers a write naming an outside user or key as for a missing one, and changes nothing', async () => {
    const v0 = ok<UserDetail>(await call('users.get', { id: id['Lobbyist'] }));
    await sameAsMissing('users.update', { version: 0, department: 'Mine now' }, 'id', id['Lobbyist']!);
    await sameAsMissing('users.delete', { version: 0 }, 'id', id['Lobbyist']!);
    await sameAsMissing('keys.issue', { uid: '04A2B3C6' }, 'userId', id['Lobbyist']!);
    await sameAsMissing('keys.cancel', { version: 0 }, 'id', id['key Lobbyist']!);
    await sameAsMissing('keys.revalidate', {}, 'id', id['key Lobbyist']!);
    // A stale version would answer CONFLICT for a user that exists: an outside one is still not found.
    expect(failure(await call('users.update', { id: id['Lobbyist'], version: 7 }, tenant)).code).toBe(
      ErrorCode.NOT_FOUND,
    );
    const bulk = failure(
      await call(
        'users.bulkUpdate',
        { ids: [id['Tenantson'], id['Lobbyist']], changes: { department: 'X' } },
        tenant,
      ),
    );
    expect(bulk).toMatchObject({ code: ErrorCode.NOT_FOUND, data: { missing: [id['Lobbyist']] } });
    expect(ok<UserDetail>(await call('users.get', { id: id['Lobbyist'] }))).toEqual(v0);
    expect(ok<UserDetail>(await call('users.get', { id: id['Tenantson'] })).department).toBe('');
    // Inside users are still written.
    ok(await call('users.update', { id: id['Newcomer'], version: 0, department: 'Tenant' }, tenant));
  });

  it('refuses with FORBIDDEN, not NOT_FOUND, a user the caller can read but not write', async () => {
    const reader = ok<{ id: number }>(
      await call('roles.create', { name: 'Site reader', permissions: ['users:read'], partition: null }),
    );
    const writer = ok<{ id: number }>(
      await call('roles.create', {
        name: 'Floor writer',
        permissions: ['users:write'],
        partition: { zoneIds: [id['Tenant floor']], doorIds: [] },
      }),
    );
    await f.addOperator('desk', [reader.id, writer.id]);
    const desk = f.callerOf((await f.login('desk')).token)!;
    expect(
      failure(await call('users.update', { id: id['Lobbyist'], version: 0, notes: 'x' }, desk)),
    ).toMatchObject({
      code: ErrorCode.FORBIDDEN,
      data: { reason: 'partition', permission: 'users:write', userIds: [id['Lobbyist']] },
    });
    ok(await call('users.update', { id: id['Tenantson'], version: 0, notes: 'x' }, desk));
  });
});

describe('partitioned reads: events', () => {
  const list = async (params: Record<string, unknown>, caller: Caller) =>
    ok<{ events: AccessEvent[]; nextBefore?: number }>(await call('events.list', params, caller));

  it('lists only the events at doors inside, none without a door; pages and cursors follow', async () => {
    expect((await list({}, tenant)).events.map((e) => e.id)).toEqual([events.store, events.east]);
    const first = await list({ limit: 1 }, tenant);
    expect(first).toEqual({
      events: [expect.objectContaining({ id: events.store })],
      nextBefore: events.store,
    });
    expect((await list({ limit: 1, before: first.nextBefore }, tenant)).events.map((e) => e.id)).toEqual([
      events.east,
    ]);
    expect((await list({ doorId: id['Lobby main'] }, tenant)).events).toEqual([]);
    // An outside event as the cursor is as unknown as a missing one.
    await sameAsMissing('events.list', {}, 'before', events.lobby!);
  });

  it('never sorts a partition’s history: the index walk keeps the time order', () => {
    const repo = new EventRepo(f.site.db);
    const area = { zones: new Set([id['Tenant floor']!]), doors: new Set([id['Shared store']!]) };
    for (const filter of [{}, { userId: 1 }, { doorId: id['Tenant east']! }]) {
      const plain = repo.queryPlan({ limit: 51, ...filter });
      const partitioned = repo.queryPlan({ limit: 51, area, ...filter });
      // The same index drives, and nothing sorts the page afterwards.
      expect(partitioned[0]).toBe(plain[0]);
      expect(partitioned.join('\n')).not.toMatch(/TEMP B-TREE/);
    }
  });
});

describe('site-wide operators', () => {
  it('see everything, exactly as before', async () => {
    const role = ok<{ id: number }>(
      await call('roles.create', {
        name: 'Site desk',
        permissions: ['doors:read', 'users:read', 'users:write', 'keys:encode'],
        partition: null,
      }),
    );
    await f.addOperator('desk', [role.id]);
    const desk = f.callerOf((await f.login('desk')).token)!;
    for (const who of [admin(), desk]) {
      expect((await page<Door>('doors.list', {}, who)).total).toBe(6);
      expect((await page<Zone>('zones.list', {}, who)).total).toBe(3);
      expect((await page<AccessLevel>('accessLevels.list', {}, who)).total).toBe(6);
      expect((await page<User>('users.list', {}, who)).total).toBe(7);
      expect((await page<Key>('keys.list', {}, who)).total).toBe(2);
      expect(ok<{ rows: number }>(await call('users.exportCsv', {}, who)).rows).toBe(7);
      const all = ok<{ events: AccessEvent[] }>(await call('events.list', {}, who)).events;
      expect(all.map((e) => e.id).sort((a, b) => a - b)).toEqual(Object.values(events));
      ok(await call('users.get', { id: id['Lobbyist'] }, who));
      ok(await call('doors.get', { id: id['Lobby main'] }, who));
    }
  });
});
