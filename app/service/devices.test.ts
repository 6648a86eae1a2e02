import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { failure, ok, serviceFixture, type ServiceFixture } from '../../test/helpers/service-fixture.js';
import { tempDir } from '../../test/helpers/temp-site.js';
import { startUdpFaultProxy, type UdpFaultProxy } from '../../test/helpers/udp-fault-proxy.js';
import type { Device } from '../contract/methods/devices.js';

type Pairing = { code: string; expiresAt: string; service: { port: number; publicKey: string } };
import { ErrorCode } from '../contract/errors.js';
import { DeviceStore, type OutgoingEvent } from '../devices/device-store.js';
import { decodeJson, encodeJson, EnrolReply, type DeviceKind, type UnitStatus } from '../devices/protocol.js';
import { UpstreamClient } from '../devices/upstream.js';
import { generateKeyPair } from '../link/noise/suite.js';
import { LinkEndpoint } from '../link/udp-endpoint.js';
import { silentLogger } from '../log.js';
import type { OpenSite } from '../site/site.js';
import { AuditRepo } from '../store/audit-repo.js';
import type { Permission } from '../contract/permissions.js';
import type { LiveEvent } from './event-bus.js';
import type { Service } from './service.js';

/**
 * The Service's side of online devices over real UDP on 127.0.0.1: a device-side client (the shared
 * UpstreamClient and DeviceStore) enrols with its pairing code, syncs, reports, sends events and
 * takes door commands.
 */

let f: ServiceFixture;
let service: Service;
let site: OpenSite;

async function raw(method: string, params: unknown) {
  return f.call(method, params, { caller: f.admin.caller });
}
async function call<T = Record<string, unknown>>(method: string, params: unknown): Promise<T> {
  return ok<T>(await raw(method, params));
}

beforeAll(async () => {
  f = await serviceFixture({ link: true, siteName: 'Devices' });
  service = f.service;
  site = f.site;
});

afterAll(() => f.close());

/** A device on its own UDP socket, with a store and the shared upstream client. */
interface TestDevice {
  id: number;
  kind: DeviceKind;
  publicKey: string;
  endpoint: LinkEndpoint;
  store: DeviceStore;
  client: UpstreamClient;
  commands: unknown[];
  reply: EnrolReply;
  enqueue(events: Omit<OutgoingEvent, 'origin'>[], origin?: number): void;
  stop(): Promise<void>;
}

const running: TestDevice[] = [];
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop();
});

const servicePort = () => service.devices.port!;

async function enrolOnly(
  code: string,
  kind: DeviceKind,
  opts: { listenPort?: number; timeoutMs?: number } = {},
): Promise<{
  endpoint: LinkEndpoint;
  publicKey: string;
  result: Awaited<ReturnType<LinkEndpoint['enrol']>>;
}> {
  const staticKey = generateKeyPair();
  const endpoint = await LinkEndpoint.bind({ staticKey, peers: [], host: '127.0.0.1', port: 0 });
  try {
    const result = await endpoint.enrol({
      address: { address: '127.0.0.1', port: servicePort() },
      code,
      payload: encodeJson({
        kind,
        version: 'test-1',
        ...(opts.listenPort ? { listenPort: opts.listenPort } : {}),
      }),
      timeoutMs: opts.timeoutMs ?? 3_000,
      retryMs: 500,
    });
    return { endpoint, result, publicKey: staticKey.publicKey.toString('hex') };
  } catch (err) {
    await endpoint.close();
    throw err;
  }
}

