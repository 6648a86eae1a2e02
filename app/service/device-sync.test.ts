import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, serviceFixture, type ServiceFixture } from '../../test/helpers/service-fixture.js';
import type { SyncReply } from '../devices/protocol.js';
import { SyncReply as SyncReplySchema } from '../devices/protocol.js';
import { CardholderRepo } from '../store/cardholder-repo.js';
import { readerScbk, syncReplyFor } from './device-sync.js';

let f: ServiceFixture;
const call = <T = Record<string, unknown>>(method: string, params: unknown) =>
  f.call(method, params, { caller: f.callerOf(f.admin.token)! }).then((r) => ok<T>(r));

let unitId = 0;
let gatewayId = 0;
let doorA = 0;
let doorB = 0;
const levels: number[] = [];
let periodId = 0;

beforeAll(async () => {
  f = await serviceFixture();
  periodId = (
    await call<{ id: number }>('timePeriods.create', {
      name: 'Always',
      rules: { mon: [{ start: 0, end: 1440 }] },
    })
  ).id;
  const zone = await call<{ id: number }>('zones.create', { name: 'Lab' });
  doorA = (await call<{ id: number }>('doors.create', { name: 'A', kind: 'online', zoneIds: [zone.id] })).id;
  doorB = (await call<{ id: number }>('doors.create', { name: 'B', kind: 'online' })).id;
  for (const name of ['L1', 'L2'])
    levels.push(
      (await call<{ id: number }>('accessLevels.create', { name, rights: [{ zoneId: zone.id, periodId }] }))
        .id,
    );
  gatewayId = (await call<{ device: { id: number } }>('devices.create', { kind: 'gateway', name: 'GW' }))
    .device.id;
  unitId = (
    await call<{ device: { id: number } }>('devices.create', {
      kind: 'control-unit',
      name: 'CU',
      gatewayId,
      readers: [{ address: 0, doorId: doorA }],
    })
  ).device.id;
  await call('devices.create', {
    kind: 'control-unit',
    name: 'CU2',
    readers: [{ address: 3, doorId: doorB }],
  });
});
afterAll(() => f.close());

/** A replica as a device holds it after applying replies: cards (without their revision stamps) and blacklist. */
class Replica {
  cards = new Map<number, string>();
  blacklist = new Map<number, string>();
  revision = 0;
  blacklistSeq = 0;

  apply(r: SyncReply): void {
    if (r.cards.full) this.cards.clear();
    for (const c of r.cards.upsert) {
      const { revision: _r, ...rest } = c;
      this.cards.set(c.credentialId, JSON.stringify(rest));
    }
    for (const id of r.cards.remove) this.cards.delete(id);
    if (r.blacklist.full) this.blacklist.clear();
    for (const e of r.blacklist.entries) this.blacklist.set(e.seq, JSON.stringify(e));
    this.revision = r.revision;
    this.blacklistSeq = r.blacklist.latestSeq;
  }

  state(): unknown {
    return {
      cards: [...this.cards].sort((a, b) => a[0] - b[0]),
      blacklist: [...this.blacklist].sort((a, b) => a[0] - b[0]),
    };
  }
}

const reply = (held = { revision: 0, blacklistSeq: 0 }) => syncReplyFor(f.site.db, f.site, unitId, held);
const fullState = () => {
  const r = new Replica();
  r.apply(reply());
  return r.state();
};

type User = { id: number; version: number };
type Key = { id: number; version: number; status: string };

const users = () => call<{ items: User[] }>('users.list', { limit: 500 }).then((p) => p.items);
const liveKeys = () =>
  call<{ items: Key[] }>('keys.list', { limit: 500 }).then((p) =>
    p.items.filter((k) => k.status === 'issued' || k.status === 'needs-update'),
  );
let uidCounter = 0x10000000;

