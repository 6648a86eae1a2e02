import { decide, officeOpen, type Decision, type DoorPolicy, type Presented } from '../access/engine.js';
import { CARD_DENIAL_REASONS, type CardDenialReason } from '../contract/deny-reasons.js';
import { ZoneTableRangeError } from '../access/local-time.js';
import { credentialDataOf, type CardAccessData } from '../card/access-data.js';
import type { CardAuditRecord } from '../card/audit-record.js';
import { blacklistFragmentOf, type CardBlacklist } from '../card/blacklist-fragment.js';
import { CardError, type CardErrorCode } from '../card/card-error.js';
import { CARD_UID_BYTES } from '../card/card-keys.js';
import { collectAudit, readCard, revealUid, writeCard, type CardReading } from '../card/lintel-card.js';
import { DesfireClient } from '../desfire/index.js';
import type { DeviceStore, OutgoingEvent } from '../devices/device-store.js';
import type {
  DoorCommand,
  MethodParams,
  MethodResult,
  ReplicaCard,
  UnitStatus,
  WireEvent,
} from '../devices/protocol.js';
import type { Log } from '../log.js';
import { setTransparentMode, transparentTransceive } from '../osdp/transparent.js';
import type { SerialTransport } from '../ports/serial.js';
import { accessUpdate } from './card-access.js';
import { DoorState, DoorStateFile, type DoorEventKind } from './door-state.js';
import { ReaderLink } from './reader-link.js';
import { buildTables, type DoorEntry, type UnitTables } from './tables.js';
import { updatePointKeys, uidReadKey, wipeUpdatePointKeys } from './update-point-keys.js';

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

/** Checks a PIN against the replica's argon2id hash (app/service PasswordHasher fits). */
export interface PinVerifier {
  verify(hash: string | undefined, pin: string): Promise<boolean>;
}

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
}

/** Why a card that is not a valid card of this site is refused (an `access-denied` reason). */
export const CARD_DENIALS = CARD_DENIAL_REASONS;
export type CardDenial = CardDenialReason;

const CARD_DENIAL_OF: Record<CardErrorCode, CardDenial> = {
  NOT_DESFIRE: 'unknown-card',
  NOT_LINTEL: 'unknown-card',
  NOT_FORMATTED: 'unknown-card',
  NOT_BLANK: 'unknown-card',
  OTHER_SITE: 'other-site',
  RANDOM_UID: 'other-site',
  WRONG_KEYS: 'card-key-version',
  UNSUPPORTED_FORMAT: 'card-unreadable',
  CORRUPT: 'card-unreadable',
  INVALID_CONTENT: 'card-unreadable',
  VERIFY_MISMATCH: 'card-unreadable',
  FULL: 'card-unreadable',
  CARD_REMOVED: 'card-unreadable',
  COMMUNICATION: 'card-unreadable',
  ABORTED: 'card-unreadable',
  CARD_ERROR: 'card-unreadable',
};

const AUDIT_KIND: Record<CardAuditRecord['event'], WireEvent['kind']> = {
  granted: 'access-granted',
  denied: 'access-denied',
  'office-opened': 'device',
  'office-closed': 'device',
  'blacklist-merged': 'device',
};

/** What one presentation at a reader gives the door (for tests and the console). */
export interface PresentationOutcome {
  doorId: number;
  granted: boolean;
  reason: string | null;
  credentialId: number | null;
  /** What the update point wrote: the blacklist fragment, the access data, both, or nothing. */
  wrote: { blacklist: boolean; access: 'changed' | 'revalidated' | null } | null;
  auditCollected: number;
}

