import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, ok, serviceFixture, type ServiceFixture } from '../../test/helpers/service-fixture.js';
import type { RfLock } from '../contract/methods/rf.js';
import type { Caller } from '../rpc/context.js';
import { ErrorCode } from '../contract/errors.js';
import type { Permission } from '../contract/permissions.js';
import { SyncReply, type RfLockStatus } from '../devices/protocol.js';
import { parseJoinCode } from '../rf/rf-messages.js';
import { currentRevision } from '../store/access-compiler.js';
import { AuditRepo } from '../store/audit-repo.js';
import { joinKeySecret } from '../store/rf-lock-repo.js';
import { syncReplyFor, withMaster } from './device-sync.js';
import type { LiveEvent } from './event-bus.js';
import { LOCK_KEY_VERSION, lockKey } from './lock-keys.js';
import { rfNetworkKey } from './rf-keys.js';

/**
 * rf.locks.* over the service fixture: adding a lock to an rf door of a control unit gives a join code
 * that is the join key its unit's sync carries until a status says the lock joined; the sync carries the
 * unit's network and its locks only; lists are narrowed to the caller's partition.
 */

let f: ServiceFixture;
const call = (method: string, params: unknown, caller: Caller = f.callerOf(f.admin.token)!) =>
  f.call(method, params, { caller });
const done = async <T = Record<string, unknown>>(method: string, params: unknown) =>
  ok<T>(await call(method, params));

const ids = { zone: 0, rfA: 0, rfB: 0, rfC: 0, online: 0, offline: 0, gateway: 0, unit: 0, unit2: 0 };
const EUI = ['00124B0001A2B3C4', '00124B0001A2B3C5', '00124B0001A2B3C6'] as const;

async function door(name: string, kind: string, zoneIds: number[] = []): Promise<number> {
  return (await done<{ id: number }>('doors.create', { name, kind, zoneIds })).id;
}
async function device(kind: string, name: string, gatewayId?: number): Promise<number> {
  return (await done<{ device: { id: number } }>('devices.create', { kind, name, gatewayId })).device.id;
}
const list = async (caller?: Caller) =>
  ok<{ locks: RfLock[] }>(await call('rf.locks.list', {}, caller)).locks;
const sync = (deviceId: number) =>
  SyncReply.parse(syncReplyFor(f.site.db, f.site, deviceId, { revision: 0, blacklistSeq: 0 }));

/** A status of one RF lock as a control unit reports it. */
const report = (doorId: number, eui64: string, over: Partial<RfLockStatus> = {}): RfLockStatus => ({
  eui64,
  doorId,
  joined: false,
  lastHeard: f.now().getTime(),
  lqi: 200,
  battery: 90,
  revision: 0,
  blacklistSeq: 0,
  publicKey: null,
  refused: 0,
  ...over,
});

beforeAll(async () => {
  f = await serviceFixture({ siteName: 'RF' });
  ids.zone = (await done<{ id: number }>('zones.create', { name: 'Annex' })).id;
  ids.rfA = await door('Store A', 'rf', [ids.zone]);
  ids.rfB = await door('Store B', 'rf');
  ids.rfC = await door('Store C', 'rf');
  ids.online = await door('Front', 'online');
  ids.offline = await door('Archive', 'offline');
  ids.gateway = await device('gateway', 'GW');
  ids.unit = await device('control-unit', 'CU east');
  ids.unit2 = await device('control-unit', 'CU west', ids.gateway);
});
afterAll(() => f.close());

