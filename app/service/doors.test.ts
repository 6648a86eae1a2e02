import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failure, ok, serviceFixture, type ServiceFixture } from '../../test/helpers/service-fixture.js';
import type { DoorPolicy } from '../access/engine.js';
import { ErrorCode } from '../contract/errors.js';
import type { AccessLevel, Door, Zone } from '../contract/methods/doors.js';
import type { Caller } from '../rpc/context.js';
import { AuditRepo } from '../store/audit-repo.js';

let f: ServiceFixture;
const admin = () => f.callerOf(f.admin.token)!;
const call = (method: string, params: unknown, caller: Caller = admin()) =>
  f.call(method, params, { caller });
const office = { mon: [{ start: 480, end: 1080 }] };

type Page<T> = { items: T[]; total: number };
type Issues = { issues: { path: string; message: string }[] };

const zone = async (name: string) => ok<Zone>(await call('zones.create', { name }));
const door = async (name: string, more: Record<string, unknown> = {}) =>
  ok<Door>(await call('doors.create', { name, kind: 'online', ...more }));
const period = async (name: string) =>
  ok<{ id: number }>(await call('timePeriods.create', { name, rules: office })).id;

/** The rows of the tables this file writes, and the change feed: what "nothing written" compares. */
function state(): string {
  const tables = ['zone', 'door', 'door_zone', 'access_level', 'access_level_right', 'change_log'];
  return JSON.stringify(tables.map((t) => f.site.db.prepare(`SELECT * FROM ${t}`).all()));
}

/** The change feed after a revision, as "op entity:id", only for the given tables when some are given. */
function feed(since = 0, entities?: string[]): string[] {
  return (
    f.site.db
      .prepare('SELECT entity, entity_id, op FROM change_log WHERE revision > ? ORDER BY revision')
      .all(since) as { entity: string; entity_id: number; op: string }[]
  )
    .filter((r) => !entities || entities.includes(r.entity))
    .map((r) => `${r.op} ${r.entity}:${r.entity_id}`);
}

const revision = () =>
  (f.site.db.prepare('SELECT coalesce(max(revision), 0) AS r FROM change_log').get() as { r: number }).r;

const paths = (e: { data?: unknown }) => (e.data as Issues).issues.map((i) => i.path);

beforeEach(async () => {
  f = await serviceFixture();
});
afterEach(() => f.close());

describe('zones', () => {
  it('creates, lists with door counts, updates with a version and deletes, each change audited and fed', async () => {
    const z = await zone('3rd floor');
    expect(z).toMatchObject({ name: '3rd floor', description: '', doorCount: 0, version: 0 });
    await door('Lift lobby', { zoneIds: [z.id] });
    expect(ok<Page<Zone>>(await call('zones.list', {})).items[0]).toMatchObject({ id: z.id, doorCount: 1 });
    const updated = ok<Zone>(await call('zones.update', { id: z.id, version: 0, description: 'Tenant A' }));
    expect(updated).toMatchObject({ version: 1, description: 'Tenant A' });
    expect(failure(await call('zones.update', { id: z.id, version: 0, name: 'Lost update' }))).toMatchObject({
      code: ErrorCode.CONFLICT,
      data: { reason: 'stale', currentVersion: 1 },
    });
    expect(failure(await call('zones.create', { name: '3RD FLOOR' })).data).toMatchObject({
      reason: 'name taken',
    });
    ok(await call('zones.delete', { id: z.id, version: 1 }));
    expect(failure(await call('zones.get', { id: z.id })).code).toBe(ErrorCode.NOT_FOUND);
    const log = new AuditRepo(f.site.db).list({ limit: 10, action: 'zones.' });
    expect(log.map((e) => [e.action, e.outcome, e.target])).toEqual([
      ['zones.delete', 'ok', `zone:${z.id}`],
      ['zones.create', 'CONFLICT', 'zone-name:3RD FLOOR'],
      ['zones.update', 'CONFLICT', `zone:${z.id}`],
      ['zones.update', 'ok', `zone:${z.id}`],
      ['zones.create', 'ok', `zone:${z.id}`],
    ]);
    expect(log[3]!.detail).toEqual({ changes: { description: { from: '', to: 'Tenant A' } } });
    expect(feed(0, ['zone'])).toEqual([`insert zone:${z.id}`, `update zone:${z.id}`, `delete zone:${z.id}`]);
  });

  it('takes its doors out when deleted (new door versions), and refuses while an access level grants it', async () => {
    const z = await zone('Lab');
    const other = await zone('Annex');
    const d = await door('Lab door', { zoneIds: [z.id, other.id] });
    const p = await period('Office');
    const level = ok<AccessLevel>(
      await call('accessLevels.create', {
        name: 'Lab staff',
        rights: [{ zoneId: z.id, periodId: p }],
      }),
    );
    const refused = failure(await call('zones.delete', { id: z.id, version: 0 }));
    expect(refused).toMatchObject({
      code: ErrorCode.CONFLICT,
      data: { reason: 'in use', accessLevels: [{ id: level.id, name: 'Lab staff' }] },
    });
    expect(refused.message).toContain('Lab staff');
    ok(await call('accessLevels.update', { id: level.id, version: 0, rights: [] }));
    const before = revision();
    ok(await call('zones.delete', { id: z.id, version: 0 }));
    expect(ok<Door>(await call('doors.get', { id: d.id }))).toMatchObject({
      zoneIds: [other.id],
      version: 1,
    });
    expect(feed(before)).toEqual([`update door:${d.id}`, `delete door_zone:${d.id}`, `delete zone:${z.id}`]);
    const entry = new AuditRepo(f.site.db).list({ limit: 1, action: 'zones.delete' })[0]!;
    expect(entry.detail).toEqual({ name: 'Lab', doorsLeft: [d.id] });
  });
});

