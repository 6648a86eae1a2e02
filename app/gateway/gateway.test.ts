import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startUdpFaultProxy, type Faults, type UdpFaultProxy } from '../../test/helpers/udp-fault-proxy.js';
import type { Gateway } from './gateway.js';
type Unit = TestUnit;
import { enrolledIdentity, startGateway, TestModel, TestUnit, TestUpstream, until } from './test-rig.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-gateway-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const CLEAN: Faults = { loss: 0, duplicate: 0, reorder: 0, delayMs: [0, 0] };

interface Site {
  upstream: TestUpstream;
  gateway: Gateway;
  unit: Unit;
  /** Unit 3's key is listed but nobody runs it: its doors are offline. */
  absent: Unit;
  unitPsk: string;
  /** Starts unit 2 (through `port`, default the gateway's own). */
  startUnit(port?: number): Promise<void>;
  proxies: { up?: UdpFaultProxy; down?: UdpFaultProxy };
}

/**
 * The Service stand-in with two units (2: doors 10 and 12; 3: door 11) and three live keys, one
 * cancelled key; gateway 1 enrolled with it, optionally through a misbehaving proxy.
 */
async function site(
  opts: { upFaults?: Faults; downFaults?: Faults; syncEveryMs?: number } = {},
): Promise<Site> {
  const model = new TestModel();
  const upstream = await TestUpstream.start(model);
  cleanups.push(() => upstream.close());
  const unit = TestUnit.create(tempDir(), 2);
  cleanups.push(() => unit.close());
  const absent = TestUnit.create(tempDir(), 3);
  cleanups.push(() => absent.close());
  const unitPsk = model.addUnit(2, unit.publicKey, [10, 12]).psk;
  model.addUnit(3, absent.publicKey, [11]);
  for (const id of [1, 2, 3, 99]) model.putCard(id);
  model.cancel(99);

  const proxies: Site['proxies'] = {};
  if (opts.upFaults) {
    proxies.up = await startUdpFaultProxy(upstream.port, opts.upFaults);
    cleanups.push(() => proxies.up!.close());
  }
  const psk = randomBytes(32);
  const gwDir = tempDir();
  const identity = enrolledIdentity(gwDir, 1, {
    port: proxies.up?.port ?? upstream.port,
    publicKey: upstream.publicKey,
    psk,
  });
  upstream.server.attach({ deviceId: 1, publicKey: Buffer.from(identity.staticKey.publicKey), psk });
  const gateway = await startGateway(
    identity,
    gwDir,
    opts.syncEveryMs ? { syncEveryMs: opts.syncEveryMs } : {},
  );
  cleanups.push(() => gateway.close());
  if (opts.downFaults) {
    proxies.down = await startUdpFaultProxy(gateway.address.port, opts.downFaults);
    cleanups.push(() => proxies.down!.close());
  }
  const startUnit = (port = proxies.down?.port ?? gateway.address.port) =>
    unit.start({ host: '127.0.0.1', port, publicKey: Buffer.from(identity.staticKey.publicKey) }, unitPsk);
  return { upstream, gateway, unit, absent, unitPsk, startUnit, proxies };
}

const synced = (unit: Unit, model: TestModel) => () => unit.store.replica()?.revision === model.revision;

/** Every number 1..n exactly once. */
function exactlyOnce(numbers: number[], n: number): void {
  expect(numbers.length).toBe(n);
  expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
}