describe('rf.locks.add', () => {
  it('puts a lock on an rf door and answers its join code: the join key the unit’s sync carries', async () => {
    const live: LiveEvent[] = [];
    const unsubscribe = f.service.events.subscribe(
      () => ({ permissions: new Set<Permission>(['doors:read']), sessionHash: Buffer.alloc(32) }),
      (e) => live.push(e),
    );
    const before = currentRevision(f.site.db);
    const { joinCode } = await done<{ joinCode: string }>('rf.locks.add', {
      doorId: ids.rfA,
      unitId: ids.unit,
      eui64: '00:12:4b:00:01:a2:b3:c4',
    });
    unsubscribe();
    expect(joinCode).toMatch(/^[0-9A-F]{4}(-[0-9A-F]{4}){7}$/);
    // The unit resyncs (the change feed moved) and the console hears of its unit.
    expect(currentRevision(f.site.db)).toBeGreaterThan(before);
    expect(
      live.filter((e) => e.topic === 'devices.changed').map((e) => (e.payload as { id: number }).id),
    ).toEqual([ids.unit]);

    expect(await list()).toEqual([
      {
        doorId: ids.rfA,
        doorName: 'Store A',
        unitId: ids.unit,
        unitName: 'CU east',
        eui64: EUI[0],
        state: 'waiting-to-join',
        online: false,
        lastHeard: null,
        lqi: null,
        battery: null,
        revision: 0,
        blacklistSeq: 0,
        upToDate: false,
        publicKey: null,
      },
    ]);

    const reply = sync(ids.unit);
    const { network, key } = withMaster(f.site, (master) => ({
      network: rfNetworkKey(master, f.site.siteId, ids.unit, 1).toString('hex'),
      key: lockKey(master, f.site.siteId, ids.rfA, LOCK_KEY_VERSION).toString('hex'),
    }));
    expect(reply.rf).toMatchObject({ networkKey: network, keyVersion: 1 });
    expect(reply.rfLocks).toEqual([
      {
        unitId: ids.unit,
        doorId: ids.rfA,
        eui64: EUI[0],
        lockKey: key,
        joinKey: parseJoinCode(joinCode).toString('hex'),
        mobileKey: null,
      },
    ]);
    // The RF node builds its locks' updates from the door tables, so the door is in the reply.
    expect(reply.doors.map((d) => d.door.doorId)).toContain(ids.rfA);

    // Audited, without the join code.
    const entry = new AuditRepo(f.site.db).list({ limit: 5 }).find((e) => e.action === 'rf.locks.add')!;
    expect(entry).toMatchObject({ target: `door:${ids.rfA}`, outcome: 'ok' });
    expect(JSON.stringify(entry)).not.toContain(joinCode.replace(/-/g, '').slice(0, 8));
  });

  it('refuses a door that is not rf, a device that is not a control unit, and missing ones', async () => {
    const add = (p: Record<string, unknown>) =>
      call('rf.locks.add', { doorId: ids.rfB, unitId: ids.unit, eui64: EUI[1], ...p }).then(failure);
    const online = await add({ doorId: ids.online });
    expect(online.code).toBe(ErrorCode.INVALID_PARAMS);
    expect(online.message).toMatch(/Front is an online door: an RF lock goes on a door of kind rf/);
    expect((await add({ doorId: ids.offline })).message).toMatch(/Archive is an offline door/);
    const gateway = await add({ unitId: ids.gateway });
    expect(gateway.code).toBe(ErrorCode.INVALID_PARAMS);
    expect(gateway.message).toMatch(/GW is a gateway: an RF lock talks to the RF node of a control unit/);
    expect((await add({ doorId: 999_999 })).code).toBe(ErrorCode.NOT_FOUND);
    expect((await add({ unitId: 999_999 })).code).toBe(ErrorCode.NOT_FOUND);
    expect((await add({ eui64: '00124B0001A2B3' })).code).toBe(ErrorCode.INVALID_PARAMS);
    expect((await add({ eui64: '00124B0001A2B3ZZ' })).code).toBe(ErrorCode.INVALID_PARAMS);
    expect((await list()).map((l) => l.doorId)).toEqual([ids.rfA]);
  });

  it('refuses an EUI-64 already on another door, and a door that already has a lock', async () => {
    const dup = failure(await call('rf.locks.add', { doorId: ids.rfB, unitId: ids.unit, eui64: EUI[0] }));
    expect(dup.code).toBe(ErrorCode.CONFLICT);
    expect(dup.message).toBe(`The RF lock ${EUI[0]} is already on Store A: remove it there first`);
    expect(dup.data).toMatchObject({ reason: 'eui64 taken', doorId: ids.rfA });
    const taken = failure(await call('rf.locks.add', { doorId: ids.rfA, unitId: ids.unit, eui64: EUI[1] }));
    expect(taken.code).toBe(ErrorCode.CONFLICT);
    expect(taken.data).toMatchObject({ reason: 'door taken', eui64: EUI[0] });
  });

  it('refuses changing the kind of a door while it has an RF lock', async () => {
    const d = await done<{ version: number }>('doors.get', { id: ids.rfA });
    const refused = failure(await call('doors.update', { id: ids.rfA, version: d.version, kind: 'offline' }));
    expect(refused.code).toBe(ErrorCode.INVALID_PARAMS);
    expect(refused.message).toMatch(/remove its RF lock \(rf\.locks\.remove\) before changing its kind/);
  });
});

