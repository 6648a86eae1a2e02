import { officeOpen } from '../access/engine.js';
import { ZoneTableRangeError } from '../access/local-time.js';
import type { DeviceStore, OutgoingEvent } from '../devices/device-store.js';
import type { DoorCommand, MethodParams, MethodResult, UnitStatus } from '../devices/protocol.js';
import type { Log } from '../log.js';
import type { SerialTransport } from '../ports/serial.js';
import type { RfNode } from '../rf/rf-node.js';
import {
  CardPresenter,
  type PinVerifier,
  type PresentationOutcome,
  type UnitEvent,
} from './card-presentation.js';
import { DoorState, DoorStateFile, type DoorEventKind } from './door-state.js';
import { readFinger } from './fingerprint.js';
import { ReaderLink } from './reader-link.js';
import { buildTables, type UnitTables } from './tables.js';

export {
  CARD_DENIALS,
  type CardDenial,
  type PinVerifier,
  type PresentationOutcome,
} from './card-presentation.js';

/**
 * The control unit: the device beside a few doors that drives their wall readers (OSDP, one serial
 * line each), decides at each card with the shared access engine from its replica (app/devices
 * DeviceStore), acts as an update point for the cards it sees, watches the door contacts and exit
 * buttons, obeys the console's door commands and queues what happened as events for upstream.
 *
 * It is built from injected parts (the store, the reader ports, the clock, a PIN verifier, and a
 * `notify` that tells the upstream link there are events to send), so tests run it without a Service
 * or a gateway; `lintel sim cu` (cli.ts) wires it to an UpstreamClient.
 */

/** A reader line the unit drives: the port, its path for messages, the reader's OSDP address. */
export interface ReaderPort {
  path: string;
  address: number;
  port: SerialTransport;
}

export interface ControlUnitOptions {
  deviceId: number;
  /** Reported in status (the package version). */
  version: string;
  store: DeviceStore;
  readers: readonly ReaderPort[];
  log: Log;
  pins: PinVerifier;
  /** Events were queued in the store's outbox: send them (UpstreamClient.sendEvents). */
  notify?: () => void;
  /** Epoch milliseconds (default Date.now). Decisions, doors and events use it. */
  now?: () => number;
  /** Whether the upstream link answers (status `online`). */
  upstreamOnline?: () => boolean;
  /** Datagrams the link endpoint refused, by reason (status `refused`). */
  linkRefused?: () => Record<string, number>;
  /** Where office and lockdown are kept across restarts (memory only without it). */
  doorStateFile?: string;
  /** Readers that refuse their SCBK may be given it with KEYSET after opening with SCBK-D. */
  installMode?: boolean;
  /** How long a card+PIN door waits for the PIN (default 15 s). */
  pinTimeoutMs?: number;
  /** A PIN ends with '#', or after this many digits (default 8). */
  pinMaxDigits?: number;
  /** How long a card+fingerprint door waits for the finger (default 15 s). */
  fingerTimeoutMs?: number;
  /** The osdp_BIOMATCH score a finger needs to match (default 50; the simulator gives 255 or 0). */
  fingerThreshold?: number;
  /** Pause between two osdp_BIOREAD / osdp_BIOMATCH while the reader has no finger (default 200 ms). */
  fingerPollMs?: number;
  /** A door may stand open this long past its open time before it counts as left open (default 10 s). */
  leftOpenGraceMs?: number;
  /** How often door timers are checked (default 250 ms; 0: only by calling tick()). */
  tickMs?: number;
  /** Passed to each reader link. */
  reader?: { pollMs?: number; replyTimeoutMs?: number; retryMs?: number; lstatEveryMs?: number };
  /** Every event queued, as queued (the CLI prints them; tests watch them). */
  onEvent?: (event: OutgoingEvent) => void;
  /** What status reports changed (a reader came up or went away, a door command): report it now. */
  onStatusChange?: () => void;
  /** Every presentation finished (the CLI prints a line). */
  onOutcome?: (outcome: PresentationOutcome) => void;
  /** The unit's RF node for its RF locks (`--rf-air`): started, reloaded and stopped with the unit. */
  rf?: RfNode;
}

