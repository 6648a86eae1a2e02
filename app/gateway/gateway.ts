import type { ExchangeOptions } from '../exchange/exchange.js';
import type { LinkEndpoint } from '../link/udp-endpoint.js';
import type { Log } from '../log.js';
import type { DeviceIdentity } from '../devices/device-identity.js';
import type { DeviceStore } from '../devices/device-store.js';
import { DeviceServer } from '../devices/downstream.js';
import { ExchangeError, type DeviceHandlers } from '../devices/peer-rpc.js';
import {
  DeviceProtocolError,
  type MethodParams,
  type MethodResult,
  type UnitConfig,
  type UnitStatus,
} from '../devices/protocol.js';
import { UpstreamClient } from '../devices/upstream.js';
import { UnitAddresses } from './unit-addresses.js';

/**
 * The gateway (`lintel gateway`): a headless relay between the Service and the control units of one
 * part of a site, on one link endpoint (one UDP socket) for both directions.
 *
 * Upstream it is a device like any other ({@link UpstreamClient}): it keeps its replica in step with
 * the Service, sends its outbox until acknowledged and reports status — its own and its units'.
 * Downstream it serves its units ({@link DeviceServer}) from that replica: each unit syncs only its
 * own doors and readers (plus the site's live keys and blacklist), and its events are stored in the
 * gateway's outbox, under the gateway's numbering with the unit's `origin` kept, in the same
 * transaction as the unit's high-water mark and before the unit hears "stored". So the units keep
 * working, and their events keep piling up safely, while the Service is down or unreachable.
 */

/** What a gateway needs; it owns the store and the endpoint from {@link Gateway.start} on ({@link Gateway.close} closes them). */
export interface GatewayOptions {
  /** An enrolled gateway identity (its enrolment names the Service). */
  identity: DeviceIdentity;
  store: DeviceStore;
  /** Bound on the listen address; the Service and the units are pinned on it. */
  endpoint: LinkEndpoint;
  log: Log;
  /** Epoch milliseconds (status reports, unit liveness). */
  clock?: () => number;
  /** The software version it reports. */
  version?: string;
  /** Periodic sync with the Service (default 30 s). */
  syncEveryMs?: number;
  /** Status reports to the Service (default 5 s). */
  statusEveryMs?: number;
  /** Events per batch sent upstream (default 200). */
  eventBatch?: number;
  /**
   * How long a door command waits for a unit before its doors count as unreachable (default 8 s): less
   * than the Service waits for the gateway's own answer, so a unit that died a moment ago does not turn
   * the whole command into a timeout.
   */
  commandDeadlineMs?: number;
  /** Exchange settings towards the units (default DEVICE_EXCHANGE). */
  unitExchange?: ExchangeOptions;
}

/**
 * How much longer than the reader's own wait the gateway waits for its unit's fingerprint read (the
 * Service waits longer still for the gateway: FINGER_MARGIN_MS in app/service/device-hub.ts).
 */
export const FINGER_UNIT_MARGIN_MS = 5_000;

/** Raised to a unit that asks to sync before the gateway has a replica: the unit retries. */
class NoReplicaYet extends Error {
  override readonly name = 'NoReplicaYet';
}

type CommandParams = MethodParams<'command'>;
type CommandReply = MethodResult<'command'>;

export class Gateway {
  readonly deviceId: number;
  readonly upstream: UpstreamClient;
  readonly units: DeviceServer;
  private readonly store: DeviceStore;
  private readonly endpoint: LinkEndpoint;
  private readonly log: Log;
  private readonly now: () => number;
  private readonly version: string;
  private readonly commandDeadlineMs: number;
  private readonly addresses: UnitAddresses;
  /** Each unit's latest report of itself. */
  private readonly reports = new Map<number, UnitStatus>();
  /** The public key each served unit is pinned with. */
  private readonly unitKeys = new Map<number, Buffer>();
  private announced: number | undefined;
  private state: 'new' | 'running' | 'closed' = 'new';
  private closing: Promise<void> | undefined;

  constructor(o: GatewayOptions) {
    const enrolment = o.identity.enrolment;
    if (!enrolment)
      throw new Error('gateway: not enrolled (run `lintel gateway --enrol CODE --service HOST:PORT`)');
    if (o.identity.kind !== 'gateway')
      throw new Error(`gateway: ${o.identity.file} belongs to a ${o.identity.kind}`);
    this.deviceId = enrolment.deviceId;
    this.store = o.store;
    this.endpoint = o.endpoint;
    this.log = o.log;
    this.now = o.clock ?? Date.now;
    this.version = o.version ?? '0.0.0';
    this.commandDeadlineMs = o.commandDeadlineMs ?? 8_000;
    this.addresses = new UnitAddresses(o.store);
    this.units = new DeviceServer(o.endpoint, (unitId) => this.handlersFor(unitId), {
      now: this.now,
      ...(o.unitExchange ? { exchange: o.unitExchange } : {}),
      onFailure: (method, err) => {
        if (err instanceof NoReplicaYet)
          this.log.debug({ method }, 'gateway: a unit asked before the first sync');
        else this.log.warn({ method, err: String(err) }, 'gateway: a request from a unit failed');
      },
    });
    this.upstream = new UpstreamClient({
      endpoint: o.endpoint,
      upstream: enrolment.upstream,
      store: o.store,
      handlers: { command: (p) => this.command(p), enrolFinger: (p) => this.enrolFinger(p) },
      status: () => this.status(),
      onSynced: () => this.synced(),
      log: o.log,
      ...(o.syncEveryMs !== undefined ? { syncEveryMs: o.syncEveryMs } : {}),
      ...(o.statusEveryMs !== undefined ? { statusEveryMs: o.statusEveryMs } : {}),
      ...(o.eventBatch !== undefined ? { eventBatch: o.eventBatch } : {}),
    });
  }

