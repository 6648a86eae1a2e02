import type { Device } from '../contract/methods/devices.js';
import { DeviceServer, ONLINE_WINDOW_MS } from '../devices/downstream.js';
import { ExchangeError, type DeviceHandlers } from '../devices/peer-rpc.js';
import {
  DeviceProtocolError,
  type DoorCommand,
  type UnitStatus,
  type WireEvent,
} from '../devices/protocol.js';
import { hostPort } from '../link/macs.js';
import { exportPrivate, generateKeyPair, keyPairFromPrivate, type KeyPair } from '../link/noise/suite.js';
import { LinkEndpoint } from '../link/udp-endpoint.js';
import type { Log } from '../log.js';
import type { Clock, OpenSite } from '../site/site.js';
import { currentRevision } from '../store/access-compiler.js';
import {
  DeviceRepo,
  devicePskSecret,
  LINK_STATIC_KEY_SECRET,
  type DeviceRecord,
} from '../store/device-repo.js';
import { DeviceEnrolment } from './device-enrolment.js';
import { DeviceIntake } from './device-intake.js';
import { syncReplyFor } from './device-sync.js';
import { RfStatusIntake } from './rf-status-intake.js';
import { RfLockRepo } from '../store/rf-lock-repo.js';
import type { EventBus } from './event-bus.js';
import type { EventLog } from './event-log.js';

/** The device link's default UDP port (the Service's end; gateways listen on 4751 by default). */
export const DEFAULT_LINK_PORT = 4750;

/**
 * The Service's end of the device link: one UDP {@link LinkEndpoint} with the Service's static key, a
 * {@link DeviceServer} serving every paired device that reports directly (gateways, and control units
 * without a gateway), enrolment with one-time pairing codes, the devices' live state as they report
 * it, and door commands. A control unit behind a gateway is served by its gateway: the gateway learns
 * it from its sync (`units`), forwards its events and status, and passes commands on.
 *
 * Configuration changes reach online devices by a `changed` notice: the hub polls the change feed's
 * revision (a primary-key lookup) every `announceEveryMs` and announces a new one, so a cancelled key
 * is in the doors' blacklist well within a second, whichever handler made the change.
 */

export interface DeviceHubOptions {
  site: OpenSite;
  log: Log;
  clock: Clock;
  events: EventBus;
  eventLog: EventLog;
  /** How often the change feed is checked for a new revision to announce (ms, default 200). */
  announceEveryMs?: number;
  /** Writes of last_seen_at per device at most this often (ms, default 30 s). */
  touchEveryMs?: number;
}

/** What a device reported last, and when (epoch ms) it arrived. */
interface Reported {
  status: UnitStatus;
  at: number;
}

/** Where the link listens. */
export interface LinkAddress {
  port: number;
  host?: string;
}

/** Door commands' outcome per door. */
export interface CommandOutcome {
  applied: number[];
  unreachable: number[];
  notOnline: number[];
}

/**
 * How much longer than the reader's own wait the Service waits for a fingerprint read's answer: the
 * answer's way back, and a gateway's own wait for its unit (FINGER_UNIT_MARGIN_MS in app/gateway/gateway.ts, 5 s) and its
 * last retransmission's wait.
 */
export const FINGER_MARGIN_MS = 10_000;

/** A fingerprint read's outcome: the template (hex) and quality, or why there is none. */
export type FingerOutcome =
  | { ok: true; template: string; quality: number }
  | { ok: false; reason: 'not-online' | 'unreachable' | 'no-finger' };

export class DeviceHub {
  private readonly db;
  private readonly repo;
  private readonly enrolment: DeviceEnrolment;
  private readonly eventIntake: DeviceIntake;
  /** What control units report of their RF locks (rf.locks.list reads the latest). */
  readonly rfStatus: RfStatusIntake;
  private endpoint: LinkEndpoint | undefined;
  private server: DeviceServer | undefined;
  private staticKey: KeyPair | undefined;
  private listenHost: string | null = null;
  private readonly reports = new Map<number, Reported>();
  private readonly touched = new Map<number, number>();
  /** What each device's view looked like when last published (the parts a status changes). */
  private readonly shown = new Map<number, string>();
  private announced = 0;
  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;
  private closing: Promise<void> | undefined;