describe('the units’ syncs', () => {
  it('carry each unit’s own network and locks; a gateway gets its units’ networks and locks', async () => {
    await done('rf.locks.add', { doorId: ids.rfB, unitId: ids.unit2, eui64: EUI[1] });
    const east = sync(ids.unit);
    const west = sync(ids.unit2);
    const gateway = sync(ids.gateway);
    expect(east.rfLocks!.map((l) => l.doorId)).toEqual([ids.rfA]);
    expect(west.rfLocks!.map((l) => l.doorId)).toEqual([ids.rfB]);
    expect(west.doors.map((d) => d.door.doorId)).toEqual([ids.rfB]);
    expect(east.rf!.panId).not.toBe(west.rf!.panId);
    expect(east.rf!.networkKey).not.toBe(west.rf!.networkKey);
    expect(gateway.rf).toBeNull();
    expect(gateway.rfNetworks).toEqual([{ unitId: ids.unit2, ...west.rf }]);
    expect(gateway.rfLocks).toEqual(west.rfLocks);
  });
});

describe('status intake', () => {
  it('a status saying the lock joined spends its join key; the unit resyncs without it', async () => {
    const intake = f.service.devices.rfStatus;
    const lock = (await list()).find((l) => l.doorId === ids.rfA)!;
    expect(lock.state).toBe('waiting-to-join');
    expect(f.site.secrets.get(joinKeySecret(ids.rfA))).toBeDefined();
    const revision = currentRevision(f.site.db);
    const publicKey = 'ab'.repeat(32);

    // Another unit's word on the lock, or a report about another address, changes nothing.
    expect(
      intake.take([{ deviceId: ids.unit2, revision, rfLocks: [report(ids.rfA, EUI[0], { joined: true })] }]),
    ).toEqual([]);
    expect(
      intake.take([{ deviceId: ids.unit, revision, rfLocks: [report(ids.rfA, EUI[2], { joined: true })] }]),
    ).toEqual([]);
    // An entry that does not fit is skipped, the rest taken.
    expect(
      intake.take([
        {
          deviceId: ids.unit,
          revision,
          rfLocks: [
            { eui64: 'nope' },
            report(ids.rfA, EUI[0], { joined: true, publicKey, revision, blacklistSeq: 0 }),
          ],
        },
      ]),
    ).toEqual([ids.unit]);

    expect(f.site.secrets.get(joinKeySecret(ids.rfA))).toBeUndefined();
    expect(currentRevision(f.site.db)).toBeGreaterThan(revision);
    const joined = (await list()).find((l) => l.doorId === ids.rfA)!;
    expect(joined).toMatchObject({
      state: 'joined',
      online: true,
      lastHeard: f.now().toISOString(),
      lqi: 200,
      battery: 90,
      publicKey,
    });
    // It holds the revision of the report, and the site has moved on since (its own join): not yet.
    expect(joined.upToDate).toBe(false);
    expect(sync(ids.unit).rfLocks![0]!.joinKey).toBeNull();

    // Once it holds the current revision it is up to date; once unheard for 90 s it is offline.
    const now = currentRevision(f.site.db);
    expect(
      intake.take([
        {
          deviceId: ids.unit,
          revision: now,
          rfLocks: [report(ids.rfA, EUI[0], { joined: true, revision: now })],
        },
      ]),
    ).toEqual([ids.unit]);
    expect((await list()).find((l) => l.doorId === ids.rfA)).toMatchObject({ upToDate: true, online: true });
    f.advance(91_000);
    expect((await list()).find((l) => l.doorId === ids.rfA)).toMatchObject({ online: false, upToDate: true });
    // The same report again is nothing new for the console.
    expect(
      intake.take([
        {
          deviceId: ids.unit,
          revision: now,
          rfLocks: [report(ids.rfA, EUI[0], { joined: true, revision: now })],
        },
      ]),
    ).toEqual([]);
  });

  it('a "joined" from a unit behind the rejoin is about the old join: the new key stays', async () => {
    const intake = f.service.devices.rfStatus;
    const before = currentRevision(f.site.db);
    const { joinCode } = await done<{ joinCode: string }>('rf.locks.rejoin', { doorId: ids.rfA });
    expect(currentRevision(f.site.db)).toBeGreaterThan(before);
    expect((await list()).find((l) => l.doorId === ids.rfA)).toMatchObject({
      state: 'waiting-to-join',
      publicKey: null,
      battery: null,
    });
    expect(sync(ids.unit).rfLocks![0]!.joinKey).toBe(parseJoinCode(joinCode).toString('hex'));
    intake.take([
      { deviceId: ids.unit, revision: before, rfLocks: [report(ids.rfA, EUI[0], { joined: true })] },
    ]);
    expect(f.site.secrets.get(joinKeySecret(ids.rfA))).toBeDefined();
    expect((await list()).find((l) => l.doorId === ids.rfA)!.state).toBe('waiting-to-join');
    // Once it holds the configuration carrying the new key, its "joined" counts.
    intake.take([
      {
        deviceId: ids.unit,
        revision: currentRevision(f.site.db),
        rfLocks: [report(ids.rfA, EUI[0], { joined: true })],
      },
    ]);
    expect(f.site.secrets.get(joinKeySecret(ids.rfA))).toBeUndefined();
    expect((await list()).find((l) => l.doorId === ids.rfA)!.state).toBe('joined');
  });

  it('a rejoin of a lock still waiting replaces its key: the old code stops working', async () => {
    const first = await done<{ joinCode: string }>('rf.locks.rejoin', { doorId: ids.rfB });
    const second = await done<{ joinCode: string }>('rf.locks.rejoin', { doorId: ids.rfB });
    expect(second.joinCode).not.toBe(first.joinCode);
    expect(sync(ids.unit2).rfLocks![0]!.joinKey).toBe(parseJoinCode(second.joinCode).toString('hex'));
    expect(failure(await call('rf.locks.rejoin', { doorId: ids.rfC })).code).toBe(ErrorCode.NOT_FOUND);
  });
});

