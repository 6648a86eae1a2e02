import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { loadOrCreateIdentity, saveEnrolment, type DeviceIdentity } from '../devices/device-identity.js';
import { DeviceStore } from '../devices/device-store.js';
import { DeviceServer } from '../devices/downstream.js';
import { freshInOrder } from '../devices/event-sequence.js';
import type { DoorTablesData } from '../store/access-compiler.js';
import type {
  MethodParams,
  MethodResult,
  ReaderConfig,
  ReplicaCard,
  RfLockConfig,
  SyncParams,
  SyncReply,
  UnitConfig,
  UnitStatus,
  WireEvent,
} from '../devices/protocol.js';
import { decodeJson, encodeJson, EnrolRequest } from '../devices/protocol.js';
import { UpstreamClient } from '../devices/upstream.js';
import { generateKeyPair, type KeyPair } from '../link/noise/suite.js';
import { LinkEndpoint } from '../link/udp-endpoint.js';
import { silentLogger } from '../log.js';
import { Gateway, type GatewayOptions } from './gateway.js';

/**
 * Tests only: a stand-in for the Service built from the real device parts (a DeviceServer whose `sync`
 * answers from a small model and whose `events` keeps a receipt with freshInOrder), and a control unit
 * (a real UpstreamClient and DeviceStore). The gateway runs between them.
 */

/** Link settings for tests: handshakes retried after 0.5 s instead of WireGuard's 5 s. */
export const FAST_LINK = { rekeyTimeoutMs: 500 } as const;

const hex16 = () => randomBytes(16).toString('hex');

/** Waits until `check` holds (polling), or fails with `what`. */
export async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function door(doorId: number): DoorTablesData {
  return {
    revision: 1,
    door: {
      doorId,
      zoneIds: [],
      openMode: 'standard',
      auth: { mode: 'card' },
      openSeconds: 5,
      extendedOpenSeconds: 15,
    },
    periods: [],
    calendar: { id: 1, days: [] },
    blacklistSeq: 0,
  };
}

export function card(credentialId: number, revision: number): ReplicaCard {
  return {
    revision,
    uid: `04a1b2c3d4e5${credentialId.toString(16).padStart(2, '0')}`,
    credentialId,
    userId: credentialId,
    validFrom: null,
    validUntil: null,
    revalidateBy: null,
    rights: [{ kind: 'door', id: 10, periodId: 1 }],
    privileges: { office: false, privacyOverride: false, extendedOpening: false },
    pinHash: null,
    revalidationWindowSeconds: null,
    fingerTemplate: null,
  };
}

/** The Service's side of the site, as small as a test needs; changes bump the revision. */
export class TestModel {
  revision = 1;
  doors: DoorTablesData[] = [];
  readers: ReaderConfig[] = [];
  units: UnitConfig[] = [];
  /** RF locks and the RF networks of the units that host an RF node. */
  rfLocks: RfLockConfig[] = [];
  rfNetworks: NonNullable<SyncReply['rfNetworks']> = [];
  private readonly cards = new Map<number, { card: ReplicaCard; revision: number }>();
  private readonly removed = new Map<number, number>();
  blacklist: { seq: number; credentialId: number; expiresAt: number }[] = [];
  readonly keys = { siteId: 'test-site', keyVersion: 1, lock: hex16(), update: hex16(), uidRead: hex16() };

  addUnit(deviceId: number, publicKey: Buffer, doorIds: number[]): UnitConfig {
    const unit = {
      deviceId,
      name: `unit ${deviceId}`,
      publicKey: publicKey.toString('hex'),
      psk: randomBytes(32).toString('hex'),
    };
    this.units.push(unit);
    doorIds.forEach((doorId, i) => {
      this.doors.push(door(doorId));
      this.readers.push({ unitId: deviceId, address: i, doorId, scbk: hex16() });
    });
    return unit;
  }

  putCard(credentialId: number): void {
    this.cards.set(credentialId, { card: card(credentialId, this.revision), revision: this.revision });
    this.removed.delete(credentialId);
  }