describe('doors', () => {
  it('creates with defaults that map onto the engine policy, updates with a version, deletes', async () => {
    const z = await zone('Ground');
    const d = await door('Main entrance', { zoneIds: [z.id] });
    expect(d).toMatchObject({
      kind: 'online',
      openSeconds: 5,
      extendedOpenSeconds: 20,
      openMode: 'standard',
      auth: { mode: 'card' },
      calendarId: 1,
      zoneIds: [z.id],
      version: 0,
    });
    expect(d).not.toHaveProperty('officePeriodId');
    // The contract's door is the engine's policy plus bookkeeping.
    const policy: DoorPolicy = { doorId: d.id, ...d };
    expect(policy.zoneIds).toEqual([z.id]);

    const night = await period('Night');
    const updated = ok<Door>(
      await call('doors.update', {
        id: d.id,
        version: 0,
        openMode: 'timed-office',
        officePeriodId: night,
        auth: { mode: 'card', scheduled: { periodId: night, mode: 'card+pin' } },
        zoneIds: [],
      }),
    );
    expect(updated).toMatchObject({
      version: 1,
      openMode: 'timed-office',
      officePeriodId: night,
      auth: { scheduled: { periodId: night, mode: 'card+pin' } },
      zoneIds: [],
    });
    expect(failure(await call('doors.update', { id: d.id, version: 0, openSeconds: 9 }))).toMatchObject({
      code: ErrorCode.CONFLICT,
      data: { reason: 'stale', currentVersion: 1 },
    });
    // Leaving timed-office drops the office period.
    const standard = ok<Door>(await call('doors.update', { id: d.id, version: 1, openMode: 'standard' }));
    expect(standard).not.toHaveProperty('officePeriodId');
    const entry = new AuditRepo(f.site.db).list({ limit: 1, action: 'doors.update' })[0]!;
    expect(entry.detail).toEqual({
      changes: { openMode: { from: 'timed-office', to: 'standard' }, officePeriodId: { from: night } },
    });
    ok(await call('doors.delete', { id: d.id, version: 2 }));
    expect(failure(await call('doors.get', { id: d.id })).code).toBe(ErrorCode.NOT_FOUND);
    expect(failure(await call('doors.delete', { id: d.id, version: 2 })).code).toBe(ErrorCode.NOT_FOUND);
    expect(feed(0, ['door', 'door_zone'])).toEqual([
      `insert door:${d.id}`,
      `insert door_zone:${d.id}`,
      `update door:${d.id}`,
      `delete door_zone:${d.id}`,
      `update door:${d.id}`,
      `delete door:${d.id}`,
    ]);
  });

  it('lists with search, filters, sorting and paging', async () => {
    const z = await zone('West');
    await door('Entrance west', { zoneIds: [z.id] });
    await door('Store room', { kind: 'offline' });
    await door('Entrance east', { kind: 'rf' });
    await door('Loading bay', { kind: 'offline', zoneIds: [z.id], openMode: 'office' });
    const list = async (p: Record<string, unknown>) => {
      const page = ok<Page<Door>>(await call('doors.list', p));
      return [page.total, page.items.map((d) => d.name)];
    };
    expect(await list({ limit: 2 })).toEqual([4, ['Entrance east', 'Entrance west']]);
    expect(await list({ limit: 2, offset: 2 })).toEqual([4, ['Loading bay', 'Store room']]);
    expect(await list({ search: 'ENTRANCE', order: 'desc' })).toEqual([
      2,
      ['Entrance west', 'Entrance east'],
    ]);
    expect(await list({ kind: 'offline' })).toEqual([2, ['Loading bay', 'Store room']]);
    expect(await list({ zoneId: z.id, sort: 'id' })).toEqual([2, ['Entrance west', 'Loading bay']]);
    expect(await list({ openMode: 'office' })).toEqual([1, ['Loading bay']]);
    expect(await list({ sort: 'kind', order: 'desc', limit: 1 })).toEqual([4, ['Entrance east']]);
    expect(await list({ search: '_' })).toEqual([0, []]);
    expect(failure(await call('doors.list', { kind: 'wooden' })).code).toBe(ErrorCode.INVALID_PARAMS);
  });

  it('names each bad field and writes nothing', async () => {
    const z = await zone('North');
    const p = await period('Office');
    const d = await door('Gate', { zoneIds: [z.id] });
    const before = state();
    const dangling = failure(
      await call('doors.create', {
        name: 'Side gate',
        kind: 'rf',
        openMode: 'timed-office',
        officePeriodId: 404,
        auth: { mode: 'card', scheduled: { periodId: 405, mode: 'card+pin' } },
        calendarId: 406,
        zoneIds: [z.id, 407],
      }),
    );
    expect(dangling.code).toBe(ErrorCode.NOT_FOUND);
    expect(paths(dangling)).toEqual(['officePeriodId', 'auth.scheduled.periodId', 'calendarId', 'zoneIds.1']);
    expect(dangling.message).toContain('zoneIds.1: no zone 407');

    const bad = failure(
      await call('doors.create', {
        name: ' ',
        kind: 'online',
        openSeconds: 30,
        extendedOpenSeconds: 10,
        openMode: 'timed-office',
        auth: { mode: 'card', scheduled: { periodId: p, mode: 'card' } },
        zoneIds: [z.id, z.id],
      }),
    );
    expect(bad.code).toBe(ErrorCode.INVALID_PARAMS);
    expect(paths(bad).sort()).toEqual(
      ['name', 'auth.scheduled.mode', 'zoneIds.1', 'officePeriodId', 'extendedOpenSeconds'].sort(),
    );
    expect(paths(failure(await call('doors.create', { name: 'X', kind: 'online', openSeconds: 0 })))).toEqual(
      ['openSeconds'],
    );
    expect(
      paths(failure(await call('doors.create', { name: 'X', kind: 'online', officePeriodId: p }))),
    ).toEqual(['officePeriodId']);

    // An update is checked once merged with what is stored.
    const merged = failure(await call('doors.update', { id: d.id, version: 0, openSeconds: 60 }));
    expect(merged.code).toBe(ErrorCode.INVALID_PARAMS);
    expect(merged.message).toContain('extendedOpenSeconds: must be at least openSeconds (60)');
    const noPeriod = failure(await call('doors.update', { id: d.id, version: 0, openMode: 'timed-office' }));
    expect(paths(noPeriod)).toEqual(['officePeriodId']);
    expect(paths(failure(await call('doors.update', { id: d.id, version: 0, zoneIds: [99] })))).toEqual([
      'zoneIds.0',
    ]);
    expect(failure(await call('doors.create', { name: 'gate', kind: 'rf' })).data).toMatchObject({
      reason: 'name taken',
    });
    expect(state()).toBe(before);
  });

  it('refuses deleting a door an access level grants, naming the levels', async () => {
    const d = await door('Server room');
    const p = await period('Office');
    for (const name of ['IT', 'Facilities'])
      ok(await call('accessLevels.create', { name, rights: [{ doorId: d.id, periodId: p }] }));
    const refused = failure(await call('doors.delete', { id: d.id, version: 0 }));
    expect(refused).toMatchObject({ code: ErrorCode.CONFLICT, data: { reason: 'in use' } });
    expect(refused.message).toContain('access levels Facilities, IT');
    expect(ok<Door>(await call('doors.get', { id: d.id })).name).toBe('Server room');
  });

  it('answers a constraint the checks did not foresee with CONFLICT, not an internal error', async () => {
    const d = await door('Plant room');
    // A table added later that refers to doors (say, the devices installed at them).
    f.site.db.exec('CREATE TABLE probe (door_id INTEGER NOT NULL REFERENCES door(id) ON DELETE RESTRICT)');
    f.site.db.prepare('INSERT INTO probe VALUES (?)').run(d.id);
    expect(failure(await call('doors.delete', { id: d.id, version: 0 }))).toMatchObject({
      code: ErrorCode.CONFLICT,
      data: { reason: 'in use' },
    });
    // The store itself refuses a repeated right (NULLs would slip past a single UNIQUE over both columns).
    const p = await period('Office');
    const level = ok<AccessLevel>(
      await call('accessLevels.create', { name: 'Plant', rights: [{ doorId: d.id, periodId: p }] }),
    );
    expect(() =>
      f.site.db
        .prepare('INSERT INTO access_level_right (access_level_id, door_id, period_id) VALUES (?, ?, ?)')
        .run(level.id, d.id, p),
    ).toThrow(/UNIQUE/);
  });

  it('sets the open mode as a command: lockdown by an operator, audited, fed once', async () => {
    const d = await door('Main entrance');
    await f.addOperator('guard', [2]);
    const guard = f.callerOf((await f.login('guard')).token)!;
    const before = revision();
    const locked = ok<Door>(await call('doors.setOpenMode', { id: d.id, openMode: 'lockdown' }, guard));
    expect(locked).toMatchObject({ openMode: 'lockdown', version: 1 });
    // Pressed twice: nothing changes, but the press is still on record.
    expect(ok<Door>(await call('doors.setOpenMode', { id: d.id, openMode: 'lockdown' }, guard)).version).toBe(
      1,
    );
    expect(feed(before)).toEqual([`update door:${d.id}`]);
    const log = new AuditRepo(f.site.db).list({ limit: 2, action: 'doors.setOpenMode' });
    expect(log.map((e) => [e.actor, e.target, e.detail])).toEqual([
      ['guard', `door:${d.id}`, { from: 'lockdown', to: 'lockdown', unchanged: true }],
      ['guard', `door:${d.id}`, { from: 'standard', to: 'lockdown' }],
    ]);
    // The operator role may command doors but not edit them.
    expect(
      failure(await call('doors.update', { id: d.id, version: 1, openSeconds: 7 }, guard)),
    ).toMatchObject({
      code: ErrorCode.FORBIDDEN,
      data: { permission: 'doors:write' },
    });
    const timed = failure(await call('doors.setOpenMode', { id: d.id, openMode: 'timed-office' }, guard));
    expect(paths(timed)).toEqual(['officePeriodId']);
    const missing = failure(
      await call('doors.setOpenMode', { id: d.id, openMode: 'timed-office', officePeriodId: 9 }, guard),
    );
    expect([missing.code, paths(missing)]).toEqual([ErrorCode.NOT_FOUND, ['officePeriodId']]);
    const p = await period('Opening hours');
    expect(
      ok<Door>(
        await call('doors.setOpenMode', { id: d.id, openMode: 'timed-office', officePeriodId: p }, guard),
      ),
    ).toMatchObject({ openMode: 'timed-office', officePeriodId: p, version: 2 });
  });
});