describe('partitions', () => {
  it('lists only the locks at doors the caller reads; writes outside settings:admin are refused', async () => {
    const reader = await done<{ id: number }>('roles.create', {
      name: 'Annex desk',
      permissions: ['doors:read', 'settings:admin'],
      partition: { zoneIds: [ids.zone], doorIds: [] },
    });
    await f.addOperator('annex', [reader.id]);
    const annex = f.callerOf((await f.login('annex')).token)!;
    expect((await list(annex)).map((l) => l.doorId)).toEqual([ids.rfA]);
    const outside = failure(await call('rf.locks.remove', { doorId: ids.rfB }, annex));
    expect(outside.code).toBe(ErrorCode.FORBIDDEN);
    expect(outside.data).toMatchObject({ permission: 'settings:admin', outside: [`door:${ids.rfB}`] });
    expect(
      failure(await call('rf.locks.add', { doorId: ids.rfC, unitId: ids.unit, eui64: EUI[2] }, annex)).code,
    ).toBe(ErrorCode.FORBIDDEN);
  });
});

describe('rf.locks.remove', () => {
  it('forgets the lock and its join key; its unit’s sync no longer carries it', async () => {
    expect(f.site.secrets.get(joinKeySecret(ids.rfB))).toBeDefined();
    expect(await done('rf.locks.remove', { doorId: ids.rfB })).toEqual({ removed: true });
    expect(f.site.secrets.get(joinKeySecret(ids.rfB))).toBeUndefined();
    expect(sync(ids.unit2).rfLocks).toEqual([]);
    expect((await list()).map((l) => l.doorId)).toEqual([ids.rfA]);
    expect(failure(await call('rf.locks.remove', { doorId: ids.rfB })).code).toBe(ErrorCode.NOT_FOUND);
    // The EUI-64 is free again.
    await done('rf.locks.add', { doorId: ids.rfC, unitId: ids.unit2, eui64: EUI[1] });
  });

  it('a deleted door takes its RF lock and join key with it', async () => {
    const d = await done<{ version: number }>('doors.get', { id: ids.rfC });
    await done('doors.delete', { id: ids.rfC, version: d.version });
    expect(f.site.secrets.get(joinKeySecret(ids.rfC))).toBeUndefined();
    expect((await list()).map((l) => l.doorId)).toEqual([ids.rfA]);
  });

  it('a removed control unit takes its RF locks, their join keys and its network with it', async () => {
    const doorD = await door('Store D', 'rf');
    await done('rf.locks.add', { doorId: doorD, unitId: ids.unit2, eui64: EUI[2] });
    await done('devices.remove', { id: ids.unit2 });
    expect(f.site.secrets.get(joinKeySecret(doorD))).toBeUndefined();
    expect((await list()).map((l) => l.doorId)).toEqual([ids.rfA]);
    expect(sync(ids.gateway)).toMatchObject({ rf: null, rfNetworks: [], rfLocks: [] });
  });
});
