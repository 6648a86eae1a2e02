import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failure, ok, serviceFixture, type ServiceFixture } from '../../test/helpers/service-fixture.js';
import { ErrorCode } from '../contract/errors.js';
import type { Door, Zone } from '../contract/methods/doors.js';
import type { AccessEvent } from '../contract/methods/events.js';
import type { Key, UserDetail } from '../contract/methods/users.js';
import type { Caller } from '../rpc/context.js';
import { AuditRepo } from '../store/audit-repo.js';
import { zonedIso } from './csv-events.js';
import type { LiveEvent } from './event-bus.js';
import { EventLog } from './event-log.js';

// Zone "Tenant floor" holds door "Tenant east"; door "Lobby main" is outside it. The tenant operator
// reads doors (and so events) only in the tenant floor, and may handle keys there.

let f: ServiceFixture;
let id: Record<string, number>;
let tenant: Caller;
let log: EventLog;
const admin = () => f.callerOf(f.admin.token)!;
const call = (method: string, params: unknown, caller: Caller = admin()) =>
  f.call(method, params, { caller });

/** What a subscriber acting as `who` receives, topic events.appended only. */
function listen(who: () => Caller | undefined): AccessEvent[][] {
  const seen: AccessEvent[][] = [];
  f.service.events.subscribe(who, (e: LiveEvent) => {
    if (e.topic === 'events.appended') seen.push(e.payload as AccessEvent[]);
  });
  return seen;
}

const at = (day: number, hour: number) => new Date(Date.UTC(2026, 10, day, hour)).toISOString();

beforeEach(async () => {
  f = await serviceFixture();
  id = {};
  id.zone = ok<Zone>(await call('zones.create', { name: 'Tenant floor' })).id;
  id.east = ok<Door>(
    await call('doors.create', { name: 'Tenant east', kind: 'online', zoneIds: [id.zone] }),
  ).id;
  id.lobby = ok<Door>(await call('doors.create', { name: 'Lobby main', kind: 'online' })).id;
  id.ada = ok<UserDetail>(await call('users.create', { firstName: 'Ada', lastName: 'Lovelace' })).id;
  const role = ok<{ id: number }>(
    await call('roles.create', {
      name: 'Tenant desk',
      permissions: ['doors:read', 'users:read', 'users:write', 'keys:encode'],
      partition: { zoneIds: [id.zone], doorIds: [] },
    }),
  );
  await f.addOperator('tenant', [role.id]);
  const token = (await f.login('tenant')).token;
  tenant = f.callerOf(token)!;
  log = new EventLog(f.site.db, f.service.events);
});
afterEach(() => f.close());

describe('events.appended', () => {
  it('goes to every doors:read session, each seeing only the events inside its partition', () => {
    const siteWide = listen(admin);
    const partitioned = listen(() => tenant);
    const noPermission = listen(() => ({ ...tenant, permissions: new Set() }));
    const stored = log.append([
      { at: at(2, 8), kind: 'access-granted', doorId: id.east, userId: id.ada, source: 'gw-1' },
      { at: at(2, 9), kind: 'door-forced', doorId: id.lobby, source: 'gw-1' },
      { at: at(2, 10), kind: 'device', source: 'gw-1', detail: { battery: 'low' } },
    ]);
    expect(stored.map((e) => e.kind)).toEqual(['access-granted', 'door-forced', 'device']);
    expect(stored[0]).toMatchObject({ doorName: 'Tenant east', userName: 'Ada Lovelace', at: at(2, 8) });
    expect(siteWide).toEqual([stored]);
    expect(partitioned).toEqual([[stored[0]]]);
    expect(noPermission).toEqual([]);
  });

  it('carries the events exactly as events.list reads them', async () => {
    const stored = log.append([
      { at: at(2, 8), kind: 'access-granted', doorId: id.east, userId: id.ada, source: 'gw-1' },
      { at: at(2, 9), kind: 'access-denied', doorId: id.east, reason: 'blacklisted', source: 'gw-1' },
    ]);
    const listed = ok<{ events: AccessEvent[] }>(await call('events.list', {})).events;
    expect(stored).toEqual([...listed].reverse());
  });

  it('sends a partitioned session nothing when no event of the batch is inside', () => {
    const partitioned = listen(() => tenant);
    log.append([
      { at: at(3, 8), kind: 'door-forced', doorId: id.lobby, source: 'gw-1' },
      { at: at(3, 9), kind: 'device', source: 'gw-1' },
    ]);
    expect(partitioned).toEqual([]);
  });

  it('narrows once per partition, and fails closed for a subscriber without grants', () => {
    let narrowed = 0;
    const received: unknown[] = [];
    for (let i = 0; i < 3; i++)
      f.service.events.subscribe(
        () => tenant,
        (e) => received.push(e.payload),
      );
    f.service.events.subscribe(
      () => ({ permissions: tenant.permissions, sessionHash: tenant.sessionHash }),
      (e) => received.push(e.payload),
    );
    f.service.events.publishNarrowed('events.appended', [], () => {
      narrowed++;
      return undefined;
    });
    expect(narrowed).toBe(1);
    expect(received).toEqual([]);
  });

  it('cannot be published without narrowing', () => {
    expect(() => f.service.events.publish('events.appended', [])).toThrow(/publishNarrowed/);
    expect(() => f.service.events.publishNarrowed('site.updated', {} as never, () => undefined)).toThrow(
      /not narrowed/,
    );
  });

  it('is published only after the commit: append refuses to run inside a transaction', () => {
    const seen = listen(admin);
    f.site.db.transaction(() => {
      expect(() => log.append([{ at: at(4, 8), kind: 'device', source: 'gw-1' }])).toThrow(
        /inside a transaction/,
      );
    })();
    expect(seen).toEqual([]);
  });
});