  /** Cancels a key: it leaves the replica and enters the blacklist. */
  cancel(credentialId: number): void {
    this.revision += 1;
    this.cards.delete(credentialId);
    this.removed.set(credentialId, this.revision);
    const seq = (this.blacklist.at(-1)?.seq ?? 0) + 1;
    this.blacklist.push({ seq, credentialId, expiresAt: 2_000_000_000 });
  }

  reply(held: SyncParams): SyncReply {
    const full = held.revision === 0 || held.revision > this.revision;
    const fullBlacklist = held.blacklistSeq === 0;
    return {
      revision: this.revision,
      timeZone: 'Europe/Berlin',
      keys: this.keys,
      doors: this.doors,
      readers: this.readers,
      units: this.units,
      cards: {
        full,
        upsert: [...this.cards.values()].filter((c) => full || c.revision > held.revision).map((c) => c.card),
        remove: full ? [] : [...this.removed].filter(([, rev]) => rev > held.revision).map(([id]) => id),
      },
      blacklist: {
        full: fullBlacklist,
        entries: this.blacklist.filter((e) => fullBlacklist || e.seq > held.blacklistSeq),
        latestSeq: this.blacklist.at(-1)?.seq ?? 0,
      },
      rfNetworks: this.rfNetworks,
      rfLocks: this.rfLocks,
    };
  }
}

/** The Service, as the gateway sees it: a DeviceServer on its own endpoint. */
export class TestUpstream {
  readonly received: WireEvent[] = [];
  readonly statuses: UnitStatus[][] = [];
  syncs = 0;
  /** What the last enrolment said about the device (its payload). */
  enrolled: EnrolRequest | undefined;
  /** While set, `events` fails (as a Service whose database is busy): the sender keeps them and retries. */
  refuseEvents = false;
  private mark = 0;

  private constructor(
    readonly endpoint: LinkEndpoint,
    readonly server: DeviceServer,
    readonly model: TestModel,
    private readonly key: KeyPair,
  ) {}

  static async start(model = new TestModel()): Promise<TestUpstream> {
    const key = generateKeyPair();
    const endpoint = await LinkEndpoint.bind({ staticKey: key, ...FAST_LINK });
    const ref: { self?: TestUpstream } = {};
    const server = new DeviceServer(endpoint, () => ({
      sync: (p) => {
        ref.self!.syncs += 1;
        return model.reply(p);
      },
      events: ({ events }) => {
        if (ref.self!.refuseEvents) throw new Error('not now');
        const { fresh, highWater } = freshInOrder(ref.self!.mark, events);
        ref.self!.received.push(...fresh);
        ref.self!.mark = highWater;
        return { ack: highWater };
      },
      status: ({ units }) => {
        ref.self!.statuses.push(units);
        return { now: Date.now() };
      },
    }));
    ref.self = new TestUpstream(endpoint, server, model, key);
    return ref.self;
  }

  get port(): number {
    return this.endpoint.address.port;
  }

  get publicKey(): Buffer {
    return Buffer.from(this.key.publicKey);
  }

  /** Answers one enrolment with `code` (as the Service would), pinning the gateway as `deviceId`. */
  acceptEnrolment(code: string, deviceId: number): void {
    this.endpoint.setEnrolment({
      codes: () => [{ id: 'code-1', code }],
      accept: (e) => {
        this.enrolled = decodeJson(EnrolRequest, e.payload, 'enrolment payload');
        this.server.attach({ deviceId, publicKey: e.publicKey, psk: e.psk });
        this.endpoint.setEnrolment(undefined);
        return encodeJson({ deviceId });
      },
    });
  }

  /** The `detail.n` of every event received from `origin`, in arrival order. */
  numbers(origin: number): number[] {
    return this.received.filter((e) => e.origin === origin).map((e) => e.detail.n as number);
  }

  command(gatewayId: number, params: MethodParams<'command'>): Promise<MethodResult<'command'>> {
    return this.server.call(gatewayId, 'command', params);
  }

  enrolFinger(
    gatewayId: number,
    params: MethodParams<'enrolFinger'>,
    patienceMs = 0,
  ): Promise<MethodResult<'enrolFinger'>> {
    return this.server.call(gatewayId, 'enrolFinger', params, { patienceMs });
  }

  async close(): Promise<void> {
    this.server.close();
    await this.endpoint.close();
  }
}