async function startDevice(
  code: string,
  kind: DeviceKind = 'control-unit',
  opts: { via?: number; listenPort?: number } = {},
): Promise<TestDevice> {
  const { endpoint, result, publicKey } = await enrolOnly(code, kind, opts);
  const reply = decodeJson(EnrolReply, result.reply, 'enrol reply');
  const store = DeviceStore.open(tempDir(), randomBytes(32));
  const commands: unknown[] = [];
  const status = (): UnitStatus[] => [
    store.ownStatus({ deviceId: reply.deviceId, kind, version: 'test-1', clock: Date.now(), online: true }),
  ];
  const client = new UpstreamClient({
    endpoint,
    upstream: {
      host: '127.0.0.1',
      port: opts.via ?? servicePort(),
      publicKey: result.peerPublicKey,
      psk: result.psk,
    },
    store,
    status,
    log: silentLogger(),
    syncEveryMs: 600_000,
    statusEveryMs: 600_000,
    handlers: {
      command: (p) => {
        commands.push(p);
        return { applied: p.doorIds, unreachable: [] };
      },
    },
  });
  client.start();
  await client.settled();
  const device: TestDevice = {
    id: reply.deviceId,
    kind,
    publicKey,
    endpoint,
    store,
    client,
    commands,
    reply,
    enqueue: (events, origin = reply.deviceId) => {
      store.enqueue(events.map((e) => ({ ...e, origin })));
    },
    stop: async () => {
      client.stop();
      await endpoint.close();
      store.close();
    },
  };
  running.push(device);
  return device;
}