  /**
   * Starts serving: the units of the replica it already holds (so they sync and report even while the
   * Service is down), then the upstream loops. Units heard from before a restart are called at their
   * last address, so their sessions with the previous run are replaced at once.
   */
  start(): void {
    if (this.state !== 'new') throw new Error('gateway: already started');
    this.state = 'running';
    const replica = this.store.replica();
    if (replica) {
      this.attachUnits(replica.units);
      this.announced = replica.revision;
      this.wakeUnits(replica.units, replica.revision);
    }
    this.upstream.start();
    this.log.info(
      { deviceId: this.deviceId, revision: replica?.revision ?? 0, units: replica?.units.length ?? 0 },
      'gateway: started',
    );
  }

  /** Stops the loops, forgets the units' sessions, closes the endpoint and the store. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.state = 'closed';
      this.upstream.stop();
      this.units.close();
      await this.endpoint.close();
      this.store.close();
    })();
    return this.closing;
  }

  /** The local address the gateway listens on. */
  get address(): { address: string; port: number } {
    return this.endpoint.address;
  }

  /** What it holds now: the revision, the units it serves, the events waiting for the Service. */
  summary(): { revision: number; units: number; pendingEvents: number; upstreamOnline: boolean } {
    const replica = this.store.replica();
    return {
      revision: replica?.revision ?? 0,
      units: this.units.deviceIds().length,
      pendingEvents: this.store.pendingCount(),
      upstreamOnline: this.upstream.online,
    };
  }

  /** The status it reports: itself, then each unit that has reported, with liveness as seen here. */
  status(): UnitStatus[] {
    const own = this.store.ownStatus(
      {
        deviceId: this.deviceId,
        kind: 'gateway',
        version: this.version,
        clock: Math.round(this.now()),
        online: true,
      },
      { refused: { ...this.endpoint.stats.refused } },
    );
    const units = [...this.reports.entries()].map(([unitId, report]): UnitStatus => ({
      ...report,
      online: this.units.online(unitId),
      lastSeen: this.units.lastSeen(unitId) ?? null,
    }));
    return [own, ...units];
  }

  // --- downstream: the units ----------------------------------------------------------------------

  private handlersFor(unitId: number): DeviceHandlers {
    return {
      sync: (params) => {
        const reply = this.store.syncFor(unitId, params);
        if (!reply) throw new NoReplicaYet('the gateway has not synced with the Service yet');
        return reply;
      },
      events: ({ events }) => {
        const foreign = events.find((e) => e.origin !== unitId);
        if (foreign)
          throw new DeviceProtocolError(
            `events: event ${foreign.seq} names origin ${foreign.origin}, not the unit that sent it (${unitId})`,
          );
        // Durable (synchronous=FULL) before the answer: what the unit is told is stored, is.
        const ack = this.store.receiveFrom(unitId, events);
        this.upstream.sendEvents();
        return { ack };
      },
      status: ({ units }) => {
        // A unit reports itself; it cannot report for another device.
        this.reports.set(unitId, { ...units[0]!, deviceId: unitId, kind: 'control-unit' });
        this.rememberAddress(unitId);
        return { now: Math.round(this.now()) };
      },
    };
  }

  private unitKey(u: UnitConfig): { deviceId: number; publicKey: Buffer; psk: Buffer } {
    return {
      deviceId: u.deviceId,
      publicKey: Buffer.from(u.publicKey, 'hex'),
      psk: Buffer.from(u.psk, 'hex'),
    };
  }

  /** Serves exactly the units listed (a changed key or psk re-pins that unit). */
  private attachUnits(list: readonly UnitConfig[]): void {
    const listed = new Set(list.map((u) => u.deviceId));
    for (const id of this.units.deviceIds()) {
      if (listed.has(id)) continue;
      this.units.detach(id);
      this.reports.delete(id);
      this.unitKeys.delete(id);
      this.addresses.forget(id);
      this.log.info({ unitId: id }, 'gateway: unit removed');
    }
    for (const u of list) {
      const known = this.unitKeys.has(u.deviceId);
      const key = this.unitKey(u);
      this.units.attach(key);
      this.unitKeys.set(u.deviceId, key.publicKey);
      if (!known) this.log.info({ unitId: u.deviceId }, 'gateway: serving unit');
    }
  }