export class ControlUnit {
  readonly deviceId: number;
  readonly links: ReaderLink[];
  private tables: UnitTables | undefined;
  private readonly doors = new Map<number, DoorState>();
  private readonly persisted: { office: Set<number>; lockdown: Set<number> };
  private readonly stateFile: DoorStateFile | undefined;
  private readonly now: () => number;
  /** The cards presented at the readers. */
  private readonly cards: CardPresenter;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly o: ControlUnitOptions) {
    this.deviceId = o.deviceId;
    this.now = o.now ?? Date.now;
    this.stateFile = o.doorStateFile ? new DoorStateFile(o.doorStateFile) : undefined;
    this.persisted = this.stateFile?.load() ?? { office: new Set(), lockdown: new Set() };
    this.cards = new CardPresenter({
      store: o.store,
      log: o.log,
      pins: o.pins,
      now: this.now,
      tables: () => this.tables,
      doors: this.doors,
      reload: () => this.reload(),
      persist: () => this.persist(),
      emit: (e) => this.emit(e),
      pinTimeoutMs: o.pinTimeoutMs,
      pinMaxDigits: o.pinMaxDigits,
      fingerTimeoutMs: o.fingerTimeoutMs,
      fingerThreshold: o.fingerThreshold,
      fingerPollMs: o.fingerPollMs,
      onOutcome: o.onOutcome,
    });
    this.links = o.readers.map(
      (r) =>
        new ReaderLink({
          path: r.path,
          address: r.address,
          port: r.port,
          installMode: o.installMode ?? false,
          log: o.log,
          onCard: (link, uid) => this.cards.onCard(link, uid),
          onKeypad: (link, text) => this.cards.onKeypad(link, text),
          onChange: () => this.o.onStatusChange?.(),
          ...o.reader,
        }),
    );
  }

  /** Loads the replica (if any) and starts the readers and the door timers. */
  start(): void {
    this.reload();
    this.o.rf?.start();
    const every = this.o.tickMs ?? 250;
    if (every > 0) {
      this.timer = setInterval(() => this.tick(), every);
      this.timer.unref();
    }
  }

  /** Stops the timers and closes the reader lines. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.o.rf?.stop();
    await this.cards.stop();
    await Promise.all(this.links.map((l) => l.close()));
  }

  /** The replica's revision, or undefined before the first sync. */
  get revision(): number | undefined {
    return this.tables?.revision;
  }

  /** Rebuilds the tables from the replica (after every sync): new blacklist entries count at once. */
  reload(): void {
    this.o.rf?.reload();
    const replica = this.o.store.replica();
    if (!replica) {
      for (const l of this.links) l.configure(undefined);
      return;
    }
    this.tables = buildTables(replica, this.o.store.blacklistEntries(), this.deviceId, this.now());
    for (const doorId of this.ownDoors()) {
      if (this.doors.has(doorId)) continue;
      const d = new DoorState(doorId);
      d.office = this.persisted.office.has(doorId);
      d.lockdown = this.persisted.lockdown.has(doorId);
      this.doors.set(doorId, d);
    }
    for (const l of this.links) l.configure(this.tables.readers.get(l.address));
  }

  /** The doors this unit has a reader at (from the replica). */
  private ownDoors(): number[] {
    return [...new Set([...(this.tables?.readers.values() ?? [])].map((r) => r.doorId))].sort(
      (a, b) => a - b,
    );
  }

  /** The door's state, or an error naming the doors this unit has. */
  private door(doorId: number): DoorState {
    const d = this.doors.get(doorId);
    if (!d) {
      const own = [...this.doors.keys()].join(', ') || 'none yet (no configuration)';
      throw new Error(`door ${doorId} is not one of this unit's doors (${own})`);
    }
    return d;
  }

  private timedOffice(doorId: number, now: number): boolean {
    const entry = this.tables?.doors.get(doorId);
    if (!entry) return false;
    try {
      return officeOpen(entry.policy, entry.tables, Math.floor(now / 1000));
    } catch (err) {
      if (err instanceof ZoneTableRangeError) return false;
      throw err;
    }
  }

  // ---- events ------------------------------------------------------------------------------------

  private emit(e: UnitEvent): void {
    const { at, ...rest } = e;
    const event: OutgoingEvent = {
      origin: this.deviceId,
      at: new Date(at ?? this.now()).toISOString(),
      ...rest,
    };
    this.o.store.enqueue([event]);
    this.o.onEvent?.(event);
    this.o.notify?.();
  }

  private doorEvent(doorId: number, kind: DoorEventKind | undefined): void {
    if (!kind) return;
    this.emit({ kind, doorId, userId: null, credentialId: null, reason: null, detail: {} });
  }

  // ---- door inputs -------------------------------------------------------------------------------

  /** The door contact changed (the simulator's `contact DOOR open|closed`). */
  doorContact(doorId: number, open: boolean): void {
    const now = this.now();
    const d = this.door(doorId);
    this.doorEvent(doorId, d.contact(open, now, this.timedOffice(doorId, now), this.graceMs));
  }

  /**
   * The exit button (request to exit): a momentary unlock for the door's open time, even in lockdown
   * (egress always wins), reported as `access-granted` with `detail.exit` and no credential.
   */
  exitButton(doorId: number): void {
    const d = this.door(doorId);
    const seconds = this.tables?.doors.get(doorId)?.policy.openSeconds ?? 5;
    d.momentary(this.now(), seconds);
    this.emit({
      kind: 'access-granted',
      doorId,
      userId: null,
      credentialId: null,
      reason: null,
      detail: { exit: true, openSeconds: seconds },
    });
  }

  private get graceMs(): number {
    return this.o.leftOpenGraceMs ?? 10_000;
  }

  /** Time passing: doors left open past their deadline. */
  tick(): void {
    if (this.stopped) return;
    const now = this.now();
    for (const d of this.doors.values()) this.doorEvent(d.doorId, d.tick(now));
  }

  // ---- commands from upstream --------------------------------------------------------------------

  /** A door command from the console; answers the doors of this unit it applied to. */
  command(p: MethodParams<'command'>): MethodResult<'command'> {
    const applied: number[] = [];
    const now = this.now();
    for (const doorId of p.doorIds) {
      const d = this.doors.get(doorId);
      if (!d) continue;
      this.apply(d, p.command, now);
      applied.push(doorId);
      this.emit({
        kind: 'device',
        doorId,
        userId: null,
        credentialId: null,
        reason: `command:${p.command}`,
        detail: { by: p.by },
      });
    }
    if (applied.length && p.command !== 'open') this.persist();
    if (applied.length) this.o.onStatusChange?.();
    return { applied, unreachable: [] };
  }

  /**
   * A door command for every door of this unit, its RF doors too: `open` on an RF door runs a remote
   * open over the radio (challenge, then the open proved under the lock's key); an RF lock that does
   * not answer, refuses, or is asked anything else counts as unreachable.
   */
  async commandAll(p: MethodParams<'command'>): Promise<MethodResult<'command'>> {
    const rfDoors = new Set(this.o.rf?.doorIds() ?? []);
    const wired = p.doorIds.filter((d) => !rfDoors.has(d));
    const result = wired.length ? this.command({ ...p, doorIds: wired }) : { applied: [], unreachable: [] };
    const rf = p.doorIds.filter((d) => rfDoors.has(d));
    await Promise.all(
      rf.map(async (doorId) => {
        if (p.command !== 'open') {
          result.unreachable.push(doorId);
          return;
        }
        try {
          await this.o.rf!.open(doorId, p.by);
        } catch (err) {
          this.o.log.warn({ doorId, err: String(err) }, 'control unit: an RF lock did not open');
          result.unreachable.push(doorId);
          return;
        }
        result.applied.push(doorId);
        this.emit({
          kind: 'device',
          doorId,
          userId: null,
          credentialId: null,
          reason: `command:${p.command}`,
          detail: { by: p.by, rf: true },
        });
      }),
    );
    result.applied.sort((a, b) => a - b);
    result.unreachable.sort((a, b) => a - b);
    return result;
  }

  /**
   * Reads a finger at the door's reader for enrolment (`enrolFinger`): osdp_BIOREAD every
   * `fingerPollMs` until the reader answers a template or `timeoutMs` has passed, after any card
   * presentation under way there (and no card is served until it ends). Blinks amber while it waits.
   * Throws when the door has no ready reader here, the reader cannot read, or no finger came in time.
   */
  async enrolFinger(p: MethodParams<'enrolFinger'>): Promise<MethodResult<'enrolFinger'>> {
    const deadline = Date.now() + p.timeoutMs;
    const at = this.links.filter((l) => l.doorId === p.doorId);
    if (!at.length) throw new Error(`door ${p.doorId} has no reader on this unit`);
    const link = at.find((l) => l.ready);
    if (!link) throw new Error(`the reader of door ${p.doorId} is not online`);
    return this.cards.exclusive(link, async () => {
      const timeoutMs = deadline - Date.now();
      if (timeoutMs <= 0) throw new Error(`no finger at door ${p.doorId}: the reader stayed busy`);
      await link.indicateFingerWanted(Math.ceil(timeoutMs / 1000));
      let read;
      try {
        read = await readFinger(link, {
          timeoutMs,
          pollMs: this.o.fingerPollMs,
          cancelled: () => this.stopped,
        });
      } catch (err) {
        await link.indicateDenied();
        throw err;
      }
      if (!read) {
        await link.indicateDenied();
        throw new Error(`no finger at door ${p.doorId} within ${p.timeoutMs} ms`);
      }
      await link.indicateGranted(1);
      this.o.log.info({ doorId: p.doorId, quality: read.quality }, 'control unit: a finger was read');
      return { template: read.template.toString('hex'), quality: read.quality };
    });
  }

  private apply(d: DoorState, command: DoorCommand, now: number): void {
    switch (command) {
      case 'open':
        d.momentary(now, this.tables?.doors.get(d.doorId)?.policy.openSeconds ?? 5);
        return;
      case 'office-on':
      case 'office-off':
        d.office = command === 'office-on';
        return;
      case 'lockdown-on':
        d.lockdown = true;
        d.relock(now);
        return;
      case 'lockdown-off':
        d.lockdown = false;
        return;
    }
  }

  private persist(): void {
    const mark = (set: Set<number>, id: number, on: boolean) => void (on ? set.add(id) : set.delete(id));
    for (const d of this.doors.values()) {
      mark(this.persisted.office, d.doorId, d.office);
      mark(this.persisted.lockdown, d.doorId, d.lockdown);
    }
    this.stateFile?.save(this.doors.values());
  }

  // ---- status ------------------------------------------------------------------------------------

  /** What this unit reports upstream. */
  status(): UnitStatus {
    const now = this.now();
    return this.o.store.ownStatus(
      {
        deviceId: this.deviceId,
        kind: 'control-unit',
        version: this.o.version,
        clock: now,
        online: this.o.upstreamOnline?.() ?? false,
      },
      {
        readers: this.links.map((l) => l.status()).filter((s) => s !== undefined),
        doors: [...this.doors.values()].map((d) => d.runtime(now, this.timedOffice(d.doorId, now))),
        refused: { ...(this.o.linkRefused?.() ?? {}), ...(this.o.rf?.refusedCounts() ?? {}) },
        rfLocks: this.o.rf?.status() ?? [],
      },
    );
  }

  // ---- cards -------------------------------------------------------------------------------------

  /** Resolves with the outcome of the next presentation finished (at any reader). */
  nextOutcome(): Promise<PresentationOutcome> {
    return this.cards.nextOutcome();
  }
}