describe('keys.cancel and keys.revalidate leave a configuration event', () => {
  it('stores it with the cancellation, lists it and publishes it to site-wide sessions', async () => {
    const siteWide = listen(admin);
    const partitioned = listen(() => tenant);
    const key = ok<Key>(await call('keys.issue', { userId: id.ada, uid: '04A2B3C4', revalidationHours: 24 }));
    f.advance(60_000);
    const revalidated = ok<Key>(await call('keys.revalidate', { id: key.id }));
    f.advance(60_000);
    ok<Key>(await call('keys.cancel', { id: key.id, version: revalidated.version }));

    const listed = ok<{ events: AccessEvent[] }>(
      await call('events.list', { kinds: ['configuration'] }),
    ).events;
    expect(listed).toEqual([
      {
        id: 2,
        at: f.now().toISOString(),
        kind: 'configuration',
        doorId: null,
        doorName: null,
        userId: id.ada,
        userName: 'Ada Lovelace',
        credentialId: key.id,
        reason: 'key-cancelled',
        source: 'console',
        detail: { operator: 'admin', uid: '04A2B3C4', blacklistSeq: 1, workingUntil: expect.any(String) },
      },
      expect.objectContaining({
        id: 1,
        reason: 'key-revalidated',
        credentialId: key.id,
        detail: { operator: 'admin', uid: '04A2B3C4', from: 'issued' },
      }),
    ]);
    expect(siteWide).toEqual([[listed[1]], [listed[0]]]);
    // No door: outside every partition, as events.list says too.
    expect(partitioned).toEqual([]);
    expect(ok<{ events: AccessEvent[] }>(await call('events.list', {}, tenant)).events).toEqual([]);
  });

  it('stores nothing and publishes nothing when the change is refused', async () => {
    const seen = listen(admin);
    const key = ok<Key>(await call('keys.issue', { userId: id.ada, uid: '04A2B3C4' }));
    expect(failure(await call('keys.cancel', { id: key.id, version: key.version + 1 })).code).toBe(
      ErrorCode.CONFLICT,
    );
    ok(await call('keys.cancel', { id: key.id, version: key.version }));
    expect(failure(await call('keys.cancel', { id: key.id, version: key.version + 1 })).code).toBe(
      ErrorCode.CONFLICT,
    );
    expect(failure(await call('keys.revalidate', { id: key.id })).code).toBe(ErrorCode.CONFLICT);
    const count = (f.site.db.prepare('SELECT count(*) AS n FROM access_event').get() as { n: number }).n;
    expect(count).toBe(1);
    expect(seen).toHaveLength(1);
  });

  it('names the operator who made the change, whoever it is', async () => {
    const key = ok<Key>(await call('keys.issue', { userId: id.ada, uid: '04A2B3C4' }));
    ok(await call('keys.cancel', { id: key.id, version: key.version }, tenant));
    const [e] = ok<{ events: AccessEvent[] }>(await call('events.list', {})).events;
    expect(e).toMatchObject({ reason: 'key-cancelled', detail: { operator: 'tenant' } });
  });
});