describe('gateway', () => {
  it('gives a unit its own doors and readers, the live keys and the blacklist, and reports it upstream', async () => {
    const s = await site();
    await s.startUnit();
    await until(synced(s.unit, s.upstream.model), 'the unit to sync');

    const replica = s.unit.store.replica()!;
    expect(replica.doors.map((d) => d.door.doorId).sort()).toEqual([10, 12]);
    expect(replica.readers.map((r) => [r.unitId, r.doorId])).toEqual([
      [2, 10],
      [2, 12],
    ]);
    expect(replica.units).toEqual([]);
    expect(replica.keys).toEqual(s.upstream.model.keys);
    for (const id of [1, 2, 3]) expect(s.unit.store.card(id)?.credentialId).toBe(id);
    expect(s.unit.store.card(99)).toBeUndefined();
    expect(s.unit.store.blacklistEntries().map((e) => e.credentialId)).toEqual([99]);

    // Status upstream: the gateway itself, then the unit as it reported itself, online as seen here.
    await until(
      () =>
        s.upstream.statuses.some((st) =>
          st.some((u) => u.deviceId === 2 && u.online && u.revision === s.upstream.model.revision),
        ),
      'the unit in the gateway status',
    );
    const last = s.upstream.statuses.findLast((st) => st.some((u) => u.deviceId === 2))!;
    expect(last[0]).toMatchObject({ deviceId: 1, kind: 'gateway', revision: s.upstream.model.revision });
    expect(last.find((u) => u.deviceId === 2)).toMatchObject({
      kind: 'control-unit',
      revision: s.upstream.model.revision,
      online: true,
      lastSeen: expect.any(Number),
    });
    expect(last.find((u) => u.deviceId === 3)).toBeUndefined();
  });

  it('passes a change on at once: the Service says `changed`, the gateway resyncs and tells the unit', async () => {
    const s = await site({ syncEveryMs: 600_000 });
    await s.startUnit();
    const model = s.upstream.model;
    await until(synced(s.unit, model), 'the first sync');
    const base = s.unit.store.replica()!.cardsBase;

    model.revision += 1;
    model.putCard(4);
    model.cancel(2);
    s.upstream.server.announce(model.revision);
    // Neither periodic sync (10 min gateway, 1 min unit) can have done it within this time.
    await until(synced(s.unit, model), 'the resync', 5_000);

    expect(s.unit.store.card(2)).toBeUndefined();
    expect(s.unit.store.card(4)?.credentialId).toBe(4);
    expect(s.unit.store.card(1)?.credentialId).toBe(1);
    expect(s.unit.store.blacklistEntries().map((e) => e.credentialId)).toEqual([99, 2]);
    // Incremental: the cards were not reloaded whole.
    expect(s.unit.store.replica()!.cardsBase).toBe(base);
  });

  it('delivers a unit’s events upstream exactly once over lossy, duplicating, reordering hops', async () => {
    const faults = (seed: number): Faults => ({
      loss: 0.3,
      duplicate: 0.2,
      reorder: 0.2,
      delayMs: [0, 15],
      seed,
    });
    const s = await site({ upFaults: faults(7), downFaults: faults(11) });
    await s.startUnit();
    for (let i = 0; i < 6; i++) {
      s.unit.emit(10);
      await new Promise((r) => setTimeout(r, 100));
    }
    await until(() => s.upstream.numbers(2).length >= 60, 'all events upstream', 100_000);
    await until(
      () => s.gateway.summary().pendingEvents === 0 && s.unit.store.pendingCount() === 0,
      'empty outboxes',
    );
    exactlyOnce(s.upstream.numbers(2), 60);
    for (const e of s.upstream.received) expect(e.origin).toBe(2);
    // The network really was bad, both ways, on both hops.
    for (const p of [s.proxies.up!, s.proxies.down!]) {
      expect(p.stats.toTarget.dropped + p.stats.toClient.dropped).toBeGreaterThan(0);
      expect(p.stats.toTarget.duplicated + p.stats.toClient.duplicated).toBeGreaterThan(0);
      expect(p.stats.toTarget.reordered + p.stats.toClient.reordered).toBeGreaterThan(0);
    }
  }, 150_000);

  it('keeps serving while the Service is down, and delivers the buffered events when it is back', async () => {
    const s = await site({ upFaults: CLEAN });
    await until(() => s.gateway.summary().revision === s.upstream.model.revision, 'the gateway’s first sync');
    s.proxies.up!.set({ ...CLEAN, loss: 1 });

    // A unit that starts now syncs from the gateway's replica alone.
    await s.startUnit();
    await until(synced(s.unit, s.upstream.model), 'the unit to sync from the replica');
    s.unit.emit(20);
    await until(() => s.unit.store.pendingCount() === 0, 'the gateway to acknowledge the unit’s events');
    expect(s.gateway.summary().pendingEvents).toBe(20);
    // Still down a while later: the gateway keeps them, retrying on its own.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(s.gateway.summary().pendingEvents).toBe(20);
    expect(s.upstream.numbers(2)).toEqual([]);

    s.proxies.up!.set(CLEAN);
    await until(() => s.upstream.numbers(2).length >= 20, 'the events upstream', 40_000);
    await until(() => s.gateway.summary().pendingEvents === 0, 'the gateway’s outbox to empty');
    exactlyOnce(s.upstream.numbers(2), 20);
  }, 90_000);

  it('passes a door command to the unit that owns the door; doors of an offline unit are unreachable', async () => {
    const s = await site();
    await s.startUnit();
    await until(() => s.gateway.units.online(2), 'the unit to report');
    const reply = await s.upstream.command(1, { command: 'open', doorIds: [10, 11, 99], by: 'alice' });
    expect(reply).toEqual({ applied: [10], unreachable: [11, 99] });
    expect(s.unit.commands).toEqual([{ command: 'open', doorIds: [10], by: 'alice' }]);
  });

  it('gives a unit its RF network and RF locks, and passes it the commands for their doors', async () => {
    const s = await site();
    const model = s.upstream.model;
    model.doors.push({ ...model.doors[0]!, door: { ...model.doors[0]!.door, doorId: 13 } });
    model.rfNetworks.push({ unitId: 2, networkKey: 'a1'.repeat(16), keyVersion: 1, panId: 0x1234 });
    model.rfLocks.push({
      unitId: 2,
      doorId: 13,
      eui64: '00124B0001A2B3C4',
      lockKey: '5e'.repeat(16),
      joinKey: null,
      mobileKey: null,
    });
    model.revision += 1;
    await s.startUnit();
    await until(() => !!s.unit.store.replica()?.rf, 'the unit to get its RF network');
    const replica = s.unit.store.replica()!;
    expect(replica.rf).toEqual({ networkKey: 'a1'.repeat(16), keyVersion: 1, panId: 0x1234 });
    expect(replica.rfLocks?.map((l) => l.doorId)).toEqual([13]);
    expect(replica.doors.map((d) => d.door.doorId).sort()).toEqual([10, 12, 13]);
    await until(() => s.gateway.units.online(2), 'the unit to report');
    const reply = await s.upstream.command(1, { command: 'open', doorIds: [13], by: 'alice' });
    expect(reply).toEqual({ applied: [13], unreachable: [] });
    expect(s.unit.commands).toEqual([{ command: 'open', doorIds: [13], by: 'alice' }]);
  });

  it('passes a fingerprint read to the unit that owns the door and its template back', async () => {
    const s = await site();
    await s.startUnit();
    await until(() => s.gateway.units.online(2), 'the unit to report');
    await expect(s.upstream.enrolFinger(1, { doorId: 12, timeoutMs: 5_000 }, 10_000)).resolves.toEqual({
      template: '0a0b0c',
      quality: 80,
    });
    expect(s.unit.fingerReads).toEqual([{ doorId: 12, timeoutMs: 5_000 }]);
    // No finger at the unit: `failed`; a door on no unit, or on an offline one: `bad-request`.
    s.unit.finger = () => Promise.reject(new Error('no finger'));
    await expect(s.upstream.enrolFinger(1, { doorId: 10, timeoutMs: 1_000 })).rejects.toMatchObject({
      code: 'failed',
    });
    for (const doorId of [11, 99])
      await expect(s.upstream.enrolFinger(1, { doorId, timeoutMs: 1_000 })).rejects.toMatchObject({
        code: 'bad-request',
      });
    expect(s.unit.fingerReads.map((r) => r.doorId)).toEqual([12, 10]);
  });

  it('waits for a unit that reads the finger for longer than its retransmissions last', async () => {
    const model = new TestModel();
    const upstream = await TestUpstream.start(model);
    cleanups.push(() => upstream.close());
    const unit = TestUnit.create(tempDir(), 2);
    cleanups.push(() => unit.close());
    const unitPsk = model.addUnit(2, unit.publicKey, [10]).psk;
    const psk = randomBytes(32);
    const gwDir = tempDir();
    const identity = enrolledIdentity(gwDir, 1, { port: upstream.port, publicKey: upstream.publicKey, psk });
    upstream.server.attach({ deviceId: 1, publicKey: Buffer.from(identity.staticKey.publicKey), psk });
    // Towards the unit, a request gives up after about 0.35 s unless told to be patient.
    const gateway = await startGateway(identity, gwDir, {
      unitExchange: { ackTimeoutMs: 50, ackRandomFactor: 1, maxRetransmit: 2, maxWaitMs: 200 },
    });
    cleanups.push(() => gateway.close());
    await unit.start(
      { host: '127.0.0.1', port: gateway.address.port, publicKey: Buffer.from(identity.staticKey.publicKey) },
      unitPsk,
    );
    await until(() => gateway.units.online(2), 'the unit to report');
    unit.finger = () =>
      new Promise((resolve) => setTimeout(() => resolve({ template: 'ff', quality: 55 }), 1_500));
    await expect(upstream.enrolFinger(1, { doorId: 10, timeoutMs: 2_000 }, 10_000)).resolves.toEqual({
      template: 'ff',
      quality: 55,
    });
    expect(unit.fingerReads).toHaveLength(1); // retransmitted, but read once
  });

  it('refuses events a unit sends in another unit’s name', async () => {
    const s = await site();
    await s.startUnit();
    await until(synced(s.unit, s.upstream.model), 'the unit to sync');
    await expect(
      s.unit.client!.peer.call('events', {
        events: [
          {
            seq: 1,
            origin: 3,
            at: new Date().toISOString(),
            kind: 'door-forced',
            doorId: 11,
            userId: null,
            credentialId: null,
            reason: null,
            detail: {},
          },
        ],
      }),
    ).rejects.toThrow(/origin 3/);
    expect(s.gateway.summary().pendingEvents).toBe(0);
  });
});
