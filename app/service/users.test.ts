import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failure, ok, serviceFixture, type ServiceFixture } from '../../test/helpers/service-fixture.js';
import { BLACKLIST_CAPACITY, COMPACTION_MARGIN_SECONDS } from '../access/blacklist.js';
import { ErrorCode } from '../contract/errors.js';
import type { BlacklistStatus, Key, User, UserDetail } from '../contract/methods/users.js';
import { AuditRepo } from '../store/audit-repo.js';
import { CardholderRepo, SEARCH_TEXT, type UserListOptions } from '../store/cardholder-repo.js';
import type { Db } from '../store/sqlite.js';

let f: ServiceFixture;
// The caller as resolved at login: tests move the clock by days, past any session's idle timeout.
const call = (method: string, params: unknown) => f.call(method, params, { caller: f.admin.caller });
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Zones, doors and access levels, written directly (their RPC is built elsewhere). */
function seedAccessModel(db: Db): void {
  db.exec(`
    INSERT INTO time_period (id, name, rules, created_at, updated_at) VALUES (1, 'Always', '{}', 'a', 'a');
    INSERT INTO zone (id, name, created_at, updated_at) VALUES (1, 'Floor 1', 'a', 'a'), (2, 'Floor 2', 'a', 'a');
    INSERT INTO door (id, name, kind, created_at, updated_at) VALUES
      (1, 'F1 east', 'offline', 'a', 'a'), (2, 'F2 west', 'offline', 'a', 'a'), (3, 'Lobby', 'online', 'a', 'a');
    INSERT INTO door_zone (door_id, zone_id) VALUES (1, 1), (2, 2);
    INSERT INTO access_level (id, name, created_at, updated_at) VALUES
      (1, 'Floor 1 staff', 'a', 'a'), (2, 'Floor 2 staff', 'a', 'a'), (3, 'Lobby', 'a', 'a'), (4, 'Everything', 'a', 'a');
    INSERT INTO access_level_right (access_level_id, door_id, zone_id, period_id) VALUES
      (1, 1, NULL, 1), (2, NULL, 2, 1), (3, 3, NULL, 1), (4, NULL, 1, 1), (4, NULL, 2, 1);
  `);
}