describe('events.exportCsv', () => {
  const parse = (csv: string) =>
    csv
      .replace(/^\uFEFF/, '')
      .split('\r\n')
      .filter(Boolean);

  it('writes the events matching the filters, newest first, with a BOM, CRLF and guarded formulas', async () => {
    log.append([
      { at: at(2, 8), kind: 'access-granted', doorId: id.east, userId: id.ada, source: 'gw-1' },
      {
        at: at(2, 9),
        kind: 'access-denied',
        doorId: id.lobby,
        reason: 'blacklisted',
        source: '=HYPERLINK("http://evil")',
        detail: { reader: 'in, "front"' },
      },
      { at: at(3, 7), kind: 'device', source: 'gw-2' },
    ]);
    const all = ok<{ csv: string; rows: number; truncated: boolean; timeZone: string }>(
      await call('events.exportCsv', {}),
    );
    expect(all.csv.startsWith('\uFEFF')).toBe(true);
    expect(all).toMatchObject({ rows: 3, truncated: false });
    const lines = parse(all.csv);
    expect(lines[0]).toBe('at,siteTime,kind,doorId,door,userId,user,keyId,reason,source,detail');
    expect(lines.slice(1).map((l) => l.split(',')[2])).toEqual(['device', 'access-denied', 'access-granted']);
    expect(lines[2]).toBe(
      `${at(2, 9)},${zonedIso(at(2, 9), all.timeZone)},access-denied,${id.lobby},Lobby main,,,,blacklisted,` +
        `"'=HYPERLINK(""http://evil"")","{""reader"":""in, \\""front\\""""}"`,
    );
    expect(lines[3]).toBe(
      `${at(2, 8)},${zonedIso(at(2, 8), all.timeZone)},access-granted,${id.east},Tenant east,${id.ada},Ada Lovelace,,,gw-1,`,
    );

    const filtered = ok<{ csv: string; rows: number }>(
      await call('events.exportCsv', {
        kinds: ['access-granted', 'access-denied'],
        from: at(2, 8),
        to: at(2, 9),
      }),
    );
    expect(filtered.rows).toBe(1);
    expect(parse(filtered.csv)[1]).toMatch(/,access-granted,/);
  });

  it('exports only what the partition shows', async () => {
    log.append([
      { at: at(2, 8), kind: 'access-granted', doorId: id.east, source: 'gw-1' },
      { at: at(2, 9), kind: 'door-forced', doorId: id.lobby, source: 'gw-1' },
      { at: at(2, 10), kind: 'device', source: 'gw-1' },
    ]);
    const out = ok<{ csv: string; rows: number }>(await call('events.exportCsv', {}, tenant));
    expect(out.rows).toBe(1);
    expect(parse(out.csv).slice(1)).toEqual([expect.stringContaining('Tenant east')]);
  });

  it('stops at maxRows, says so, and pages through more than one read', async () => {
    const many = Array.from({ length: 4_500 }, (_, i) => ({
      at: new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString(),
      kind: 'access-granted' as const,
      doorId: id.east,
      source: 'gw-1',
    }));
    log.append(many);
    const whole = ok<{ csv: string; rows: number; truncated: boolean }>(await call('events.exportCsv', {}));
    expect([whole.rows, whole.truncated]).toEqual([4_500, false]);
    const lines = parse(whole.csv).slice(1);
    expect(lines).toHaveLength(4_500);
    expect(new Set(lines).size).toBe(4_500);
    expect(lines[0]!.startsWith(many.at(-1)!.at)).toBe(true);
    expect(lines.at(-1)!.startsWith(many[0]!.at)).toBe(true);

    const cut = ok<{ csv: string; rows: number; truncated: boolean }>(
      await call('events.exportCsv', { maxRows: 2_000 }),
    );
    expect([cut.rows, cut.truncated]).toEqual([2_000, true]);
    expect(parse(cut.csv).slice(1)).toEqual(lines.slice(0, 2_000));
    const exact = ok<{ rows: number; truncated: boolean }>(
      await call('events.exportCsv', { maxRows: 4_500 }),
    );
    expect([exact.rows, exact.truncated]).toEqual([4_500, false]);
  });

  it('is recorded in the audit log with its filters and row count, and refused beyond the limit', async () => {
    log.append([{ at: at(2, 8), kind: 'access-granted', doorId: id.east, source: 'gw-1' }]);
    ok(await call('events.exportCsv', { doorId: id.east }));
    const entry = new AuditRepo(f.site.db).recent(5).find((e) => e.action === 'events.exportCsv');
    expect(entry).toMatchObject({
      actor: 'admin',
      outcome: 'ok',
      target: 'events',
      detail: { rows: 1, truncated: false, filters: { doorId: id.east } },
    });
    expect(failure(await call('events.exportCsv', { maxRows: 100_001 })).code).toBe(ErrorCode.INVALID_PARAMS);
  });

  it('writes the site time with the offset in force at that instant', () => {
    expect(zonedIso('2026-07-01T10:00:00.000Z', 'Europe/Madrid')).toBe('2026-07-01T12:00:00.000+02:00');
    expect(zonedIso('2026-12-01T10:00:00.000Z', 'Europe/Madrid')).toBe('2026-12-01T11:00:00.000+01:00');
    expect(zonedIso('2026-12-01T10:00:00.000Z', 'America/St_Johns')).toBe('2026-12-01T06:30:00.000-03:30');
    expect(zonedIso('2026-12-01T10:00:00.000Z', 'UTC')).toBe('2026-12-01T10:00:00.000+00:00');
  });
});
