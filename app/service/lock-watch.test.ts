import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OfflineLock } from '../contract/methods/locks.js';
import { ok, serviceFixture, type ServiceFixture } from '../../test/helpers/service-fixture.js';
import { LockWatch } from './lock-watch.js';

let f: ServiceFixture;
let watch: LockWatch | undefined;

beforeEach(async () => {
  f = await serviceFixture();
});
afterEach(async () => {
  watch?.stop();
  await f.close();
});

const call = async <T>(method: string, params: unknown) =>
  ok<T>(await f.call(method, params, { caller: f.admin.caller }));

describe('LockWatch', () => {
  it('publishes a lock whose view changed after a model change, and nothing when nothing did', async () => {
    const door = await call<{ id: number }>('doors.create', {
      name: 'Store room',
      kind: 'offline',
      openSeconds: 5,
    });
    await call('doors.create', { name: 'Front', kind: 'online', openSeconds: 5 });
    const seen: OfflineLock[] = [];
    f.service.events.subscribe(
      () => f.callerOf(f.admin.token),
      (e) => {
        if (e.topic === 'locks.changed') seen.push(e.payload as OfflineLock);
      },
    );
    watch = new LockWatch({
      site: f.site,
      clock: () => new Date(),
      events: f.service.events,
      everyMs: 3_600_000,
    });
    watch.check();
    expect(seen).toEqual([]); // no change since it started

    await call('doors.update', { id: door.id, name: 'Store room B', version: 0 });
    watch.check();
    expect(seen.map((l) => [l.doorId, l.doorName])).toEqual([[door.id, 'Store room B']]);
    watch.check();
    expect(seen).toHaveLength(1); // the revision did not move again
  });
});