  constructor(private readonly o: DeviceHubOptions) {
    this.db = o.site.db;
    this.repo = new DeviceRepo(this.db);
    this.enrolment = new DeviceEnrolment({
      site: o.site,
      repo: this.repo,
      clock: o.clock,
      log: o.log,
      peerState: (publicKey) => this.endpoint?.peerState(publicKey),
      reattach: (device) => this.reattach(device),
      publish: (deviceId) => this.publish(deviceId),
    });
    this.eventIntake = new DeviceIntake(this.db, this.repo, o.eventLog);
    this.rfStatus = new RfStatusIntake(this.db, o.clock);
  }

  /** The Service's link static key: made (random X25519) and sealed in the site's secrets on first use. */
  keyPair(): KeyPair {
    if (this.staticKey) return this.staticKey;
    const stored = this.o.site.secrets.get(LINK_STATIC_KEY_SECRET);
    if (stored) {
      this.staticKey = keyPairFromPrivate(stored.value);
      stored.value.fill(0);
    } else {
      const pair = generateKeyPair();
      const raw = exportPrivate(pair);
      this.o.site.secrets.put(LINK_STATIC_KEY_SECRET, 1, raw, this.o.clock());
      raw.fill(0);
      this.staticKey = pair;
    }
    return this.staticKey;
  }

  /** The Service's link public key (hex); on a read-only site without one yet, ''. */
  publicKeyHex(): string {
    if (!this.staticKey && this.o.site.readonly && !this.o.site.secrets.get(LINK_STATIC_KEY_SECRET))
      return '';
    return this.keyPair().publicKey.toString('hex');
  }

  get listening(): boolean {
    return this.endpoint !== undefined && this.closing === undefined;
  }

  /** The bound UDP port, or undefined when not listening. */
  get port(): number | undefined {
    return this.listening ? this.endpoint!.address.port : undefined;
  }

  get host(): string | null {
    return this.listening ? this.listenHost : null;
  }

  /** Link counters for the console: datagrams refused by reason, and the exchange layer's counts. */
  linkCounters(): Record<string, number> {
    if (!this.endpoint || !this.server) return {};
    const ex = this.server.exchangeStats();
    return {
      ...this.endpoint.stats.refused,
      exchangeRetransmitted: ex.retransmitted,
      exchangeDuplicates: ex.duplicates,
      exchangeMalformed: ex.malformed,
    };
  }

  /** Binds the link's UDP socket and starts serving the paired devices. */
  async listen(at: LinkAddress): Promise<void> {
    if (this.endpoint) throw new Error('device hub: already listening');
    const host = at.host ?? '0.0.0.0';
    const endpoint = await LinkEndpoint.bind({
      staticKey: this.keyPair(),
      peers: [],
      port: at.port,
      host,
      enrolment: this.enrolment,
    });
    if (this.closing) {
      await endpoint.close();
      return;
    }
    this.endpoint = endpoint;
    this.listenHost = host;
    this.server = new DeviceServer(endpoint, (id) => this.handlersFor(id), {
      onFailure: (method, err) =>
        this.o.log.warn(
          { method, err: err instanceof Error ? err.message : String(err) },
          'devices: a request failed',
        ),
    });
    for (const d of this.repo.paired()) this.attach(d);
    this.announced = currentRevision(this.db);
    this.timer = setInterval(() => this.tick(), this.o.announceEveryMs ?? 200);
    this.timer.unref();
    this.o.log.info({ port: endpoint.address.port, host }, 'devices: link listening');
  }