/** A control unit made of the real device parts, reporting to `upstream`. */
export class TestUnit {
  readonly commands: MethodParams<'command'>[] = [];
  readonly fingerReads: MethodParams<'enrolFinger'>[] = [];
  /** How the unit answers `enrolFinger` (default: a fixed template at once; throw for "no finger"). */
  finger: (p: MethodParams<'enrolFinger'>) => Promise<MethodResult<'enrolFinger'>> = () =>
    Promise.resolve({ template: '0a0b0c', quality: 80 });
  client: UpstreamClient | undefined;
  endpoint: LinkEndpoint | undefined;
  private emitted = 0;

  private constructor(
    readonly deviceId: number,
    readonly identity: DeviceIdentity,
    readonly store: DeviceStore,
  ) {}

  /** Makes the unit's identity and store (its key is needed before the model can list it). */
  static create(dir: string, deviceId: number): TestUnit {
    const identity = loadOrCreateIdentity(dir, 'control-unit');
    return new TestUnit(deviceId, identity, DeviceStore.open(dir, identity.storeKey));
  }

  get publicKey(): Buffer {
    return Buffer.from(this.identity.staticKey.publicKey);
  }

  async start(
    gateway: { host: string; port: number; publicKey: Buffer },
    psk: string,
    port = 0,
  ): Promise<void> {
    this.endpoint = await LinkEndpoint.bind({ staticKey: this.identity.staticKey, port, ...FAST_LINK });
    this.client = new UpstreamClient({
      endpoint: this.endpoint,
      upstream: { ...gateway, psk: Buffer.from(psk, 'hex') },
      store: this.store,
      handlers: {
        command: (p) => {
          this.commands.push(p);
          return { applied: p.doorIds, unreachable: [] };
        },
        enrolFinger: (p) => {
          this.fingerReads.push(p);
          return this.finger(p);
        },
      },
      status: () => [this.status()],
      log: silentLogger(),
      syncEveryMs: 60_000,
      statusEveryMs: 500,
      eventBatch: 5,
    });
    this.client.start();
  }

  status(): UnitStatus {
    return this.store.ownStatus({
      deviceId: this.deviceId,
      kind: 'control-unit',
      version: 'test',
      clock: Date.now(),
      online: true,
    });
  }

  /** Stores `count` events (detail.n numbered from 1 across calls) and sends them. */
  emit(count: number): void {
    const events = Array.from({ length: count }, () => ({
      origin: this.deviceId,
      at: new Date().toISOString(),
      kind: 'access-granted' as const,
      doorId: 10,
      userId: 1,
      credentialId: 1,
      reason: null,
      detail: { n: (this.emitted += 1) },
    }));
    this.store.enqueue(events);
    this.client?.sendEvents();
  }

  get emittedCount(): number {
    return this.emitted;
  }

  async stop(): Promise<void> {
    this.client?.stop();
    await this.endpoint?.close();
    this.client = undefined;
    this.endpoint = undefined;
  }

  async close(): Promise<void> {
    await this.stop();
    this.store.close();
  }
}

/** A gateway data folder enrolled with `upstream` (as `saveEnrolment` records a real enrolment). */
export function enrolledIdentity(
  dir: string,
  deviceId: number,
  upstream: { port: number; publicKey: Buffer; psk: Buffer },
): DeviceIdentity {
  const identity = loadOrCreateIdentity(dir, 'gateway');
  return saveEnrolment(identity, { deviceId, upstream: { host: '127.0.0.1', ...upstream } }, new Date());
}

/** An in-process gateway on 127.0.0.1 with fast test timers. */
export async function startGateway(
  identity: DeviceIdentity,
  dir: string,
  extra: Partial<GatewayOptions> = {},
): Promise<Gateway> {
  const endpoint = await LinkEndpoint.bind({ staticKey: identity.staticKey, ...FAST_LINK });
  const gateway = new Gateway({
    identity,
    store: DeviceStore.open(dir, identity.storeKey),
    endpoint,
    log: silentLogger(),
    syncEveryMs: 2_000,
    statusEveryMs: 500,
    eventBatch: 7,
    ...extra,
  });
  gateway.start();
  return gateway;
}

/** A UDP port that was free a moment ago (for a process that must come back on the same port). */
export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
