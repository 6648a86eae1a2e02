import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ok, serviceFixture, type ServiceFixture } from '../../test/helpers/service-fixture.js';

let f: ServiceFixture;
const call = <T>(method: string, params: unknown) =>
  f.call(method, params, { caller: f.callerOf(f.admin.token)! }).then((r) => ok<T>(r));

beforeEach(async () => {
  f = await serviceFixture();
});
afterEach(() => f.close());

describe('a change to an access level reaches the cards that carry it', () => {
  it('marks the issued keys of its holders as needing an update, and the feed and card data follow', async () => {
    const period = await call<{ id: number }>('timePeriods.create', {
      name: 'Always',
      rules: { mon: [{ start: 0, end: 1440 }] },
    });
    const zone = await call<{ id: number }>('zones.create', { name: 'Lab' });
    const door = await call<{ id: number }>('doors.create', {
      name: 'Lab door',
      kind: 'offline',
      zoneIds: [zone.id],
    });
    const level = await call<{ id: number; version: number }>('accessLevels.create', {
      name: 'Lab staff',
      rights: [{ zoneId: zone.id, periodId: period.id }],
    });
    const user = await call<{ id: number }>('users.create', {
      firstName: 'Ada',
      lastName: 'Lovelace',
      accessLevelIds: [level.id],
    });
    const key = await call<{ id: number; status: string }>('keys.issue', {
      userId: user.id,
      uid: '04A1B2C3D4E5F6',
    });
    expect(key.status).toBe('issued');
    const card = await call<{ rights: unknown[]; revision: number }>('sync.cardData', {
      credentialId: key.id,
    });
    expect(card.rights).toEqual([{ kind: 'zone', id: zone.id, periodId: period.id }]);

    await call('accessLevels.update', {
      id: level.id,
      version: level.version,
      rights: [
        { zoneId: zone.id, periodId: period.id },
        { doorId: door.id, periodId: period.id },
      ],
    });
    const keys = await call<{ items: { id: number; status: string }[] }>('keys.list', { userId: user.id });
    expect(keys.items.map((k) => k.status)).toEqual(['needs-update']);
    const feed = await call<{ changes: { entity: string }[] }>('sync.changes', { since: card.revision });
    expect(feed.changes.map((c) => c.entity)).toEqual(
      expect.arrayContaining(['access_level_right', 'credential']),
    );
    const fresh = await call<{ rights: unknown[] }>('sync.cardData', { credentialId: key.id });
    expect(fresh.rights).toHaveLength(2);
  });
});