  /** Stops the link (idempotent). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      this.server?.close();
      await this.endpoint?.close();
    })();
    return this.closing;
  }

  // --- state ---------------------------------------------------------------------------------------

  /** Serves a paired device that reports directly (a unit behind a gateway is the gateway's). */
  private attach(d: DeviceRecord): void {
    if (!this.server || !d.publicKey || d.gatewayId !== null) return;
    const psk = this.o.site.secrets.get(devicePskSecret(d.id));
    if (!psk) {
      this.o.log.warn({ deviceId: d.id }, 'devices: a paired device has no psk: pair it again');
      return;
    }
    this.server.attach({ deviceId: d.id, publicKey: d.publicKey, psk: psk.value });
  }

  /** A device enrolled (again): forget what it reported before and serve it, or leave it to its gateway. */
  private reattach(device: DeviceRecord): void {
    this.reports.delete(device.id);
    if (device.gatewayId === null) this.attach(device);
    else this.server?.detach(device.id);
  }

  /** Stops serving a device (removed) and forgets what it reported. */
  forget(deviceId: number): void {
    this.server?.detach(deviceId);
    this.reports.delete(deviceId);
    this.touched.delete(deviceId);
    this.shown.delete(deviceId);
  }

  private directOnline(d: DeviceRecord): boolean {
    return this.server?.online(d.id) ?? false;
  }

  private freshReport(id: number): Reported | undefined {
    const r = this.reports.get(id);
    return r && Date.now() - r.at < ONLINE_WINDOW_MS ? r : undefined;
  }

  /** Whether the device is online now (a unit behind a gateway: the gateway is, and says the unit is). */
  online(d: DeviceRecord): boolean {
    if (!d.publicKey) return false;
    if (d.gatewayId === null) return this.directOnline(d);
    const gw = this.repo.byId(d.gatewayId);
    return !!gw && this.directOnline(gw) && (this.freshReport(d.id)?.status.online ?? false);
  }

  /** A device as the console shows it. */
  view(d: DeviceRecord, revision = currentRevision(this.db)): Device {
    const report = this.reports.get(d.id);
    const s = report?.status;
    const now = this.o.clock();
    const pending = d.pairingExpiresAt !== null && d.pairingExpiresAt > now.toISOString();
    let lastSeen = d.lastSeenAt;
    let address: string | null = d.gatewayId === null ? d.address : null;
    if (d.gatewayId === null) {
      const seen = this.server?.lastSeen(d.id);
      if (seen !== undefined) lastSeen = new Date(seen).toISOString();
      const state = d.publicKey && this.endpoint?.peerState(d.publicKey);
      if (state && state.address) address = hostPort(state.address);
    } else if (s?.lastSeen) {
      lastSeen = new Date(s.lastSeen).toISOString();
    }
    return {
      id: d.id,
      kind: d.kind,
      name: d.name,
      gatewayId: d.gatewayId,
      readers: this.repo.readers(d.id).map((r) => ({ address: r.address, doorId: r.doorId })),
      paired: d.publicKey !== null,
      pairingExpiresAt: pending ? d.pairingExpiresAt : null,
      pairedAt: d.pairedAt,
      online: this.online(d),
      lastSeen,
      address,
      softwareVersion: s?.version ?? d.softwareVersion,
      revision: s?.revision ?? null,
      currentRevision: revision,
      pendingEvents: s?.pendingEvents ?? null,
      clockOffsetMs: report && s ? s.clock - report.at : null,
      readerStates: s?.readers ?? [],
      doorStates: s?.doors ?? [],
      refused: s?.refused ?? {},
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
      version: d.version,
    };
  }

  /** Every device as the console shows it. */
  views(): Device[] {
    const revision = currentRevision(this.db);
    return this.repo.list().map((d) => this.view(d, revision));
  }

  /** Publishes `devices.changed` for a device (after a commit). */
  publish(deviceId: number): void {
    const d = this.repo.byId(deviceId);
    if (!d) return;
    const v = this.view(d);
    this.shown.set(deviceId, visible(v));
    this.o.events.publish('devices.changed', v);
  }