export class ControlUnit {
  readonly deviceId: number;
  readonly links: ReaderLink[];
  private tables: UnitTables | undefined;
  private readonly doors = new Map<number, DoorState>();
  private readonly persisted: { office: Set<number>; lockdown: Set<number> };
  private readonly stateFile: DoorStateFile | undefined;
  private readonly now: () => number;
  private readonly busy = new Map<ReaderLink, Promise<PresentationOutcome | undefined>>();
  /** Keypad entries that came in during a presentation at each reader, not yet consumed. */
  private readonly keys = new Map<ReaderLink, { text: string; wake?: () => void }>();
  private timer: NodeJS.Timeout | undefined;
  /** Cancels of the PIN entries being waited for. */
  private readonly pinWaits = new Set<() => void>();
  private stopped = false;
  /** The last presentation's outcome per reader (tests wait on it). */
  private readonly outcomeListeners = new Set<(o: PresentationOutcome) => void>();

  constructor(private readonly o: ControlUnitOptions) {
    this.deviceId = o.deviceId;
    this.now = o.now ?? Date.now;
    this.stateFile = o.doorStateFile ? new DoorStateFile(o.doorStateFile) : undefined;
    this.persisted = this.stateFile?.load() ?? { office: new Set(), lockdown: new Set() };
    this.links = o.readers.map(
      (r) =>
        new ReaderLink({
          path: r.path,
          address: r.address,
          port: r.port,
          installMode: o.installMode ?? false,
          log: o.log,
          onCard: (link, uid) => this.onCard(link, uid),
          onKeypad: (link, text) => this.onKeypad(link, text),
          onChange: () => this.o.onStatusChange?.(),
          ...o.reader,
        }),
    );
  }

  /** Loads the replica (if any) and starts the readers and the door timers. */
  start(): void {
    this.reload();
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
    for (const cancel of [...this.pinWaits]) cancel(); // a PIN being typed: the presentation ends now
    await Promise.allSettled([...this.busy.values()]);
    await Promise.all(this.links.map((l) => l.close()));
  }

  /** The replica's revision, or undefined before the first sync. */
  get revision(): number | undefined {
    return this.tables?.revision;
  }