async function until(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

let names = 0;
async function door(): Promise<number> {
  return (await call<{ id: number }>('doors.create', { name: `Door ${++names}`, kind: 'online' })).id;
}
async function unit(readers: { address: number; doorId: number }[], gatewayId?: number) {
  return call<{ device: Device; pairing: Pairing }>('devices.create', {
    kind: 'control-unit',
    name: `CU ${++names}`,
    readers,
    ...(gatewayId ? { gatewayId } : {}),
  });
}

const event = (n: number, doorId: number): Omit<OutgoingEvent, 'origin'> => ({
  at: new Date(Date.UTC(2026, 10, 29, 9, 0, 0, n)).toISOString(),
  kind: 'access-granted',
  doorId,
  userId: null,
  credentialId: null,
  reason: null,
  detail: { n },
});
const storedEvents = (source: string) =>
  site.db
    .prepare('SELECT detail FROM access_event WHERE source = ? ORDER BY id')
    .pluck()
    .all(source) as string[];

describe('pairing', () => {
  it('registers a control unit, and the device enrols with its code, syncs its door, keys and cards', async () => {
    const d = await door();
    const period = await call<{ id: number }>('timePeriods.create', {
      name: 'All day',
      rules: { mon: [{ start: 0, end: 1440 }] },
    });
    const level = await call<{ id: number }>('accessLevels.create', {
      name: 'Front',
      rights: [{ doorId: d, periodId: period.id }],
    });
    const user = await call<{ id: number }>('users.create', { lastName: 'Card', accessLevelIds: [level.id] });
    const key = await call<{ id: number }>('keys.issue', { userId: user.id, uid: '04112233445566' });

    const created = await unit([{ address: 1, doorId: d }]);
    expect(created.device).toMatchObject({
      paired: false,
      online: false,
      readers: [{ address: 1, doorId: d }],
      version: 0,
    });
    expect(created.pairing.code).toMatch(/^(?:[0-9A-Z]{4}-){5}[0-9A-Z]{4}$/);
    expect(created.pairing.service).toEqual({
      port: servicePort(),
      publicKey: service.devices.publicKeyHex(),
    });
    // The code is never in the audit trail.
    const audit = JSON.stringify(new AuditRepo(site.db).list({ limit: 5 }));
    expect(audit).toContain('devices.create');
    expect(audit).not.toContain(created.pairing.code);

    const dev = await startDevice(created.pairing.code);
    expect(dev.id).toBe(created.device.id);
    expect(dev.reply.upstream).toBeUndefined();
    const replica = dev.store.replica()!;
    expect(replica.doors.map((x) => x.door.doorId)).toEqual([d]);
    expect(replica.readers).toMatchObject([{ unitId: dev.id, address: 1, doorId: d }]);
    expect(replica.keys.siteId).toBe(site.siteId);
    expect(dev.store.card(key.id)).toMatchObject({
      credentialId: key.id,
      userId: user.id,
      uid: '04112233445566',
    });

    const listed = await call<{
      devices: Device[];
      link: { port: number; publicKey: string; listening: boolean };
    }>('devices.list', {});
    expect(listed.link).toMatchObject({
      listening: true,
      port: servicePort(),
      publicKey: service.devices.publicKeyHex(),
    });
    expect(listed.devices.find((x) => x.id === dev.id)).toMatchObject({
      paired: true,
      pairingExpiresAt: null,
    });
  });

  it('refuses a wrong code, a used code, and the code of another kind of device', async () => {
    const created = await unit([]);
    await expect(
      enrolOnly('ABCDEFGHJKMNPQRSTVWXYZ00', 'control-unit', { timeoutMs: 1_500 }),
    ).rejects.toThrow();
    await expect(enrolOnly(created.pairing.code, 'gateway', { timeoutMs: 1_500 })).rejects.toThrow();
    const first = await enrolOnly(created.pairing.code, 'control-unit');
    await first.endpoint.close();
    await expect(enrolOnly(created.pairing.code, 'control-unit', { timeoutMs: 1_500 })).rejects.toThrow();
    const after = await call<{ devices: Device[] }>('devices.list', {});
    expect(after.devices.find((x) => x.id === created.device.id)).toMatchObject({ paired: true });

    const expired = await unit([]);
    site.db
      .prepare('UPDATE device SET pairing_expires_at = ? WHERE id = ?')
      .run(new Date(Date.now() - 1000).toISOString(), expired.device.id);
    await expect(enrolOnly(expired.pairing.code, 'control-unit', { timeoutMs: 1_500 })).rejects.toThrow();
  });

  it('a new code pairs a replacement device: its key replaces the old one', async () => {
    const d = await door();
    const created = await unit([{ address: 0, doorId: d }]);
    const old = await startDevice(created.pairing.code);
    const pairing = await call<Pairing>('devices.pair', { id: old.id });
    const replacement = await startDevice(pairing.code);
    expect(replacement.id).toBe(old.id);
    expect(replacement.store.replica()!.doors.map((x) => x.door.doorId)).toEqual([d]);
    const shown = (await call<{ devices: Device[] }>('devices.list', {})).devices.find(
      (x) => x.id === old.id,
    )!;
    expect(shown).toMatchObject({ paired: true, pairingExpiresAt: null });
  });
});

describe('events', () => {
  it('stores each event once, even when a batch is sent twice', async () => {
    const d = await door();
    const created = await unit([{ address: 0, doorId: d }]);
    const dev = await startDevice(created.pairing.code);
    dev.enqueue([event(1, d), event(2, d), event(3, d)]);
    const batch = dev.store.pending(10);
    expect(await dev.client.peer.call('events', { events: batch })).toEqual({ ack: 3 });
    expect(await dev.client.peer.call('events', { events: batch })).toEqual({ ack: 3 });
    // A batch past a gap is not stored past it.
    expect(await dev.client.peer.call('events', { events: [{ ...batch[0]!, seq: 5 }] })).toEqual({ ack: 3 });
    dev.store.acknowledge(3);
    expect(storedEvents(created.device.name).map((x) => (JSON.parse(x) as { n: number }).n)).toEqual([
      1, 2, 3,
    ]);
  });

  it('stores every event once through a network that loses, duplicates and reorders', async () => {
    const d = await door();
    const created = await unit([{ address: 0, doorId: d }]);
    const proxy: UdpFaultProxy = await startUdpFaultProxy(servicePort(), {
      loss: 0,
      duplicate: 0,
      reorder: 0,
      delayMs: [0, 0],
    });
    try {
      const dev = await startDevice(created.pairing.code, 'control-unit', { via: proxy.port });
      proxy.set({ loss: 0.15, duplicate: 0.2, reorder: 0.2, delayMs: [0, 4], seed: 7 });
      for (let batch = 0; batch < 6; batch++) {
        dev.enqueue(Array.from({ length: 10 }, (_, i) => event(batch * 10 + i + 1, d)));
        dev.client.sendEvents();
        await new Promise((r) => setTimeout(r, 15));
      }
      await until(() => dev.store.pendingCount() === 0, 20_000);
      const ns = storedEvents(created.device.name).map((x) => (JSON.parse(x) as { n: number }).n);
      expect(ns).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      expect(proxy.stats.toTarget.dropped + proxy.stats.toClient.dropped).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }
  }, 30_000);
});

describe('changes reach online devices', () => {
  it('a cancelled key is in the replica blacklist within a second, without the periodic sync', async () => {
    const d = await door();
    const user = await call<{ id: number }>('users.create', { lastName: 'Lost' });
    const key = await call<{ id: number; version: number }>('keys.issue', {
      userId: user.id,
      uid: '04A1A2A3A4A5A6',
    });
    const created = await unit([{ address: 0, doorId: d }]);
    const dev = await startDevice(created.pairing.code);
    expect(dev.store.card(key.id)).toBeDefined();
    const started = Date.now();
    await call('keys.cancel', { id: key.id, version: key.version });
    await until(() => dev.store.blacklistEntries().some((e) => e.credentialId === key.id), 1_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    await until(() => dev.store.card(key.id) === undefined, 1_000);
  });

  it('a reader change reaches the unit; removing the device unpins it', async () => {
    const [d1, d2] = [await door(), await door()];
    const created = await unit([{ address: 0, doorId: d1 }]);
    const dev = await startDevice(created.pairing.code);
    const current = (await call<{ devices: Device[] }>('devices.list', {})).devices.find(
      (x) => x.id === dev.id,
    )!;
    await call('devices.update', {
      id: dev.id,
      version: current.version,
      readers: [{ address: 2, doorId: d2 }],
    });
    await until(() => dev.store.replica()!.readers.some((r) => r.doorId === d2 && r.address === 2), 2_000);
    expect(dev.store.replica()!.doors.map((x) => x.door.doorId)).toEqual([d2]);

    const refused = async () => {
      const r = (await call<{ link: { refused: Record<string, number> } }>('devices.list', {})).link.refused;
      return (r.wrongReceiver ?? 0) + (r.unknownPeer ?? 0);
    };
    const before = await refused();
    expect(await call('devices.remove', { id: dev.id })).toEqual({ removed: true });
    const attempt = dev.client.peer.call('sync', dev.store.syncParams()).then(
      () => 'answered',
      () => 'refused',
    );
    // The Service no longer knows the device's session or key: its datagrams are refused.
    await until(async () => (await refused()) > before, 2_000);
    await dev.stop();
    running.splice(running.indexOf(dev), 1);
    expect(await attempt).toBe('refused');
    expect(failure(await raw('devices.pair', { id: dev.id })).code).toBe(ErrorCode.NOT_FOUND);
  });
});

describe('status and door commands', () => {
  it('lists a device online with its revision and pending events; a door command reaches it', async () => {
    const [d, bare] = [await door(), await door()];
    const live: LiveEvent[] = [];
    const unsubscribe = service.events.subscribe(
      () => ({ permissions: new Set<Permission>(['doors:read']), sessionHash: Buffer.alloc(32) }),
      (e) => live.push(e),
    );
    const created = await unit([{ address: 0, doorId: d }]);
    const dev = await startDevice(created.pairing.code);
    dev.enqueue([event(1, d), event(2, d)]);
    await dev.client.reportStatus();
    const seen = await call<{ devices: Device[]; link: { revision: number } }>('devices.list', {});
    const shown = seen.devices.find((x) => x.id === dev.id)!;
    expect(shown).toMatchObject({
      online: true,
      revision: dev.store.syncParams().revision,
      softwareVersion: 'test-1',
    });
    expect(shown.revision).toBe(seen.link.revision);
    // reportStatus sends the events after reporting; the status counted them still pending.
    expect(shown.pendingEvents).toBe(2);
    expect(shown.address).toBe(`127.0.0.1:${dev.endpoint.address.port}`);
    const changed = live.filter((e) => e.topic === 'devices.changed').map((e) => e.payload as Device);
    expect(changed.map((x) => [x.id, x.paired, x.online])).toEqual(
      expect.arrayContaining([
        [dev.id, false, false],
        [dev.id, true, false],
        [dev.id, true, true],
      ]),
    );
    unsubscribe();

    const outcome = await call<{ applied: number[]; unreachable: number[]; notOnline: number[] }>(
      'doors.command',
      {
        command: 'open',
        doorIds: [d, bare],
      },
    );
    expect(outcome).toEqual({ applied: [d], unreachable: [], notOnline: [bare] });
    expect(dev.commands).toEqual([{ command: 'open', doorIds: [d], by: 'admin' }]);
    expect(failure(await raw('doors.command', { command: 'open', doorIds: [999_999] })).code).toBe(
      ErrorCode.NOT_FOUND,
    );
  });

  it('rejects bad registrations with the contract errors', async () => {
    const d = await door();
    await unit([{ address: 0, doorId: d }]);
    expect(
      failure(
        await raw('devices.create', {
          kind: 'control-unit',
          name: 'X1',
          readers: [{ address: 0, doorId: d }],
        }),
      ),
    ).toMatchObject({ code: ErrorCode.CONFLICT, data: { reason: 'door taken' } });
    expect(
      failure(await raw('devices.create', { kind: 'control-unit', name: 'X2', gatewayId: 999 })).code,
    ).toBe(ErrorCode.NOT_FOUND);
    const gw = await call<{ device: Device }>('devices.create', { kind: 'gateway', name: 'GW dup' });
    expect(failure(await raw('devices.create', { kind: 'gateway', name: 'gw DUP' })).data).toMatchObject({
      reason: 'name taken',
    });
    expect(failure(await raw('devices.update', { id: gw.device.id, version: 5, name: 'Y' })).code).toBe(
      ErrorCode.CONFLICT,
    );
    await unit([], gw.device.id);
    expect(failure(await raw('devices.remove', { id: gw.device.id })).data).toMatchObject({
      reason: 'in use',
    });
  });
});

describe('gateways', () => {
  it('tells a unit behind a gateway where the gateway is, gives the gateway its units, and takes forwarded events', async () => {
    const gwCreated = await call<{ device: Device; pairing: Pairing }>('devices.create', {
      kind: 'gateway',
      name: 'GW 1',
    });
    const gw = await startDevice(gwCreated.pairing.code, 'gateway', { listenPort: 5999 });
    const d = await door();
    const created = await unit([{ address: 4, doorId: d }], gw.id);
    const { endpoint, result, publicKey } = await enrolOnly(created.pairing.code, 'control-unit');
    await endpoint.close();
    const reply = decodeJson(EnrolReply, result.reply, 'reply');
    expect(reply).toEqual({
      deviceId: created.device.id,
      upstream: { host: '127.0.0.1', port: 5999, publicKey: gw.publicKey },
    });
    // The gateway hears of its new unit (the pin is in the change feed) and syncs it with its key and psk.
    await until(() => (gw.store.replica()?.units ?? []).some((u) => u.deviceId === created.device.id), 2_000);
    const u = gw.store.replica()!.units.find((x) => x.deviceId === created.device.id)!;
    expect(u.publicKey).toBe(publicKey);
    expect(u.psk).toBe(result.psk.toString('hex'));
    expect(gw.store.replica()!.readers).toMatchObject([{ unitId: created.device.id, address: 4, doorId: d }]);

    gw.enqueue([event(1, d)], created.device.id);
    gw.client.sendEvents();
    await until(() => gw.store.pendingCount() === 0, 3_000);
    const stored = storedEvents(created.device.name).map((x) => JSON.parse(x) as Record<string, unknown>);
    expect(stored).toEqual([{ n: 1, via: 'GW 1' }]);

    // A command for the unit's door goes to the gateway, which passes it on.
    await gw.client.reportStatus();
    expect(await call('doors.command', { command: 'lockdown-on', doorIds: [d] })).toEqual({
      applied: [d],
      unreachable: [],
      notOnline: [],
    });
    expect(gw.commands).toEqual([{ command: 'lockdown-on', doorIds: [d], by: 'admin' }]);
  });
});
