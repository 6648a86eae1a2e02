import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { failure, ok, serviceFixture, type ServiceFixture } from '../../test/helpers/service-fixture.js';
import { tempDir } from '../../test/helpers/temp-site.js';
import type { Device } from '../contract/methods/devices.js';
import { ErrorCode } from '../contract/errors.js';
import { DeviceStore } from '../devices/device-store.js';
import {
  decodeJson,
  DeviceProtocolError,
  encodeJson,
  EnrolReply,
  type DeviceKind,
  type MethodParams,
  type MethodResult,
  type UnitStatus,
} from '../devices/protocol.js';
import { UpstreamClient } from '../devices/upstream.js';
import { generateKeyPair } from '../link/noise/suite.js';
import { LinkEndpoint } from '../link/udp-endpoint.js';
import { silentLogger } from '../log.js';
import type { OpenSite } from '../site/site.js';
import { AuditRepo } from '../store/audit-repo.js';
import type { Service } from './service.js';

/**
 * Fingerprint enrolment over real UDP on 127.0.0.1: a device-side client (the shared UpstreamClient
 * and DeviceStore) answers `enrolFinger` as a control unit (or a gateway, for a unit behind it) would;
 * the Service stores the template, shows it enrolled, and the devices' next sync carries it.
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
  f = await serviceFixture({ link: true, siteName: 'Fingerprints' });
  service = f.service;
  site = f.site;
});

afterAll(() => f.close());

type FingerHandler = (p: MethodParams<'enrolFinger'>) => Promise<MethodResult<'enrolFinger'>>;

interface TestDevice {
  id: number;
  store: DeviceStore;
  reads: MethodParams<'enrolFinger'>[];
  finger: FingerHandler;
  stop(): Promise<void>;
}

const running: TestDevice[] = [];
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop();
});

/** Enrols a device with its code and runs it; `units` are the units a gateway reports online. */
async function startDevice(
  code: string,
  kind: DeviceKind,
  units: number[] = [],
  listenPort?: number,
): Promise<TestDevice> {
  const staticKey = generateKeyPair();
  const endpoint = await LinkEndpoint.bind({ staticKey, peers: [], host: '127.0.0.1', port: 0 });
  const result = await endpoint.enrol({
    address: { address: '127.0.0.1', port: service.devices.port! },
    code,
    payload: encodeJson({ kind, version: 'test-1', ...(listenPort ? { listenPort } : {}) }),
    timeoutMs: 3_000,
    retryMs: 500,
  });
  const reply = decodeJson(EnrolReply, result.reply, 'enrol reply');
  const store = DeviceStore.open(tempDir(), randomBytes(32));
  const status = (): UnitStatus[] => [
    store.ownStatus({ deviceId: reply.deviceId, kind, version: 'test-1', clock: Date.now(), online: true }),
    ...units.map((deviceId) =>
      store.ownStatus({ deviceId, kind: 'control-unit', version: 'test-1', clock: Date.now(), online: true }),
    ),
  ];
  const device: TestDevice = {
    id: reply.deviceId,
    store,
    reads: [],
    finger: () => Promise.resolve({ template: 'a1b2c3d4', quality: 72 }),
    stop: async () => {
      client.stop();
      await endpoint.close();
      store.close();
    },
  };
  const client = new UpstreamClient({
    endpoint,
    upstream: {
      host: '127.0.0.1',
      port: service.devices.port!,
      publicKey: result.peerPublicKey,
      psk: result.psk,
    },
    store,
    status,
    log: silentLogger(),
    syncEveryMs: 600_000,
    statusEveryMs: units.length ? 100 : 600_000,
    handlers: {
      enrolFinger: (p) => {
        device.reads.push(p);
        return device.finger(p);
      },
    },
  });
  client.start();
  await client.settled();
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
const door = async () =>
  (await call<{ id: number }>('doors.create', { name: `Door ${++names}`, kind: 'online' })).id;
const device = (kind: DeviceKind, readers: { address: number; doorId: number }[], gatewayId?: number) =>
  call<{ device: Device; pairing: { code: string } }>('devices.create', {
    kind,
    name: `Device ${++names}`,
    readers,
    ...(gatewayId ? { gatewayId } : {}),
  });

/** A door, a level on it, a user with a key: what a card + fingerprint door needs. */
async function holder(d: number) {
  const period = await call<{ id: number }>('timePeriods.create', {
    name: `Always ${++names}`,
    rules: { mon: [{ start: 0, end: 1440 }] },
  });
  const level = await call<{ id: number }>('accessLevels.create', {
    name: `Level ${++names}`,
    rights: [{ doorId: d, periodId: period.id }],
  });
  const user = await call<{ id: number; version: number }>('users.create', {
    lastName: `Holder ${++names}`,
    accessLevelIds: [level.id],
  });
  const uid = `04${randomBytes(6).toString('hex').toUpperCase()}`;
  const key = await call<{ id: number }>('keys.issue', { userId: user.id, uid });
  return { user, key };
}

const enrolled = async (userId: number) =>
  (await call<{ fingerprintEnrolled: boolean }>('users.get', { id: userId })).fingerprintEnrolled;

describe('users.enrollFingerprint', () => {
  it('reads the finger at the door’s unit, stores the template, and the next sync carries it', async () => {
    const d = await door();
    const { user, key } = await holder(d);
    expect(await enrolled(user.id)).toBe(false);
    const created = await device('control-unit', [{ address: 0, doorId: d }]);
    const unit = await startDevice(created.pairing.code, 'control-unit');
    expect(unit.store.card(key.id)?.fingerTemplate).toBeNull();

    expect(await call('users.enrollFingerprint', { userId: user.id, doorId: d, timeoutSeconds: 20 })).toEqual(
      { quality: 72 },
    );
    expect(unit.reads).toEqual([{ doorId: d, timeoutMs: 20_000 }]);
    expect(await enrolled(user.id)).toBe(true);
    const listed = await call<{ items: { id: number; fingerprintEnrolled: boolean; version: number }[] }>(
      'users.list',
      { limit: 500 },
    );
    expect(listed.items.find((u) => u.id === user.id)).toMatchObject({
      fingerprintEnrolled: true,
      version: user.version + 1,
    });
    // The change feed names the holder: the unit resyncs and holds the template with the key.
    await until(() => unit.store.card(key.id)?.fingerTemplate === 'a1b2c3d4');
    // Audited, without the template.
    const audit = JSON.stringify(new AuditRepo(site.db).list({ limit: 5 }));
    expect(audit).toContain('users.enrollFingerprint');
    expect(audit).not.toContain('a1b2c3d4');

    // Cleared: the next sync carries none.
    expect(await call('users.clearFingerprint', { userId: user.id })).toEqual({ cleared: true });
    expect(await enrolled(user.id)).toBe(false);
    await until(() => unit.store.card(key.id)?.fingerTemplate === null);
    expect(await call('users.clearFingerprint', { userId: user.id })).toEqual({ cleared: false });
    expect(JSON.stringify(new AuditRepo(site.db).list({ limit: 5 }))).toContain('users.clearFingerprint');
  });

  it('no finger at the reader: UNAVAILABLE no-finger, and nothing is stored', async () => {
    const d = await door();
    const { user } = await holder(d);
    const created = await device('control-unit', [{ address: 2, doorId: d }]);
    const unit = await startDevice(created.pairing.code, 'control-unit');
    unit.finger = () => Promise.reject(new Error('no finger came'));
    const err = failure(
      await raw('users.enrollFingerprint', { userId: user.id, doorId: d, timeoutSeconds: 5 }),
    );
    expect(err).toMatchObject({ code: ErrorCode.UNAVAILABLE, data: { reason: 'no-finger' } });
    expect(unit.reads).toHaveLength(1);
    expect(await enrolled(user.id)).toBe(false);
  });

  it('a door no paired unit serves: UNAVAILABLE not-online; unknown user or door: NOT_FOUND', async () => {
    const d = await door();
    const { user } = await holder(d);
    const err = failure(await raw('users.enrollFingerprint', { userId: user.id, doorId: d }));
    expect(err).toMatchObject({ code: ErrorCode.UNAVAILABLE, data: { reason: 'not-online' } });
    await device('control-unit', [{ address: 0, doorId: d }]); // registered, never paired
    expect(failure(await raw('users.enrollFingerprint', { userId: user.id, doorId: d }))).toMatchObject({
      code: ErrorCode.UNAVAILABLE,
      data: { reason: 'not-online' },
    });
    expect(failure(await raw('users.enrollFingerprint', { userId: 999_999, doorId: d })).code).toBe(
      ErrorCode.NOT_FOUND,
    );
    const noDoor = failure(await raw('users.enrollFingerprint', { userId: user.id, doorId: 999_999 }));
    expect(noDoor.code).toBe(ErrorCode.NOT_FOUND);
    expect(noDoor.message).toMatch(/door/);
    expect(failure(await raw('users.clearFingerprint', { userId: 999_999 })).code).toBe(ErrorCode.NOT_FOUND);
  });

  it('a unit behind a gateway: the gateway is asked, and a bad-request from it means not-online', async () => {
    const d = await door();
    const { user, key } = await holder(d);
    const gwCreated = await device('gateway', []);
    const unitCreated = await device('control-unit', [{ address: 0, doorId: d }], gwCreated.device.id);
    const gw = await startDevice(gwCreated.pairing.code, 'gateway', [unitCreated.device.id], 5998);
    // The unit pairs (its enrolment answer names the gateway); only the gateway runs here.
    const unitKey = generateKeyPair();
    const unitEndpoint = await LinkEndpoint.bind({ staticKey: unitKey, peers: [], host: '127.0.0.1' });
    await unitEndpoint.enrol({
      address: { address: '127.0.0.1', port: service.devices.port! },
      code: unitCreated.pairing.code,
      payload: encodeJson({ kind: 'control-unit', version: 'test-1' }),
      timeoutMs: 3_000,
      retryMs: 500,
    });
    await unitEndpoint.close();
    await until(async () => {
      const list = await call<{ devices: Device[] }>('devices.list', {});
      return list.devices.find((x) => x.id === unitCreated.device.id)?.online === true;
    });
    expect(await call('users.enrollFingerprint', { userId: user.id, doorId: d })).toEqual({ quality: 72 });
    expect(gw.reads).toEqual([{ doorId: d, timeoutMs: 30_000 }]);
    await until(() => gw.store.card(key.id)?.fingerTemplate === 'a1b2c3d4');

    gw.finger = () => Promise.reject(new Error('no finger'));
    expect(failure(await raw('users.enrollFingerprint', { userId: user.id, doorId: d }))).toMatchObject({
      data: { reason: 'no-finger' },
    });
    gw.finger = () => Promise.reject(new DeviceProtocolError('door not on my units'));
    expect(failure(await raw('users.enrollFingerprint', { userId: user.id, doorId: d }))).toMatchObject({
      data: { reason: 'not-online' },
    });
    expect(await enrolled(user.id)).toBe(true); // the failed reads kept the earlier template
  });
});