  /** Rebuilds the tables from the replica (after every sync): new blacklist entries count at once. */
  reload(): void {
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

  private emit(e: Omit<OutgoingEvent, 'origin' | 'at'> & { at?: number }): void {
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
        refused: { ...(this.o.linkRefused?.() ?? {}) },
      },
    );
  }

  // ---- cards -------------------------------------------------------------------------------------

  /** Resolves with the outcome of the next presentation finished (at any reader). */
  nextOutcome(): Promise<PresentationOutcome> {
    return new Promise((resolve) => {
      const once = (o: PresentationOutcome) => {
        this.outcomeListeners.delete(once);
        resolve(o);
      };
      this.outcomeListeners.add(once);
    });
  }

  private onKeypad(link: ReaderLink, text: string): void {
    const buf = this.keys.get(link);
    if (!buf) return; // nobody is asked for a PIN here: keys typed at an idle reader are dropped
    buf.text += text;
    buf.wake?.();
  }

  private onCard(link: ReaderLink, uid: Buffer): void {
    if (this.stopped || this.busy.has(link)) return; // one presentation at a time per reader
    this.keys.set(link, { text: '' });
    const run = this.present(link, uid)
      .catch((err: unknown) => {
        this.o.log.error({ path: link.path, err: String(err) }, 'control unit: a presentation failed');
        return undefined;
      })
      .finally(() => {
        this.busy.delete(link);
        this.keys.delete(link);
      });
    this.busy.set(link, run);
    void run.then((outcome) => {
      if (!outcome) return;
      this.o.onOutcome?.(outcome);
      for (const l of [...this.outcomeListeners]) l(outcome);
    });
  }

  /** The policy the engine sees: lockdown refuses every card. */
  private policyOf(entry: DoorEntry, d: DoorState): DoorPolicy {
    return d.lockdown ? { ...entry.policy, openMode: 'lockdown' } : entry.policy;
  }

  private decideNow(access: CardAccessData, entry: DoorEntry, d: DoorState, presented: Presented): Decision {
    const at = Math.floor(this.now() / 1000);
    const run = () =>
      decide(
        credentialDataOf(access),
        this.policyOf(entry, d),
        { privacy: false },
        presented,
        entry.tables,
        at,
      );
    try {
      return run();
    } catch (err) {
      if (!(err instanceof ZoneTableRangeError)) throw err;
      this.reload(); // the clock left the compiled years: compile around now
      entry = this.tables!.doors.get(d.doorId)!;
      return run();
    }
  }

  private async present(link: ReaderLink, rawUid: Buffer): Promise<PresentationOutcome | undefined> {
    const tables = this.tables;
    const replica = this.o.store.replica();
    const doorId = link.doorId;
    const cp = link.controlPanel;
    if (!tables || !replica || doorId === undefined || !cp) return undefined;
    const entry = tables.doors.get(doorId);
    const d = this.doors.get(doorId);
    const outcome: PresentationOutcome = {
      doorId,
      granted: false,
      reason: null,
      credentialId: null,
      wrote: null,
      auditCollected: 0,
    };
    const refuse = async (reason: string, detail: Record<string, unknown>) => {
      outcome.reason = reason;
      await link.indicateDenied();
      this.emit({ kind: 'access-denied', doorId, userId: null, credentialId: null, reason, detail });
      return outcome;
    };
    if (!entry || !d) return refuse('door-not-configured', { address: link.address });

    await setTransparentMode(cp, true);
    try {
      const client = new DesfireClient(transparentTransceive(cp));
      let reading: CardReading;
      let keys;
      try {
        const uid =
          rawUid.length === CARD_UID_BYTES ? rawUid : await revealUid(client, uidReadKey(replica.keys));
        keys = updatePointKeys(replica.keys, uid);
        reading = await readCard(client, keys);
      } catch (err) {
        if (!(err instanceof CardError)) throw err;
        return await refuse(CARD_DENIAL_OF[err.code], { card: err.code, message: err.message });
      }
      try {
        if (!reading.access) {
          return await refuse('unknown-card', {
            card: 'NOT_WRITTEN',
            message: 'This card was formatted for the site but never given access data.',
          });
        }
        return await this.serve(link, client, keys, reading, reading.access, entry, d, outcome);
      } finally {
        wipeUpdatePointKeys(keys);
      }
    } finally {
      await setTransparentMode(cp, false).catch(() => undefined);
    }
  }

  /** A valid card of this site: decide, act, update the card, collect its audit trail. */
  private async serve(
    link: ReaderLink,
    client: DesfireClient,
    keys: ReturnType<typeof updatePointKeys>,
    reading: CardReading,
    access: CardAccessData,
    entry: DoorEntry,
    d: DoorState,
    outcome: PresentationOutcome,
  ): Promise<PresentationOutcome> {
    const doorId = d.doorId;
    outcome.credentialId = access.credentialId;
    const nowS = () => Math.floor(this.now() / 1000);
    const blacklisted = entry.tables.blacklist.has(access.credentialId);
    const live = blacklisted ? undefined : this.o.store.card(access.credentialId);

    // What the update point will write (computed before the decision, written after it).
    const replica = this.o.store.replica()!;
    const cardSeq = reading.blacklist?.highestSeq ?? 0;
    const newBlacklist = replica.blacklistSeq > cardSeq;
    const fragment: CardBlacklist = newBlacklist
      ? blacklistFragmentOf(this.o.store.blacklistEntries(), replica.blacklistSeq)
      : (reading.blacklist ?? { highestSeq: 0, entries: [] });
    const update = accessUpdate(access, live, nowS());

    let written = false;
    const write = async (): Promise<void> => {
      if (written || (!newBlacklist && !update)) return;
      written = true;
      try {
        await writeCard(client, keys, { access: update?.access ?? access, blacklist: fragment });
        outcome.wrote = { blacklist: newBlacklist, access: update?.why ?? null };
      } catch (err) {
        if (!(err instanceof CardError)) throw err;
        this.o.log.warn({ doorId, code: err.code }, 'control unit: the card update did not complete');
      }
    };

    let { decision, detail } = await this.decideWithFactors(link, access, entry, d, live);
    if (!decision.granted && decision.reason === 'revalidation-lapsed' && update) {
      // An online door knows the key is live: refresh the card first, then decide on the fresh copy.
      await write();
      if (outcome.wrote?.access)
        ({ decision, detail } = await this.decideWithFactors(link, update.access, entry, d, live));
    }

    const base = { doorId, userId: access.userId, credentialId: access.credentialId };
    if (decision.granted) {
      outcome.granted = true;
      let office: 'on' | 'off' | undefined;
      if (decision.action === 'office-toggle') {
        d.office = !d.office;
        office = d.office ? 'on' : 'off';
        this.persist();
      } else {
        d.momentary(this.now(), decision.openSeconds);
      }
      await link.indicateGranted(decision.openSeconds);
      this.emit({
        kind: 'access-granted',
        ...base,
        reason: null,
        detail: { ...detail, openSeconds: decision.openSeconds, ...(office && { office }) },
      });
    } else {
      outcome.reason = decision.reason;
      await link.indicateDenied();
      this.emit({ kind: 'access-denied', ...base, reason: decision.reason, detail });
    }

    await write();
    try {
      const records = await collectAudit(client, keys);
      outcome.auditCollected = records.length;
      for (const r of records) {
        this.emit({
          kind: AUDIT_KIND[r.event],
          at: r.at * 1000,
          doorId: r.doorId,
          credentialId: r.credentialId,
          userId: r.credentialId === access.credentialId ? access.userId : null,
          reason: r.event === 'denied' ? r.reason : AUDIT_KIND[r.event] === 'device' ? r.event : null,
          detail: { fromCard: true, collectedAt: doorId },
        });
      }
    } catch (err) {
      if (!(err instanceof CardError)) throw err;
      this.o.log.warn({ doorId, code: err.code }, 'control unit: the audit trail was not collected');
    }
    return outcome;
  }

  /**
   * Decides with the card alone, then asks for what else the door wants: a PIN on the keypad, checked
   * against the replica's hash. Biometrics are not asked for (no templates in the replica yet): such
   * doors refuse with the engine's `biometric-required`.
   */
  private async decideWithFactors(
    link: ReaderLink,
    access: CardAccessData,
    entry: DoorEntry,
    d: DoorState,
    live: ReplicaCard | undefined,
  ): Promise<{ decision: Decision; detail: Record<string, unknown> }> {
    const decision = this.decideNow(access, entry, d, { card: true });
    if (decision.granted || decision.reason !== 'pin-required') return { decision, detail: {} };
    const hash = live?.pinHash ?? undefined;
    if (!hash) {
      // The unit cannot check a PIN it does not hold (no PIN set, or the key is not in the replica).
      return { decision, detail: { pin: 'not-held' } };
    }
    const timeoutMs = this.o.pinTimeoutMs ?? 15_000;
    await link.indicatePinWanted(Math.ceil(timeoutMs / 1000));
    const pin = await this.readPin(link, timeoutMs);
    if (pin === undefined) return { decision, detail: { pin: 'timeout' } };
    const match = await this.o.pins.verify(hash, pin);
    return {
      decision: this.decideNow(access, entry, d, { card: true, pin: match ? 'match' : 'mismatch' }),
      detail: { pin: match ? 'match' : 'mismatch' },
    };
  }

  /** Reads a PIN from the keypad: digits until '#' or the maximum; '*' starts over. Undefined on timeout. */
  private readPin(link: ReaderLink, timeoutMs: number): Promise<string | undefined> {
    const max = this.o.pinMaxDigits ?? 8;
    const buf = this.keys.get(link);
    if (!buf) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      let pin = '';
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      const finish = (value: string | undefined) => {
        clearTimeout(timer);
        this.pinWaits.delete(cancel);
        buf.wake = undefined;
        resolve(value);
      };
      const cancel = () => finish(undefined);
      this.pinWaits.add(cancel);
      const consume = () => {
        while (buf.text.length) {
          const k = buf.text[0]!;
          buf.text = buf.text.slice(1);
          if (k === '#') return finish(pin);
          if (k === '*') pin = '';
          else if (/[0-9]/.test(k)) pin += k;
          if (pin.length >= max) return finish(pin);
        }
      };
      buf.wake = consume;
      consume();
    });
  }
}
