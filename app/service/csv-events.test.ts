import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failure, ok, serviceFixture, type ServiceFixture } from '../../test/helpers/service-fixture.js';
import { ErrorCode } from '../contract/errors.js';
import type { OperationProgress } from '../contract/methods/operations.js';
import { AuditRepo } from '../store/audit-repo.js';
import { EventRepo, type NewAccessEvent } from '../store/event-repo.js';

interface Exported {
  csv: string;
  rows: number;
  truncated: boolean;
}

let f: ServiceFixture;
const call = (method: string, params: unknown) => f.call(method, params, { caller: f.admin.caller });

/** `n` events a minute apart from 1 November 2026, alternately at doors 1 and 2. */
function seed(n: number): void {
  const events: NewAccessEvent[] = Array.from({ length: n }, (_, i) => ({
    at: new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString(),
    kind: 'access-granted',
    doorId: 1 + (i % 2),
    source: 'gw-1',
  }));
  new EventRepo(f.site.db).appendBatch(events);
}

/** The operation.progress events the admin's session receives, with when each arrived. */
function follow(): { progress: OperationProgress; ms: number }[] {
  const seen: { progress: OperationProgress; ms: number }[] = [];
  f.service.events.subscribe(
    () => f.callerOf(f.admin.token),
    (e) => {
      if (e.topic === 'operation.progress')
        seen.push({ progress: e.payload as OperationProgress, ms: performance.now() });
    },
  );
  return seen;
}

beforeEach(async () => {
  f = await serviceFixture();
});
afterEach(() => f.close());

describe('events.exportCsv progress', () => {
  it('reports rows written of the total to the exporting session only, at most every 100 ms', async () => {
    seed(60_000);
    const mine = follow();
    const other = await f.login('admin');
    const theirs: unknown[] = [];
    f.service.events.subscribe(
      () => f.callerOf(other.token),
      (e) => theirs.push(e),
    );
    const operationId = randomUUID();
    // Door 1 holds half of the events: the total is what the filters match, not the whole history.
    const out = ok<Exported>(await call('events.exportCsv', { doorId: 1, operationId }));
    expect([out.rows, out.truncated]).toEqual([30_000, false]);
    expect(theirs).toEqual([]);
    const progress = mine.map((m) => m.progress);
    expect(progress.every((p) => p.operationId === operationId && p.method === 'events.exportCsv')).toBe(
      true,
    );
    expect(progress[0]).toMatchObject({ stage: 'reading', done: 0, total: 30_000 });
    expect(progress.at(-1)).toEqual({
      operationId,
      method: 'events.exportCsv',
      stage: 'done',
      done: 30_000,
      total: 30_000,
      rows: 30_000,
    });
    const reading = mine.filter((m) => m.progress.stage === 'reading');
    const done = reading.map((m) => m.progress.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(done.every((d) => d <= 30_000)).toBe(true);
    // The Operation measures with the same clock; a millisecond covers the hop to the subscriber.
    for (let i = 1; i < reading.length; i++)
      expect(reading[i]!.ms - reading[i - 1]!.ms).toBeGreaterThanOrEqual(99);
  });

  it('counts no further than maxRows when more match', async () => {
    seed(5_000);
    const mine = follow();
    const operationId = randomUUID();
    const out = ok<Exported>(await call('events.exportCsv', { maxRows: 3_000, operationId }));
    expect([out.rows, out.truncated]).toEqual([3_000, true]);
    expect(mine[0]!.progress).toMatchObject({ stage: 'reading', done: 0, total: 3_000 });
    expect(mine.at(-1)!.progress).toMatchObject({ stage: 'done', done: 3_000, total: 3_000 });
  });

  it('reports nothing for an export started without an operation id', async () => {
    seed(3_000);
    const mine = follow();
    expect(ok<Exported>(await call('events.exportCsv', {})).rows).toBe(3_000);
    expect(mine).toEqual([]);
  });

  it('stops when cancelled: CANCELLED, no file, not recorded as an export', async () => {
    seed(20_000);
    const operationId = randomUUID();
    const other = await f.login('admin');
    let cancelled: ReturnType<typeof call> | undefined;
    let strangerTried: ReturnType<typeof call> | undefined;
    f.service.events.subscribe(
      () => f.callerOf(f.admin.token),
      () => {
        // Another session of the same operator cannot cancel it; this session can.
        strangerTried ??= f.call('operations.cancel', { operationId }, { caller: other.caller });
        cancelled ??= call('operations.cancel', { operationId });
      },
    );
    const r = await call('events.exportCsv', { operationId });
    expect(failure(r)).toMatchObject({ code: ErrorCode.CANCELLED, data: { operationId } });
    expect(ok(await strangerTried!)).toEqual({ cancelled: false });
    expect(ok(await cancelled!)).toEqual({ cancelled: true });
    expect(f.service.operations.size).toBe(0);
    const audit = new AuditRepo(f.site.db).recent(10);
    expect(audit.filter((e) => e.action === 'events.exportCsv')).toEqual([]);
    // Once over, cancelling does nothing and the id can be used again.
    expect(ok(await call('operations.cancel', { operationId }))).toEqual({ cancelled: false });
    expect(ok<Exported>(await call('events.exportCsv', { maxRows: 10, operationId })).rows).toBe(10);
  });
});