/** One random change of what cards carry. */
const Op = fc.oneof(
  fc.record({ op: fc.constant('user' as const), levels: fc.subarray([0, 1]) }),
  fc.record({ op: fc.constant('issue' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('cancel' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('levels' as const), pick: fc.nat(), levels: fc.subarray([0, 1]) }),
  fc.record({
    op: fc.constant('rights' as const),
    level: fc.integer({ min: 0, max: 1 }),
    door: fc.boolean(),
  }),
  fc.record({ op: fc.constant('pin' as const), pick: fc.nat(), pin: fc.option(fc.constant('4711')) }),
  fc.record({ op: fc.constant('validity' as const), pick: fc.nat(), days: fc.integer({ min: 1, max: 400 }) }),
  fc.record({
    op: fc.constant('finger' as const),
    pick: fc.nat(),
    template: fc.option(fc.uint8Array({ minLength: 1, maxLength: 8 })),
  }),
);
type Op = typeof Op extends fc.Arbitrary<infer T> ? T : never;

async function run(o: Op): Promise<void> {
  const us = await users();
  const pick = <T>(xs: T[], n: number) => (xs.length ? xs[n % xs.length] : undefined);
  switch (o.op) {
    case 'user':
      await call('users.create', {
        lastName: `U${us.length}`,
        accessLevelIds: o.levels.map((i) => levels[i]),
      });
      return;
    case 'issue': {
      const u = pick(us, o.pick);
      if (u) await call('keys.issue', { userId: u.id, uid: (uidCounter++).toString(16).toUpperCase() });
      return;
    }
    case 'cancel': {
      const k = pick(await liveKeys(), o.pick);
      if (k) await call('keys.cancel', { id: k.id, version: k.version });
      return;
    }
    case 'levels': {
      const u = pick(us, o.pick);
      if (u)
        await call('users.update', {
          id: u.id,
          version: u.version,
          accessLevelIds: o.levels.map((i) => levels[i]),
        });
      return;
    }
    case 'rights': {
      const level = await call<{ id: number; version: number }>('accessLevels.get', { id: levels[o.level] });
      await call('accessLevels.update', {
        id: level.id,
        version: level.version,
        rights: o.door ? [{ doorId: doorA, periodId }] : [{ doorId: doorB, periodId }],
      });
      return;
    }
    case 'pin': {
      const u = pick(us, o.pick);
      if (u) await call('users.update', { id: u.id, version: u.version, pin: o.pin });
      return;
    }
    case 'validity': {
      const u = pick(us, o.pick);
      if (u)
        await call('users.update', {
          id: u.id,
          version: u.version,
          validUntil: new Date(Date.UTC(2027, 0, o.days)).toISOString(),
        });
      return;
    }
    case 'finger': {
      // As users.enrollFingerprint / users.clearFingerprint store it (those need a device to read it).
      const u = pick(us, o.pick);
      if (u) new CardholderRepo(f.site.db).setFingerTemplate(u.id, o.template, new Date());
      return;
    }
  }
}

describe('syncReplyFor', () => {
  it('gives a control unit its door, readers with their own SCBKs, the keys, and a gateway its units', () => {
    const r = SyncReplySchema.parse(reply());
    expect(r.doors.map((d) => d.door.doorId)).toEqual([doorA]);
    expect(r.readers).toEqual([
      { unitId, address: 0, doorId: doorA, scbk: expect.stringMatching(/^[0-9a-f]{32}$/) },
    ]);
    const master = f.site.secrets.get('site.master')!.value;
    expect(r.readers[0]!.scbk).toBe(readerScbk(master, f.site.siteId, unitId, 0).toString('hex'));
    expect(readerScbk(master, f.site.siteId, unitId, 1)).not.toEqual(
      readerScbk(master, f.site.siteId, unitId, 0),
    );
    expect(r.keys.siteId).toBe(f.site.siteId);
    expect(new Set([r.keys.lock, r.keys.update, r.keys.uidRead]).size).toBe(3);
    expect(r.units).toEqual([]);
    const gw = SyncReplySchema.parse(
      syncReplyFor(f.site.db, f.site, gatewayId, { revision: 0, blacklistSeq: 0 }),
    );
    expect(gw.readers.map((x) => x.unitId)).toEqual([unitId]);
    expect(gw.doors.map((d) => d.door.doorId)).toEqual([doorA]);
    expect(gw.units).toEqual([]); // the unit is not paired yet
  });

  it('incremental replies give the same replica as a full reload, after any changes', async () => {
    const holder = await call<{ id: number }>('users.create', {
      lastName: 'Seed',
      accessLevelIds: [levels[0]],
    });
    await call('keys.issue', { userId: holder.id, uid: (uidCounter++).toString(16).toUpperCase() });
    const device = new Replica();
    device.apply(reply());
    let mostCards = device.cards.size;
    await fc.assert(
      fc.asyncProperty(fc.array(Op, { minLength: 1, maxLength: 6 }), async (ops) => {
        for (const o of ops) await run(o);
        const r = SyncReplySchema.parse(
          reply({ revision: device.revision, blacklistSeq: device.blacklistSeq }),
        );
        expect(r.cards.full).toBe(false);
        device.apply(r);
        expect(device.state()).toEqual(fullState());
        mostCards = Math.max(mostCards, device.cards.size);
      }),
      { numRuns: 12 },
    );
    expect(mostCards).toBeGreaterThan(0);
  }, 60_000);

  it('a cancelled key leaves the cards and enters the blacklist; a device ahead of the site reloads whole', async () => {
    const u = await call<{ id: number }>('users.create', { lastName: 'Cancel', accessLevelIds: [levels[0]] });
    const key = await call<Key>('keys.issue', { userId: u.id, uid: '04AABBCCDDEEFF' });
    const before = reply();
    expect(before.cards.upsert.map((c) => c.credentialId)).toContain(key.id);
    await call('keys.cancel', { id: key.id, version: key.version });
    const after = reply({ revision: before.revision, blacklistSeq: before.blacklist.latestSeq });
    expect(after.cards.remove).toEqual([key.id]);
    expect(after.cards.upsert).toEqual([]);
    expect(after.blacklist.full).toBe(before.blacklist.latestSeq === 0);
    expect(after.blacklist.entries.map((e) => e.credentialId)).toContain(key.id);
    expect(after.blacklist.latestSeq).toBeGreaterThan(before.blacklist.latestSeq);
    const ahead = reply({ revision: after.revision + 1000, blacklistSeq: after.blacklist.latestSeq + 5 });
    expect(ahead.cards.full).toBe(true);
    expect(ahead.blacklist.full).toBe(true);
    expect(ahead.cards.upsert.map((c) => c.credentialId)).not.toContain(key.id);
  });
});