const count = (table: string) =>
  (f.site.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
const issues = (e: ReturnType<typeof failure>) =>
  (e.data as unknown as { issues: { path: string; message: string }[] }).issues;

beforeEach(async () => {
  f = await serviceFixture();
  seedAccessModel(f.site.db);
});
afterEach(() => f.close());

async function createUser(p: Record<string, unknown>): Promise<UserDetail> {
  return ok<UserDetail>(await call('users.create', p));
}

describe('users', () => {
  it('creates, reads, updates with a version and deletes, the PIN write-only, each change audited', async () => {
    const created = await createUser({
      firstName: 'Ada',
      lastName: 'Lovelace',
      identifier: 'E-1001',
      department: 'Engineering',
      validFrom: '2026-01-01T00:00:00Z',
      validUntil: '2027-12-31T23:00:00Z',
      pin: '4711',
      privileges: { extendedOpening: true },
      notes: 'Wheelchair user',
      accessLevelIds: [3, 1],
    });
    expect(created).toMatchObject({
      version: 0,
      pinSet: true,
      validFrom: '2026-01-01T00:00:00.000Z',
      privileges: { office: false, privacyOverride: false, extendedOpening: true },
      accessLevelIds: [1, 3],
      keys: [],
    });
    expect(JSON.stringify(created)).not.toContain('4711');
    const stored = f.site.db.prepare('SELECT pin_hash FROM cardholder').get() as { pin_hash: string };
    expect(stored.pin_hash).toMatch(/^\$argon2id\$/);

    const updated = ok<UserDetail>(
      await call('users.update', { id: created.id, version: 0, department: 'Research', pin: '123456' }),
    );
    expect(updated).toMatchObject({ version: 1, department: 'Research', pinSet: true });
    expect(
      failure(await call('users.update', { id: created.id, version: 0, notes: 'lost update' })),
    ).toMatchObject({ code: ErrorCode.CONFLICT, data: { reason: 'stale', currentVersion: 1 } });
    const cleared = ok<UserDetail>(await call('users.update', { id: created.id, version: 1, pin: null }));
    expect(cleared.pinSet).toBe(false);
    expect(ok<UserDetail>(await call('users.get', { id: created.id })).notes).toBe('Wheelchair user');

    expect(failure(await call('users.delete', { id: created.id, version: 1 })).data).toMatchObject({
      reason: 'stale',
    });
    ok(await call('users.delete', { id: created.id, version: 2 }));
    expect(failure(await call('users.get', { id: created.id })).code).toBe(ErrorCode.NOT_FOUND);
    expect(count('cardholder_access_level')).toBe(0);

    const log = new AuditRepo(f.site.db).list({ limit: 10, action: 'users.' });
    expect(log.map((e) => [e.action, e.outcome, e.target])).toEqual([
      ['users.delete', 'ok', `user:${created.id}`],
      ['users.delete', 'CONFLICT', `user:${created.id}`],
      ['users.update', 'ok', `user:${created.id}`],
      ['users.update', 'CONFLICT', `user:${created.id}`],
      ['users.update', 'ok', `user:${created.id}`],
      ['users.create', 'ok', `user:${created.id}`],
    ]);
    expect(log[2]!.detail).toMatchObject({ pin: 'cleared' });
    expect(log[4]!.detail).toMatchObject({
      changed: { department: { from: 'Engineering', to: 'Research' } },
      pin: 'set',
    });
    // Neither the PIN nor its hash ever reaches the audit log.
    const all = JSON.stringify(log.map((e) => e.detail));
    expect(all).not.toMatch(/4711|123456|argon2/);
    // The search index followed the update and the delete.
    f.site.db
      .prepare("INSERT INTO cardholder_search (cardholder_search, rank) VALUES ('integrity-check', 1)")
      .run();
  });

  it('names each bad field, writes nothing, and keeps identifiers unique regardless of case', async () => {
    const dangling = failure(
      await call('users.create', { lastName: 'Hopper', accessLevelIds: [1, 2, 99, 3, 98] }),
    );
    expect(dangling.code).toBe(ErrorCode.INVALID_PARAMS);
    expect(issues(dangling).map((i) => i.path)).toEqual(['accessLevelIds.2', 'accessLevelIds.4']);
    const bad = failure(
      await call('users.create', {
        lastName: '',
        pin: '12a4',
        validFrom: '2027-01-01T00:00:00Z',
        validUntil: '2026-01-01T00:00:00Z',
      }),
    );
    expect(issues(bad).map((i) => i.path)).toEqual(['lastName', 'pin', 'validUntil']);
    const order = failure(
      await call('users.create', {
        lastName: 'Hopper',
        validFrom: '2027-01-01T00:00:00Z',
        validUntil: '2026-01-01T00:00:00Z',
      }),
    );
    expect(issues(order)).toEqual([{ path: 'validUntil', message: 'must be after validFrom' }]);
    expect(count('cardholder')).toBe(0);

    const grace = await createUser({
      lastName: 'Hopper',
      identifier: 'E-7',
      validUntil: '2027-01-01T00:00:00Z',
    });
    expect(failure(await call('users.create', { lastName: 'Other', identifier: 'e-7' })).data).toMatchObject({
      reason: 'identifier taken',
      field: 'identifier',
    });
    // Moving validFrom past the stored validUntil names validFrom.
    const merged = failure(
      await call('users.update', { id: grace.id, version: 0, validFrom: '2028-01-01T00:00:00Z' }),
    );
    expect(issues(merged).map((i) => i.path)).toEqual(['validFrom']);
    const dangle2 = failure(
      await call('users.update', { id: grace.id, version: 0, accessLevelIds: [4, 77] }),
    );
    expect(issues(dangle2).map((i) => i.path)).toEqual(['accessLevelIds.1']);
    expect(ok<UserDetail>(await call('users.get', { id: grace.id })).version).toBe(0);
    expect(count('cardholder')).toBe(1);
  });

  it('changes many users at once, all or nothing, in one audit entry', async () => {
    const a = await createUser({ lastName: 'A', accessLevelIds: [1] });
    const b = await createUser({ lastName: 'B', validFrom: '2026-06-01T00:00:00Z' });
    const key = ok<Key>(await call('keys.issue', { userId: b.id, uid: '04a1b2c3' }));
    const missing = failure(
      await call('users.bulkUpdate', { ids: [a.id, 999, b.id], changes: { department: 'Ops' } }),
    );
    expect(missing).toMatchObject({ code: ErrorCode.NOT_FOUND, data: { missing: [999] } });
    const clash = failure(
      await call('users.bulkUpdate', {
        ids: [a.id, b.id],
        changes: { department: 'Ops', validUntil: '2026-05-01T00:00:00Z' },
      }),
    );
    expect(issues(clash)).toEqual([
      { path: 'changes.validUntil', message: `must be after the validFrom of user ${b.id}` },
    ]);
    expect(
      issues(
        failure(
          await call('users.bulkUpdate', {
            ids: [a.id],
            changes: { addAccessLevelIds: [2], removeAccessLevelIds: [2] },
          }),
        ),
      ).map((i) => i.path),
    ).toEqual(['changes.removeAccessLevelIds']);
    expect(ok<User>(await call('users.get', { id: a.id })).department).toBe('');

    expect(
      ok(
        await call('users.bulkUpdate', {
          ids: [a.id, b.id],
          changes: { department: 'Ops', addAccessLevelIds: [2, 3], removeAccessLevelIds: [1] },
        }),
      ),
    ).toEqual({ updated: 2 });
    const [ua, ub] = [
      ok<UserDetail>(await call('users.get', { id: a.id })),
      ok<UserDetail>(await call('users.get', { id: b.id })),
    ];
    expect([ua.accessLevelIds, ua.department, ua.version]).toEqual([[2, 3], 'Ops', 1]);
    expect([ub.accessLevelIds, ub.version]).toEqual([[2, 3], 1]);
    expect(ub.keys.map((k) => [k.id, k.status])).toEqual([[key.id, 'needs-update']]);
    const entry = new AuditRepo(f.site.db).list({ limit: 1, action: 'users.bulkUpdate', outcome: 'ok' })[0]!;
    expect(entry).toMatchObject({ target: 'users', detail: { ids: [a.id, b.id], keysMarked: 1 } });
  });

  it('refuses access levels reaching outside a partitioned operator’s users:write, naming them', async () => {
    const role = ok<{ id: number }>(
      await call('roles.create', {
        name: 'Floor 1 tenant',
        permissions: ['users:read', 'users:write'],
        partition: { zoneIds: [1], doorIds: [] },
      }),
    );
    await f.addOperator('tenant', [role.id]);
    const tenant = (await f.login('tenant')).caller;
    const asTenant = (method: string, params: unknown) => f.call(method, params, { caller: tenant });
    const mine = ok<UserDetail>(await asTenant('users.create', { lastName: 'Inside', accessLevelIds: [1] }));
    expect(mine.accessLevelIds).toEqual([1]);
    const lobby = failure(await asTenant('users.create', { lastName: 'Out', accessLevelIds: [1, 3] }));
    expect(lobby).toMatchObject({
      code: ErrorCode.FORBIDDEN,
      data: { reason: 'partition', accessLevelIds: [3], doors: [3], zones: [] },
    });
    expect(lobby.message).toContain('access level 3 reaches door 3 outside your partition');
    const everything = failure(
      await asTenant('users.update', { id: mine.id, version: 0, accessLevelIds: [1, 4] }),
    );
    expect(everything.data).toMatchObject({ accessLevelIds: [4], zones: [2] });
    // Taking away a level outside the partition is refused too.
    // Level 1 keeps them inside the tenant's partition (a user wholly outside it is not found at all:
    // partition-reads.test.ts); level 2 reaches outside it.
    const other = await createUser({ lastName: 'Admin made', accessLevelIds: [1, 2] });
    expect(
      failure(await asTenant('users.bulkUpdate', { ids: [other.id], changes: { removeAccessLevelIds: [2] } }))
        .code,
    ).toBe(ErrorCode.FORBIDDEN);
    expect(failure(await asTenant('users.delete', { id: other.id, version: 0 })).data).toMatchObject({
      reason: 'partition',
      zones: [2],
    });
    // The site-wide administrator is never limited.
    ok(await call('users.update', { id: mine.id, version: 0, accessLevelIds: [1, 4] }));
  });
});

describe('users.list', () => {
  beforeEach(async () => {
    const people: Record<string, unknown>[] = [
      {
        firstName: 'José',
        lastName: 'Álvarez',
        identifier: 'E-001',
        department: 'Finance',
        accessLevelIds: [1],
      },
      {
        firstName: 'Ada',
        lastName: 'Lovelace',
        identifier: 'E-002',
        department: 'Engineering',
        accessLevelIds: [1, 2],
      },
      {
        firstName: 'Grace',
        lastName: 'Hopper',
        identifier: 'N-100',
        department: 'engineering',
        validUntil: '2026-01-01T00:00:00Z',
      },
      { firstName: 'Alan', lastName: 'Turing', department: 'Research', validFrom: '2027-01-01T00:00:00Z' },
      {
        firstName: 'Lucía',
        lastName: 'López',
        identifier: 'E-003',
        department: 'Sales',
        accessLevelIds: [2],
      },
      { firstName: '100%', lastName: 'Under_score', department: 'Sales' },
    ];
    for (const p of people) {
      await createUser(p);
      f.advance(1000);
    }
    ok(await call('keys.issue', { userId: 2, uid: '04A1B2C3' }));
  });
  const list = async (p: Record<string, unknown>) => {
    const r = ok<{ items: User[]; total: number }>(await call('users.list', p));
    return { total: r.total, names: r.items.map((u) => u.lastName) };
  };

  it('searches as you type: every word, any of the four columns, accents and case ignored', async () => {
    expect(await list({ search: 'jose' })).toEqual({ total: 1, names: ['Álvarez'] });
    expect(await list({ search: 'ALVA' })).toEqual({ total: 1, names: ['Álvarez'] });
    // Words shorter than three characters fold ASCII case only (LIKE), longer ones accents too.
    expect(await list({ search: 'lo' })).toEqual({ total: 1, names: ['Lovelace'] });
    expect(await list({ search: 'ló' })).toEqual({ total: 1, names: ['López'] });
    expect(await list({ search: 'lop' })).toEqual({ total: 1, names: ['López'] });
    expect(await list({ search: 'ada love' })).toEqual({ total: 1, names: ['Lovelace'] });
    expect(await list({ search: 'e-00' })).toEqual({ total: 3, names: ['Lovelace', 'López', 'Álvarez'] });
    expect((await list({ search: 'ENGIN' })).total).toBe(2);
    expect((await list({ search: 'n' })).total).toBe(5);
    // LIKE and FTS syntax in a search is literal.
    expect(await list({ search: '%' })).toEqual({ total: 1, names: ['Under_score'] });
    expect(await list({ search: 'r_s' })).toEqual({ total: 1, names: ['Under_score'] });
    expect((await list({ search: '"ada" OR x*' })).total).toBe(0);
  });

  it('never fails on whatever is typed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 30 }), async (search) => {
        const r = await call('users.list', { search });
        expect('error' in r ? r.error : undefined).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('filters by department, access level, validity and keys', async () => {
    expect((await list({ department: 'ENGINEERING' })).names).toEqual(['Hopper', 'Lovelace']);
    expect((await list({ accessLevelId: 2 })).names).toEqual(['Lovelace', 'López']);
    expect((await list({ accessLevelId: 2, search: 'luc' })).names).toEqual(['López']);
    expect((await list({ validity: 'expired' })).names).toEqual(['Hopper']);
    expect((await list({ validity: 'not-yet-valid' })).names).toEqual(['Turing']);
    expect((await list({ validity: 'active' })).total).toBe(4);
    expect((await list({ hasKey: true })).names).toEqual(['Lovelace']);
    expect((await list({ hasKey: false })).total).toBe(5);
  });

  it('sorts by each column either way and pages with a stable total', async () => {
    expect((await list({ sort: 'firstName' })).names.slice(0, 3)).toEqual([
      'Under_score',
      'Lovelace',
      'Turing',
    ]);
    expect((await list({ sort: 'identifier', order: 'desc' })).names.slice(0, 2)).toEqual([
      'Hopper',
      'López',
    ]);
    expect((await list({ sort: 'department' })).names).toEqual([
      'Hopper',
      'Lovelace',
      'Álvarez',
      'Turing',
      'López',
      'Under_score',
    ]);
    expect((await list({ sort: 'updatedAt', order: 'desc' })).names[0]).toBe('Under_score');
    const p1 = await list({ limit: 4 });
    const p2 = await list({ limit: 4, offset: 4 });
    expect([p1.total, p2.total, [...p1.names, ...p2.names]]).toEqual([
      6,
      6,
      ['Hopper', 'Lovelace', 'López', 'Turing', 'Under_score', 'Álvarez'],
    ]);
  });
});

/** What users.list must return, computed naively. */
function reference(
  users: ReturnType<CardholderRepo['byIds']>,
  o: UserListOptions,
  now: string,
  holders: Set<number>,
) {
  const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const ascii = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const words = [...new Set((o.search ?? '').split(/\s+/u).filter(Boolean))];
  const match = (u: (typeof users)[number]) =>
    words.every((w) => {
      const cols = [u.firstName, u.lastName, u.identifier ?? '', u.department];
      return [...w].length >= 3
        ? cols.some((c) => fold(c).includes(fold(w)))
        : cols.some((c) => ascii(c).includes(ascii(w)));
    }) &&
    (o.department === undefined || ascii(u.department) === ascii(o.department)) &&
    (o.accessLevelId === undefined || u.accessLevelIds.includes(o.accessLevelId)) &&
    (o.validity === undefined ||
      (o.validity === 'expired'
        ? u.validUntil !== null && u.validUntil <= now
        : o.validity === 'not-yet-valid'
          ? u.validFrom !== null && u.validFrom > now
          : (u.validFrom === null || u.validFrom <= now) && (u.validUntil === null || u.validUntil > now))) &&
    (o.hasKey === undefined || holders.has(u.id) === o.hasKey);
  const key = (u: (typeof users)[number]): (string | null)[] =>
    ({
      lastName: [ascii(u.lastName), ascii(u.firstName)],
      firstName: [ascii(u.firstName), ascii(u.lastName)],
      identifier: [u.identifier === null ? null : ascii(u.identifier)],
      department: [ascii(u.department), ascii(u.lastName), ascii(u.firstName)],
      updatedAt: [u.updatedAt],
    })[o.sort];
  const cmp = (a: (typeof users)[number], b: (typeof users)[number]) => {
    const [ka, kb] = [key(a), key(b)];
    for (let i = 0; i < ka.length; i++) {
      const [x, y] = [ka[i]!, kb[i]!];
      if (x === y) continue;
      if (x === null) return -1;
      if (y === null) return 1;
      // SQLite compares UTF-8 bytes: code point order, which UTF-16 order matches below U+D800.
      return x < y ? -1 : 1;
    }
    return a.id - b.id;
  };
  const found = users.filter(match).sort((a, b) => (o.order === 'desc' ? -cmp(a, b) : cmp(a, b)));
  return { total: found.length, ids: found.slice(o.offset, o.offset + o.limit).map((u) => u.id) };
}

describe('users.list plans', () => {
  it('returns what a naive filter and sort returns, whichever plan the count selects', async () => {
    const db = f.site.db;
    const repo = new CardholderRepo(db);
    const firsts = ['Ana', 'José', 'Luis', 'Émile', 'ana', 'Zoë', 'Bo'];
    const lasts = ['García', 'Garcia', 'López', 'Lopez', 'Smith', 'Öztürk', 'Ng', 'ANDERSON'];
    const depts = ['Sales', 'sales', 'R&D', 'Finance', ''];
    const rnd = fc.sample(fc.nat(1_000_000), 600);
    const at = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString();
    db.transaction(() => {
      const create = repo.creator();
      for (let i = 0; i < 300; i++) {
        const r = rnd[i]!;
        const id = create(
          {
            firstName: firsts[r % firsts.length]!,
            lastName: lasts[(r >> 3) % lasts.length]!,
            identifier: r % 5 === 0 ? null : `E-${String(i).padStart(4, '0')}`,
            department: depts[(r >> 6) % depts.length]!,
            validFrom: r % 7 === 0 && r % 11 !== 0 ? at(600_000) : null,
            validUntil: r % 11 === 0 ? at(100) : r % 3 === 0 ? at(900_000) : null,
            privileges: { office: false, privacyOverride: false, extendedOpening: false },
            notes: '',
          },
          at(rnd[300 + i]! % 1000),
        );
        repo.addLevels(id, [1 + (r % 4), ...(r % 2 ? [2] : [])]);
        if (r % 4 === 1)
          db.prepare(
            "INSERT INTO credential (cardholder_id, uid, status, issued_at, created_at, updated_at) VALUES (?, ?, 'issued', 'a', 'a', 'a')",
          ).run(id, (0x10000000 + i).toString(16).toUpperCase());
      }
    })();
    const now = new Date('2026-11-29T09:00:00Z');
    const everyone = repo.byIds(db.prepare('SELECT id FROM cardholder').pluck().all() as number[], now);
    const holders = new Set(everyone.filter((u) => u.activeKeys > 0).map((u) => u.id));
    const query = fc.record(
      {
        search: fc.constantFrom(
          'a',
          'an',
          'ana',
          'gar',
          'garcía',
          'LOP',
          'e-00',
          'ö',
          'sales',
          'ana lo',
          'zz',
          'r&d',
        ),
        department: fc.constantFrom('sales', 'Finance', ''),
        accessLevelId: fc.integer({ min: 1, max: 4 }),
        validity: fc.constantFrom('active' as const, 'expired' as const, 'not-yet-valid' as const),
        hasKey: fc.boolean(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        query,
        fc.constantFrom(
          'lastName' as const,
          'firstName' as const,
          'identifier' as const,
          'department' as const,
          'updatedAt' as const,
        ),
        fc.constantFrom('asc' as const, 'desc' as const),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 40 }),
        (q, sort, order, limit, offset) => {
          const o: UserListOptions = { ...q, sort, order, limit, offset };
          const got = repo.list(o, now);
          expect({ total: got.total, ids: got.items.map((u) => u.id) }).toEqual(
            reference(everyone, o, now.toISOString(), holders),
          );
        },
      ),
      { numRuns: 300 },
    );
    // Short words are matched by scanning the narrow expression index, not the table.
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN SELECT count(*) FROM cardholder c WHERE ${SEARCH_TEXT} LIKE 'x'`)
      .all() as { detail: string }[];
    expect(plan.map((p) => p.detail)).toEqual(['SCAN c USING COVERING INDEX cardholder_search_text']);
    // The search index agrees with the table it indexes.
    expect(() =>
      db
        .prepare("INSERT INTO cardholder_search (cardholder_search, rank) VALUES ('integrity-check', 1)")
        .run(),
    ).not.toThrow();
  });
});

describe('keys and the blacklist', () => {
  const status = async () => ok<BlacklistStatus>(await call('blacklist.status', {}));

  it('issues, marks needs-update on access changes, revalidates, cancels onto the blacklist', async () => {
    const u = await createUser({ lastName: 'Holder', accessLevelIds: [1] });
    const k = ok<Key>(
      await call('keys.issue', { userId: u.id, uid: '04a2b3c4d5e6f7', revalidationHours: 24 }),
    );
    expect(k).toMatchObject({
      uid: '04A2B3C4D5E6F7',
      status: 'issued',
      userId: u.id,
      revalidateBy: new Date(f.now().getTime() + DAY).toISOString(),
      blacklistSeq: null,
    });
    expect(failure(await call('keys.issue', { userId: u.id, uid: '04A2B3C4D5E6F7' })).data).toMatchObject({
      reason: 'uid in use',
      keyId: k.id,
    });
    expect(
      issues(failure(await call('keys.issue', { userId: u.id, uid: '04A2B3' }))).map((i) => i.path),
    ).toEqual(['uid']);
    // A change of notes leaves the key alone; a change of access does not.
    ok(await call('users.update', { id: u.id, version: 0, notes: 'x' }));
    expect(ok<UserDetail>(await call('users.get', { id: u.id })).keys[0]!.status).toBe('issued');
    ok(await call('users.update', { id: u.id, version: 1, privileges: { office: true } }));
    const marked = ok<UserDetail>(await call('users.get', { id: u.id })).keys[0]!;
    expect(marked.status).toBe('needs-update');
    f.advance(10 * HOUR);
    const refreshed = ok<Key>(await call('keys.revalidate', { id: k.id }));
    expect(refreshed).toMatchObject({
      status: 'issued',
      revalidatedAt: f.now().toISOString(),
      revalidateBy: new Date(f.now().getTime() + DAY).toISOString(),
    });
    expect(failure(await call('users.delete', { id: u.id, version: 2 })).data).toMatchObject({
      reason: 'has keys',
      keys: 1,
    });

    const cancelled = ok<Key>(await call('keys.cancel', { id: k.id, version: refreshed.version }));
    // A cancelled key is never refreshed again: it stops at the end of its revalidation window.
    expect(cancelled).toMatchObject({ status: 'cancelled', blacklistSeq: 1 });
    expect(f.site.db.prepare('SELECT expires_at FROM blacklist').pluck().get()).toBe(refreshed.revalidateBy);
    expect(failure(await call('keys.cancel', { id: k.id, version: cancelled.version })).data).toMatchObject({
      reason: 'cancelled',
    });
    expect(failure(await call('keys.revalidate', { id: k.id })).data).toMatchObject({ reason: 'cancelled' });
    // The same card can be issued again under a new key id.
    const again = ok<Key>(await call('keys.issue', { userId: u.id, uid: '04A2B3C4D5E6F7' }));
    expect(again.id).not.toBe(k.id);
    const listed = ok<{ items: Key[]; total: number }>(
      await call('keys.list', { userId: u.id, status: 'cancelled' }),
    );
    expect(listed.items.map((x) => x.id)).toEqual([k.id]);
    const audit = new AuditRepo(f.site.db).list({ limit: 20, action: 'keys.' });
    expect(audit.filter((e) => e.outcome === 'ok').map((e) => [e.action, e.target])).toEqual([
      ['keys.issue', `key:${again.id}`],
      ['keys.cancel', `key:${k.id}`],
      ['keys.revalidate', `key:${k.id}`],
      ['keys.issue', `key:${k.id}`],
    ]);
  });

  it('numbers entries monotonically, never reusing a number after compaction', async () => {
    const u = await createUser({ lastName: 'Many keys' });
    const issue = async (uid: string, expiresAt?: string) =>
      ok<Key>(await call('keys.issue', { userId: u.id, uid, ...(expiresAt ? { expiresAt } : {}) }));
    const soon = new Date(f.now().getTime() + DAY).toISOString();
    const a = await issue('0000000A', soon);
    const b = await issue('0000000B', soon);
    const forever = await issue('0000000C');
    expect(ok<Key>(await call('keys.cancel', { id: a.id, version: 0 })).blacklistSeq).toBe(1);
    expect(ok<Key>(await call('keys.cancel', { id: b.id, version: 0 })).blacklistSeq).toBe(2);
    expect(ok<Key>(await call('keys.cancel', { id: forever.id, version: 0 })).blacklistSeq).toBe(3);
    expect(f.site.db.prepare('SELECT expires_at FROM blacklist WHERE seq = 3').pluck().get()).toBe(
      '2106-02-07T06:28:15.000Z',
    );
    expect(await status()).toMatchObject({ entries: 3, latestSeq: 3, compactable: 0 });

    // Compactable once the expiry plus the margin has passed, not a second before.
    f.advance(DAY + COMPACTION_MARGIN_SECONDS * 1000 - 1000);
    expect((await status()).compactable).toBe(0);
    f.advance(1000);
    expect((await status()).compactable).toBe(2);
    expect(ok(await call('blacklist.compact', {}))).toEqual({ removed: 2, entries: 1 });
    expect(await status()).toMatchObject({ entries: 1, latestSeq: 3, compactable: 0 });
    const d = await issue('0000000D');
    expect(ok<Key>(await call('keys.cancel', { id: d.id, version: 0 })).blacklistSeq).toBe(4);
    expect(f.site.db.prepare('SELECT seq FROM blacklist ORDER BY seq').pluck().all()).toEqual([3, 4]);
    // An expired key is expired, and once past the margin needs no entry when cancelled.
    const e = await issue('0000000E', new Date(f.now().getTime() + HOUR).toISOString());
    f.advance(2 * HOUR);
    expect(failure(await call('keys.revalidate', { id: e.id })).data).toMatchObject({ reason: 'expired' });
    expect(
      ok<UserDetail>(await call('users.get', { id: u.id })).keys.find((k) => k.id === e.id)!.status,
    ).toBe('expired');
    f.advance(COMPACTION_MARGIN_SECONDS * 1000);
    expect(ok<Key>(await call('keys.cancel', { id: e.id, version: 0 })).blacklistSeq).toBeNull();
    expect(new AuditRepo(f.site.db).list({ limit: 1, action: 'blacklist.compact' })[0]!.detail).toMatchObject(
      {
        removed: 2,
        entries: 1,
      },
    );
    // The user goes; the cancelled keys stay (their entries must), without an owner.
    ok(await call('users.delete', { id: u.id, version: 0 }));
    const orphan = ok<{ items: Key[] }>(await call('keys.list', { status: 'cancelled' })).items;
    expect(orphan.map((k) => k.userId)).toEqual([null, null, null, null, null]);
  });

  it('refuses to cancel into a full blacklist, saying to compact, and changes nothing', async () => {
    const u = await createUser({ lastName: 'Last straw' });
    const k = ok<Key>(await call('keys.issue', { userId: u.id, uid: '0A0B0C0D' }));
    const db = f.site.db;
    db.pragma('foreign_keys = OFF');
    const add = db.prepare('INSERT INTO blacklist (credential_id, expires_at, added_at) VALUES (?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < BLACKLIST_CAPACITY; i++)
        add.run(1_000_000 + i, i < 10 ? '2026-01-01T00:00:00.000Z' : '2030-01-01T00:00:00.000Z', 'a');
    })();
    db.pragma('foreign_keys = ON');
    const full = failure(await call('keys.cancel', { id: k.id, version: 0 }));
    expect(full).toMatchObject({
      code: ErrorCode.CONFLICT,
      data: { reason: 'blacklist full', entries: BLACKLIST_CAPACITY, compactable: 10 },
    });
    expect(full.message).toContain('run blacklist.compact (it would free 10)');
    expect(ok<UserDetail>(await call('users.get', { id: u.id })).keys[0]).toMatchObject({
      status: 'issued',
      version: 0,
    });
    ok(await call('blacklist.compact', {}));
    expect(ok<Key>(await call('keys.cancel', { id: k.id, version: 0 })).blacklistSeq).toBe(
      BLACKLIST_CAPACITY + 1,
    );
  });

  it('forecasts from the cancellations of the last 30 days', async () => {
    const u = await createUser({ lastName: 'Forecast' });
    expect((await status()).forecast).toEqual({ perDay: 0, fullInDays: null });
    for (const uid of ['00000001', '00000002', '00000003']) {
      const k = ok<Key>(await call('keys.issue', { userId: u.id, uid }));
      ok(await call('keys.cancel', { id: k.id, version: 0 }));
      f.advance(5 * DAY);
    }
    expect((await status()).forecast).toEqual({
      perDay: 0.1,
      fullInDays: Math.floor((BLACKLIST_CAPACITY - 3) / 0.1),
    });
    // The first cancellation falls out of the window after 30 days.
    f.advance(16 * DAY);
    expect((await status()).forecast.perDay).toBeCloseTo(2 / 30);
  });
});