describe('access levels', () => {
  it('creates, updates rights with a version, refuses deleting one cardholders hold, deletes', async () => {
    const z = await zone('Ground');
    const d = await door('Main entrance');
    const p = await period('Office');
    const level = ok<AccessLevel>(
      await call('accessLevels.create', {
        name: 'Staff',
        description: 'Everyone employed here',
        rights: [
          { zoneId: z.id, periodId: p },
          { doorId: d.id, periodId: p },
        ],
      }),
    );
    expect(level).toMatchObject({
      version: 0,
      cardholderCount: 0,
      rights: [{ zoneId: z.id }, { doorId: d.id }],
    });
    const updated = ok<AccessLevel>(
      await call('accessLevels.update', {
        id: level.id,
        version: 0,
        rights: [{ doorId: d.id, periodId: p }],
      }),
    );
    expect(updated).toMatchObject({ version: 1, rights: [{ doorId: d.id, periodId: p }] });
    expect(
      failure(await call('accessLevels.update', { id: level.id, version: 0, name: 'Lost' })),
    ).toMatchObject({ code: ErrorCode.CONFLICT, data: { reason: 'stale', currentVersion: 1 } });
    const entry = new AuditRepo(f.site.db).list({
      limit: 1,
      action: 'accessLevels.update',
      outcome: 'ok',
    })[0]!;
    expect(entry.detail).toEqual({
      changes: {},
      rightsAdded: [],
      rightsRemoved: [{ zoneId: z.id, periodId: p }],
      keysMarked: 0,
    });

    // A cardholder holds it (written directly: cardholders are another file's work).
    f.site.db
      .prepare(
        "INSERT INTO cardholder (id, first_name, last_name, created_at, updated_at) VALUES (1, 'Ada', 'L', 'a', 'a')",
      )
      .run();
    f.site.db.prepare('INSERT INTO cardholder_access_level VALUES (1, ?)').run(level.id);
    expect(ok<AccessLevel>(await call('accessLevels.get', { id: level.id })).cardholderCount).toBe(1);
    expect(failure(await call('accessLevels.delete', { id: level.id, version: 1 }))).toMatchObject({
      code: ErrorCode.CONFLICT,
      data: { reason: 'in use', cardholders: 1 },
    });
    f.site.db.prepare('DELETE FROM cardholder_access_level').run();
    ok(await call('accessLevels.delete', { id: level.id, version: 1 }));
    const page = ok<Page<AccessLevel>>(await call('accessLevels.list', {}));
    expect(page.total).toBe(0);
    expect(feed(0, ['access_level', 'access_level_right'])).toEqual([
      `insert access_level:${level.id}`,
      `insert access_level_right:${level.id}`,
      `insert access_level_right:${level.id}`,
      `update access_level:${level.id}`,
      `delete access_level_right:${level.id}`,
      `delete access_level_right:${level.id}`,
      `insert access_level_right:${level.id}`,
      // The cascade runs before the level's own trigger.
      `delete access_level_right:${level.id}`,
      `delete access_level:${level.id}`,
    ]);
  });

  it('lists with search, sorting and paging', async () => {
    for (const name of ['Cleaners', 'Staff', 'Staff nights', 'Visitors'])
      ok(await call('accessLevels.create', { name }));
    const page = ok<Page<AccessLevel>>(await call('accessLevels.list', { search: 'staff', order: 'desc' }));
    expect([page.total, page.items.map((l) => l.name)]).toEqual([2, ['Staff nights', 'Staff']]);
    const second = ok<Page<AccessLevel>>(
      await call('accessLevels.list', { sort: 'id', limit: 1, offset: 1 }),
    );
    expect([second.total, second.items.map((l) => l.name)]).toEqual([4, ['Staff']]);
  });

  it('names each bad or dangling right and writes nothing', async () => {
    const d = await door('Main entrance');
    const p = await period('Office');
    const before = state();
    const dangling = failure(
      await call('accessLevels.create', {
        name: 'Broken',
        rights: [
          { doorId: d.id, periodId: p },
          { doorId: 404, periodId: p },
          { zoneId: 405, periodId: p },
          { doorId: d.id, periodId: 406 },
        ],
      }),
    );
    expect([dangling.code, paths(dangling)]).toEqual([
      ErrorCode.NOT_FOUND,
      ['rights.1.doorId', 'rights.2.zoneId', 'rights.3.periodId'],
    ]);
    const bad = failure(
      await call('accessLevels.create', {
        name: 'Broken',
        rights: [
          { doorId: d.id, periodId: p },
          { doorId: d.id, zoneId: 1, periodId: p },
          { periodId: p },
          { doorId: d.id, periodId: p },
        ],
      }),
    );
    expect([bad.code, paths(bad)]).toEqual([
      ErrorCode.INVALID_PARAMS,
      ['rights.1.zoneId', 'rights.2.doorId', 'rights.3'],
    ]);
    const many = Array.from({ length: 1001 }, (_, i) => ({ doorId: d.id, periodId: i + 1 }));
    expect(paths(failure(await call('accessLevels.create', { name: 'Huge', rights: many })))).toEqual([
      'rights',
    ]);
    expect(state()).toBe(before);
  });
});