  /** After a restart: pins each unit at its last address and calls it, which replaces its old session. */
  private wakeUnits(list: readonly UnitConfig[], revision: number): void {
    for (const u of list) {
      const address = this.addresses.get(u.deviceId);
      if (!address) continue;
      const { publicKey, psk } = this.unitKey(u);
      this.endpoint.addPeer({ publicKey, psk, address });
      this.units.call(u.deviceId, 'changed', { revision }).catch(() => undefined);
    }
  }

  private rememberAddress(unitId: number): void {
    const key = this.unitKeys.get(unitId);
    if (!key) return;
    const address = this.endpoint.peerState(key)?.address;
    if (address) this.addresses.set(unitId, address);
  }

  /** After each sync with the Service: serve the units it lists, and tell them about a new revision. */
  private synced(): void {
    if (this.state !== 'running') return;
    const replica = this.store.replica();
    if (!replica) return;
    this.attachUnits(replica.units);
    if (this.announced === replica.revision) return;
    this.log.info({ revision: replica.revision, units: replica.units.length }, 'gateway: synced');
    this.announced = replica.revision;
    this.units.announce(replica.revision);
  }

  // --- commands from the Service ------------------------------------------------------------------

  /**
   * A door command: passed, in parallel, to the units whose readers serve the doors. Doors of a unit
   * that is offline, does not answer within the deadline, or that no unit of this gateway serves are
   * `unreachable`; `applied` is what the units said they applied.
   */
  async command(p: CommandParams): Promise<CommandReply> {
    const replica = this.store.replica();
    // A door belongs to the units with a reader at it, or whose RF node serves its RF lock.
    const doorsOfUnits = [...(replica?.readers ?? []), ...(replica?.rfLocks ?? [])];
    const byUnit = new Map<number, Set<number>>();
    const applied = new Set<number>();
    const unreachable = new Set<number>();
    for (const doorId of new Set(p.doorIds)) {
      const owners = new Set(doorsOfUnits.filter((r) => r.doorId === doorId).map((r) => r.unitId));
      if (owners.size === 0) unreachable.add(doorId);
      for (const unitId of owners) {
        const doors = byUnit.get(unitId) ?? new Set<number>();
        doors.add(doorId);
        byUnit.set(unitId, doors);
      }
    }
    await Promise.all(
      [...byUnit].map(async ([unitId, doorSet]) => {
        const doorIds = [...doorSet];
        if (!this.unitKeys.has(unitId) || !this.units.online(unitId)) {
          for (const d of doorIds) unreachable.add(d);
          return;
        }
        try {
          const reply = await this.withDeadline(
            this.units.call(unitId, 'command', { command: p.command, doorIds, by: p.by }),
          );
          for (const d of reply.applied) if (doorSet.has(d)) applied.add(d);
          for (const d of reply.unreachable) if (doorSet.has(d)) unreachable.add(d);
        } catch (err) {
          this.log.warn(
            { unitId, command: p.command, err: String(err) },
            'gateway: a unit did not take a command',
          );
          for (const d of doorIds) unreachable.add(d);
        }
      }),
    );
    for (const d of applied) unreachable.delete(d);
    return {
      applied: [...applied].sort((a, b) => a - b),
      unreachable: [...unreachable].sort((a, b) => a - b),
    };
  }

  /**
   * A fingerprint read for enrolment: passed to the unit whose reader serves the door, and its answer
   * passed back. The unit answers only once a finger was read or `timeoutMs` passed, so the request is
   * retransmitted (the unit runs it once) for `timeoutMs` + {@link FINGER_UNIT_MARGIN_MS}, which is less
   * than the Service waits for this answer. A door on none of the units served now, or whose unit is
   * offline or does not answer, answers `bad-request` (DeviceProtocolError: the Service says the door is
   * not online); the unit's own failure (no finger in time) answers `failed`.
   */
  async enrolFinger(p: MethodParams<'enrolFinger'>): Promise<MethodResult<'enrolFinger'>> {
    const readers = this.store.replica()?.readers ?? [];
    const unitId = readers.find((r) => r.doorId === p.doorId)?.unitId;
    if (unitId === undefined || !this.unitKeys.has(unitId))
      throw new DeviceProtocolError(`enrolFinger: door ${p.doorId} is on none of this gateway's units`);
    if (!this.units.online(unitId))
      throw new DeviceProtocolError(`enrolFinger: unit ${unitId} of door ${p.doorId} is offline`);
    try {
      return await this.units.call(unitId, 'enrolFinger', p, {
        patienceMs: p.timeoutMs + FINGER_UNIT_MARGIN_MS,
      });
    } catch (err) {
      if (err instanceof ExchangeError && (err.code === 'failed' || err.code === 'bad-request'))
        throw new Error(`enrolFinger: unit ${unitId} read no finger (${err.code})`, { cause: err });
      this.log.warn(
        { unitId, doorId: p.doorId, err: String(err) },
        'gateway: a unit did not answer enrolFinger',
      );
      throw new DeviceProtocolError(`enrolFinger: unit ${unitId} of door ${p.doorId} did not answer`, {
        cause: err,
      });
    }
  }

  private withDeadline<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${this.commandDeadlineMs} ms`)),
        this.commandDeadlineMs,
      );
    });
    return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
  }
}