  /** Publishes a removed device's last view, shown unpaired and offline. */
  publishRemoved(view: Device): void {
    this.o.events.publish('devices.changed', {
      ...view,
      paired: false,
      online: false,
      pairingExpiresAt: null,
    });
  }

  /** Publishes when what the console shows of the device changed since last published. */
  private publishIfChanged(deviceId: number): void {
    const d = this.repo.byId(deviceId);
    if (!d) return;
    const v = this.view(d);
    const key = visible(v);
    if (this.shown.get(deviceId) === key) return;
    this.shown.set(deviceId, key);
    this.o.events.publish('devices.changed', v);
  }

  /** Every announce period: a new revision goes to the devices; every second: online changes go to the console. */
  private tick(): void {
    if (!this.server || this.closing) return;
    try {
      const revision = currentRevision(this.db);
      if (revision !== this.announced) {
        this.announced = revision;
        this.server.announce(revision);
      }
      this.ticks += 1;
      if (this.ticks % Math.max(1, Math.round(1000 / (this.o.announceEveryMs ?? 200))) === 0)
        for (const d of this.repo.paired()) this.publishIfChanged(d.id);
    } catch (err) {
      this.o.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'devices: tick failed');
    }
  }

  // --- the device protocol ----------------------------------------------------------------------------

  private handlersFor(deviceId: number): DeviceHandlers {
    return {
      sync: (held) => syncReplyFor(this.db, this.o.site, deviceId, held),
      events: ({ events }) => ({ ack: this.intake(deviceId, events) }),
      status: ({ units }) => {
        this.statusFrom(deviceId, units);
        return { now: this.o.clock().getTime() };
      },
    };
  }

  /** Stores the fresh events of a batch and the new mark in one transaction; publishes after the commit. */
  intake(deviceId: number, batch: readonly WireEvent[]): number {
    return this.eventIntake.take(deviceId, batch);
  }

  /** Keeps the latest status of the device (and a gateway's units); notes it in the database now and then. */
  private statusFrom(deviceId: number, units: readonly UnitStatus[]): void {
    const device = this.repo.byId(deviceId);
    if (!device) throw new Error(`device ${deviceId} no longer exists`);
    const mine = new Set([device.id]);
    if (device.kind === 'gateway') for (const u of this.repo.unitsOf(device.id)) mine.add(u.id);
    const now = Date.now();
    const reported: number[] = [];
    for (const s of units) {
      if (!mine.has(s.deviceId)) continue;
      this.reports.set(s.deviceId, { status: s, at: now });
      reported.push(s.deviceId);
    }
    const last = this.touched.get(device.id);
    if (last === undefined || now - last >= (this.o.touchEveryMs ?? 30_000)) {
      this.touched.set(device.id, now);
      const state = device.publicKey && this.endpoint?.peerState(device.publicKey);
      const own = units.find((s) => s.deviceId === device.id);
      this.db.transaction(() => {
        this.repo.touch(
          device.id,
          this.o.clock(),
          state && state.address ? hostPort(state.address) : null,
          own?.version ?? null,
        );
        for (const s of units)
          if (s.deviceId !== device.id && mine.has(s.deviceId) && s.lastSeen !== null)
            this.repo.touch(s.deviceId, new Date(s.lastSeen), null, s.version);
      })();
    }
    const rfChanged = new Set(this.rfStatus.take(units.filter((s) => mine.has(s.deviceId))));
    for (const id of reported)
      if (rfChanged.has(id)) this.publish(id);
      else this.publishIfChanged(id);
  }

  // --- door commands ------------------------------------------------------------------------------------

  /**
   * Sends a door command to the control units serving the doors (through their gateway when they have
   * one), all at once; a unit that does not answer makes its doors unreachable.
   */
  async command(command: DoorCommand, doorIds: readonly number[], by: string): Promise<CommandOutcome> {
    const out: CommandOutcome = { applied: [], unreachable: [], notOnline: [] };
    // A door has a wall reader or an RF lock (its unit's RF node runs the command), never both.
    const readers = new Map([
      ...new RfLockRepo(this.db).unitsOfDoors(doorIds),
      ...this.repo.readersOfDoors(doorIds),
    ]);
    const byTarget = new Map<number, number[]>();
    for (const doorId of new Set(doorIds)) {
      const r = readers.get(doorId);
      if (!r || !r.paired) {
        out.notOnline.push(doorId);
        continue;
      }
      const target = r.gatewayId ?? r.deviceId;
      byTarget.set(target, [...(byTarget.get(target) ?? []), doorId]);
    }
    await Promise.all(
      [...byTarget].map(async ([target, doors]) => {
        if (!this.server?.online(target)) {
          out.unreachable.push(...doors);
          return;
        }
        try {
          const reply = await this.server.call(target, 'command', {
            command,
            doorIds: doors,
            by: by.slice(0, 100),
          });
          const applied = new Set(reply.applied.filter((d) => doors.includes(d)));
          out.applied.push(...applied);
          out.unreachable.push(...doors.filter((d) => !applied.has(d)));
        } catch (err) {
          this.o.log.info(
            { deviceId: target, err: err instanceof Error ? err.message : String(err) },
            'devices: a door command got no answer',
          );
          out.unreachable.push(...doors);
        }
      }),
    );
    for (const list of [out.applied, out.unreachable, out.notOnline]) list.sort((a, b) => a - b);
    return out;
  }

  // --- fingerprint enrolment ------------------------------------------------------------------------

  /**
   * Reads a fingerprint at a door's reader (`enrolFinger` on the control unit serving the door, through
   * its gateway when it has one). The unit answers only once a finger was read or `timeoutMs` passed, so
   * the request keeps being retransmitted (the unit runs it once) for `timeoutMs` + {@link FINGER_MARGIN_MS}
   * before it counts as unanswered.
   *
   * Outcomes: no paired unit serves the door → `not-online`; the unit (or its gateway) is offline or
   * does not answer → `unreachable`; the unit answers `failed` or `bad-request` (no finger in time, a
   * reader without a sensor) or an answer that does not fit the protocol → `no-finger`. A gateway answers
   * `bad-request` itself when the door is on none of the units it reaches now (its replica is behind,
   * or the unit is offline there: see Gateway.enrolFinger) → `not-online`; a unit's own failure reaches
   * the Service through a gateway as `failed` → `no-finger`. A unit that does not know `enrolFinger`
   * (older software) answers `not-found` → `not-online`.
   */
  async enrolFinger(doorId: number, timeoutMs: number): Promise<FingerOutcome> {
    const r = this.repo.readersOfDoors([doorId]).get(doorId);
    if (!r || !r.paired) return { ok: false, reason: 'not-online' };
    const target = r.gatewayId ?? r.deviceId;
    const unit = this.repo.byId(r.deviceId);
    if (!this.server?.online(target) || !unit || !this.online(unit))
      return { ok: false, reason: 'unreachable' };
    try {
      const reply = await this.server.call(
        target,
        'enrolFinger',
        { doorId, timeoutMs },
        { patienceMs: timeoutMs + FINGER_MARGIN_MS },
      );
      return { ok: true, template: reply.template, quality: reply.quality };
    } catch (err) {
      const code =
        err instanceof ExchangeError ? err.code : err instanceof DeviceProtocolError ? 'bad-answer' : 'gone';
      this.o.log.info({ deviceId: target, doorId, code }, 'devices: a fingerprint read gave no template');
      if (code === 'not-found' || (code === 'bad-request' && r.gatewayId !== null))
        return { ok: false, reason: 'not-online' };
      if (code === 'failed' || code === 'bad-request' || code === 'bad-answer')
        return { ok: false, reason: 'no-finger' };
      return { ok: false, reason: 'unreachable' };
    }
  }
}

/** The parts of a view that a report or the passing of time changes (not the clock reading). */
function visible(v: Device): string {
  const { clockOffsetMs: _c, lastSeen: _l, currentRevision: _r, ...rest } = v;
  return JSON.stringify(rest);
}