describe('partitions', () => {
  it('lets a partitioned operator change only doors, zones and access levels inside their part', async () => {
    const mine = await zone('Tenant floor');
    const theirs = await zone('Lobby');
    const inside = await door('Tenant door', { zoneIds: [mine.id] });
    const listed = await door('Tenant store');
    const outside = await door('Lobby door', { zoneIds: [theirs.id] });
    const p = await period('Office');
    const role = ok<{ id: number }>(
      await call('roles.create', {
        name: 'Tenant technician',
        description: '',
        permissions: ['doors:read', 'doors:write', 'doors:command'],
        partition: { zoneIds: [mine.id], doorIds: [listed.id] },
      }),
    );
    await f.addOperator('tenant', [role.id]);
    const tenant = f.callerOf((await f.login('tenant')).token)!;
    const as = (method: string, params: unknown) => call(method, params, tenant);
    const refused = async (method: string, params: unknown, outsideNames: string[]) => {
      const e = failure(await as(method, params));
      expect(e, `${method} ${JSON.stringify(params)}`).toMatchObject({
        code: ErrorCode.FORBIDDEN,
        data: { outside: outsideNames },
      });
      return e;
    };

    // Allowed: doors of their zone or listed by id, their zone, levels whose every right is theirs.
    ok(await as('doors.update', { id: inside.id, version: 0, openSeconds: 7 }));
    ok(await as('doors.update', { id: listed.id, version: 0, zoneIds: [mine.id] }));
    const created = ok<Door>(
      await as('doors.create', { name: 'Tenant back door', kind: 'offline', zoneIds: [mine.id] }),
    );
    ok(await as('doors.setOpenMode', { id: inside.id, openMode: 'lockdown' }));
    ok(await as('zones.update', { id: mine.id, version: 0, description: 'Ours' }));
    const level = ok<AccessLevel>(
      await as('accessLevels.create', {
        name: 'Tenant staff',
        rights: [
          { zoneId: mine.id, periodId: p },
          { doorId: listed.id, periodId: p },
        ],
      }),
    );
    ok(await as('doors.delete', { id: created.id, version: 0 }));
    // Lists show only what is inside (the outside door is left out: partition-reads.test.ts).
    expect(ok<Page<Door>>(await as('doors.list', {})).total).toBe(2);

    // Refused, naming what is outside.
    const e = await refused('doors.update', { id: outside.id, version: 0, openSeconds: 7 }, [
      `door:${outside.id}`,
    ]);
    expect(e.message).toBe(`Door Lobby door reaches outside your doors:write partition: door ${outside.id}`);
    const v = ok<Door>(await as('doors.get', { id: inside.id })).version;
    await refused('doors.update', { id: inside.id, version: v, zoneIds: [mine.id, theirs.id] }, [
      `zone:${theirs.id}`,
    ]);
    await refused('doors.update', { id: inside.id, version: v, zoneIds: [] }, [`door:${inside.id}`]);
    await refused('doors.create', { name: 'Nowhere', kind: 'rf' }, ['door:new']);
    await refused('doors.create', { name: 'Both', kind: 'rf', zoneIds: [mine.id, theirs.id] }, [
      `zone:${theirs.id}`,
    ]);
    await refused('doors.delete', { id: outside.id, version: 0 }, [`door:${outside.id}`]);
    await refused('doors.setOpenMode', { id: outside.id, openMode: 'lockdown' }, [`door:${outside.id}`]);
    await refused('zones.create', { name: 'Annex' }, ['zone:new']);
    await refused('zones.update', { id: theirs.id, version: 0, name: 'Mine now' }, [`zone:${theirs.id}`]);
    await refused('zones.delete', { id: theirs.id, version: 0 }, [`zone:${theirs.id}`]);
    await refused(
      'accessLevels.create',
      {
        name: 'Everywhere',
        rights: [
          { zoneId: mine.id, periodId: p },
          { doorId: outside.id, periodId: p },
          { zoneId: theirs.id, periodId: p },
        ],
      },
      [`door:${outside.id}`, `zone:${theirs.id}`],
    );
    await refused(
      'accessLevels.update',
      { id: level.id, version: 0, rights: [{ zoneId: theirs.id, periodId: p }] },
      [`zone:${theirs.id}`],
    );
    const lobby = ok<AccessLevel>(
      await call('accessLevels.create', { name: 'Lobby', rights: [{ zoneId: theirs.id, periodId: p }] }),
    );
    await refused('accessLevels.update', { id: lobby.id, version: 0, rights: [] }, [`zone:${theirs.id}`]);
    await refused('accessLevels.delete', { id: lobby.id, version: 0 }, [`zone:${theirs.id}`]);
    expect(ok<Door>(await call('doors.get', { id: outside.id }))).toMatchObject({
      version: 0,
      openMode: 'standard',
    });

    const log = new AuditRepo(f.site.db).list({ limit: 50, actor: 'tenant', outcome: 'failed' });
    expect(log.length).toBe(14);
    expect(log.every((x) => x.outcome === 'FORBIDDEN')).toBe(true);
  });
});
