import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failure, ok, serviceFixture, type ServiceFixture } from '../../test/helpers/service-fixture.js';
import { ErrorCode } from '../contract/errors.js';
import type { Calendar, TimePeriod } from '../contract/index.js';
import { MAX_TIME_PERIODS } from '../contract/schedule-schemas.js';
import { AuditRepo } from '../store/audit-repo.js';

let f: ServiceFixture;
const admin = () => f.callerOf(f.admin.token)!;
const call = (method: string, params: unknown) => f.call(method, params, { caller: admin() });
const office = { mon: [{ start: 480, end: 1080 }], fri: [{ start: 480, end: 900 }] };

beforeEach(async () => {
  f = await serviceFixture();
});
afterEach(() => f.close());

describe('time periods', () => {
  it('creates, reads, updates with a version and deletes, each change audited', async () => {
    const created = ok<TimePeriod>(await call('timePeriods.create', { name: 'Office', rules: office }));
    expect(created).toMatchObject({ version: 0, rules: { mon: [{ start: 480, end: 1080 }], sun: [] } });
    const updated = ok<TimePeriod>(
      await call('timePeriods.update', {
        id: created.id,
        version: 0,
        rules: { ...office, sat: [{ start: 540, end: 780 }] },
      }),
    );
    expect(updated.version).toBe(1);
    const lost = failure(
      await call('timePeriods.update', { id: created.id, version: 0, name: 'Lost update' }),
    );
    expect(lost).toMatchObject({ code: ErrorCode.CONFLICT, data: { reason: 'stale', currentVersion: 1 } });
    expect(ok<TimePeriod>(await call('timePeriods.get', { id: created.id })).name).toBe('Office');
    ok(await call('timePeriods.delete', { id: created.id, version: 1 }));
    expect(failure(await call('timePeriods.get', { id: created.id })).code).toBe(ErrorCode.NOT_FOUND);
    const log = new AuditRepo(f.site.db).list({ limit: 10, action: 'timePeriods.' });
    expect(log.map((e) => [e.action, e.outcome])).toEqual([
      ['timePeriods.delete', 'ok'],
      ['timePeriods.update', 'CONFLICT'],
      ['timePeriods.update', 'ok'],
      ['timePeriods.create', 'ok'],
    ]);
  });

  it('names each bad field and writes nothing', async () => {
    const bad = failure(
      await call('timePeriods.create', {
        name: 'Night',
        rules: {
          mon: [{ start: 1320, end: 360 }],
          tue: [
            { start: 60, end: 120 },
            { start: 90, end: 200 },
          ],
        },
      }),
    );
    expect(bad.code).toBe(ErrorCode.INVALID_PARAMS);
    expect((bad.data as unknown as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual([
      'rules.mon.0.end',
      'rules.tue.1.start',
    ]);
    expect(ok<{ total: number }>(await call('timePeriods.list', {})).total).toBe(0);
  });

  it('lists with search, sorting and paging', async () => {
    for (const name of ['Cleaners', 'Office', 'Office late', 'Security', 'Weekend'])
      ok(await call('timePeriods.create', { name, rules: office }));
    const page1 = ok<{ items: TimePeriod[]; total: number }>(await call('timePeriods.list', { limit: 2 }));
    expect([page1.total, page1.items.map((p) => p.name)]).toEqual([5, ['Cleaners', 'Office']]);
    const page2 = ok<{ items: TimePeriod[] }>(await call('timePeriods.list', { limit: 2, offset: 2 }));
    expect(page2.items.map((p) => p.name)).toEqual(['Office late', 'Security']);
    const found = ok<{ items: TimePeriod[]; total: number }>(
      await call('timePeriods.list', { search: 'OFFICE', sort: 'name', order: 'desc' }),
    );
    expect([found.total, found.items.map((p) => p.name)]).toEqual([2, ['Office late', 'Office']]);
    // LIKE wildcards in a search are literal.
    expect(ok<{ total: number }>(await call('timePeriods.list', { search: '%' })).total).toBe(0);
    expect(failure(await call('timePeriods.create', { name: 'office', rules: office })).data).toMatchObject({
      reason: 'name taken',
    });
  });

  it(`refuses the ${MAX_TIME_PERIODS + 1}th time period`, async () => {
    const insert = f.site.db.prepare(
      "INSERT INTO time_period (name, rules, created_at, updated_at) VALUES (?, '{}', 'a', 'a')",
    );
    f.site.db.transaction(() => {
      for (let i = 0; i < MAX_TIME_PERIODS; i++) insert.run(`p${i}`);
    })();
    const full = failure(await call('timePeriods.create', { name: 'One more', rules: office }));
    expect(full).toMatchObject({ code: ErrorCode.CONFLICT, data: { reason: 'limit' } });
  });
});

describe('references', () => {
  it('refuses to delete a time period or calendar that doors or access levels use, naming them', async () => {
    const period = ok<TimePeriod>(await call('timePeriods.create', { name: 'Office', rules: office }));
    const cal = ok<Calendar>(await call('calendars.create', { name: 'Canaries', days: [] }));
    ok(
      await call('doors.create', {
        name: 'Lobby',
        kind: 'online',
        openMode: 'timed-office',
        officePeriodId: period.id,
        calendarId: cal.id,
      }),
    );
    const p = failure(await call('timePeriods.delete', { id: period.id, version: period.version }));
    expect(p).toMatchObject({ code: ErrorCode.CONFLICT, data: { reason: 'in use', doors: ['Lobby'] } });
    const c = failure(await call('calendars.delete', { id: cal.id, version: cal.version }));
    expect(c).toMatchObject({ code: ErrorCode.CONFLICT, data: { reason: 'in use', doors: ['Lobby'] } });
  });
});

describe('calendars', () => {
  it('keeps the site calendar, creates others, replaces days and records what changed', async () => {
    const list = ok<{ items: Calendar[] }>(await call('calendars.list', {}));
    expect(list.items.map((c) => c.name)).toEqual(['Site calendar']);
    const site = list.items[0]!;
    const updated = ok<Calendar>(
      await call('calendars.update', {
        id: site.id,
        version: site.version,
        days: [
          { date: '2026-12-25', type: 'holiday' },
          { date: '2026-12-24', type: 'special1' },
        ],
      }),
    );
    expect(updated.days.map((d) => d.date)).toEqual(['2026-12-24', '2026-12-25']);
    expect(
      failure(await call('calendars.delete', { id: site.id, version: updated.version })).data,
    ).toMatchObject({
      reason: 'site calendar',
    });
    const dup = failure(
      await call('calendars.create', {
        name: 'Other',
        days: [
          { date: '2027-01-01', type: 'holiday' },
          { date: '2027-01-01', type: 'special2' },
        ],
      }),
    );
    expect(dup.code).toBe(ErrorCode.INVALID_PARAMS);
    const other = ok<Calendar>(await call('calendars.create', { name: 'Other', days: [] }));
    ok(await call('calendars.delete', { id: other.id, version: other.version }));
    const entry = new AuditRepo(f.site.db).list({ limit: 1, action: 'calendars.update' })[0]!;
    expect(entry.detail).toMatchObject({
      added: [
        { date: '2026-12-25', type: 'holiday' },
        { date: '2026-12-24', type: 'special1' },
      ],
    });
  });
});
