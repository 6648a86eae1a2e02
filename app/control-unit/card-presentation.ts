import { decide, type Decision, type DoorPolicy, type Presented } from '../access/engine.js';
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
import type { ReplicaCard, WireEvent } from '../devices/protocol.js';
import type { Log } from '../log.js';
import { setTransparentMode, transparentTransceive } from '../osdp/transparent.js';
import { accessUpdate } from './card-access.js';
import { matchFinger } from './fingerprint.js';
import type { DoorState } from './door-state.js';
import type { ReaderLink } from './reader-link.js';
import type { DoorEntry, UnitTables } from './tables.js';
import { updatePointKeys, uidReadKey, wipeUpdatePointKeys } from './update-point-keys.js';

/**
 * A card presented at one of a control unit's readers, from the read to the audit collection: the
 * unit reads it through the reader (OSDP transparent mode, DESFire), decides with the shared access
 * engine (asking for a PIN on the keypad and a finger on the sensor when the door wants them),
 * releases the door or refuses, acts as an update point (blacklist fragment, refreshed access data)
 * and collects the card's audit trail as events. One presentation at a time per reader.
 *
 * What it uses of the unit is handed in ({@link CardPresenterDeps}): the unit keeps the doors, the
 * tables and the event queue; this file keeps the conversation with the card.
 */

/** Checks a PIN against the replica's argon2id hash (app/service PasswordHasher fits). */
export interface PinVerifier {
  verify(hash: string | undefined, pin: string): Promise<boolean>;
}

/** An event as the unit queues it: the unit adds itself as the origin, and the time (now unless given). */
export type UnitEvent = Omit<OutgoingEvent, 'origin' | 'at'> & { at?: number };

/** Why a card that is not a valid card of this site is refused (an `access-denied` reason). */
export const CARD_DENIALS = CARD_DENIAL_REASONS;
export type CardDenial = CardDenialReason;

/** The refusal reason of a card that is not a valid card of this site (shared with the offline lock). */
export const CARD_DENIAL_OF: Record<CardErrorCode, CardDenial> = {
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

/** What a presentation uses of the control unit. */
export interface CardPresenterDeps {
  store: DeviceStore;
  log: Log;
  pins: PinVerifier;
  now: () => number;
  /** The tables built from the replica (undefined before the first sync). */
  tables: () => UnitTables | undefined;
  /** The unit's doors, by id. */
  doors: ReadonlyMap<number, DoorState>;
  /** Rebuilds the tables (when the clock has left the years they were compiled for). */
  reload: () => void;
  /** Keeps office and lockdown across restarts (a card toggled office mode). */
  persist: () => void;
  /** Queues an event for upstream. */
  emit: (event: UnitEvent) => void;
  /** As ControlUnitOptions.pinTimeoutMs and pinMaxDigits. */
  pinTimeoutMs?: number;
  pinMaxDigits?: number;
  /** As ControlUnitOptions.fingerTimeoutMs, fingerThreshold and fingerPollMs. */
  fingerTimeoutMs?: number;
  fingerThreshold?: number;
  fingerPollMs?: number;
  onOutcome?: (outcome: PresentationOutcome) => void;
}

/** Serves the cards presented at a control unit's readers (each ReaderLink's onCard and onKeypad). */
export class CardPresenter {
  /** What runs at each reader: a card presentation, or a fingerprint enrolment (exclusive()). */
  private readonly busy = new Map<ReaderLink, Promise<unknown>>();
  /** Keypad entries that came in during a presentation at each reader, not yet consumed. */
  private readonly keys = new Map<ReaderLink, { text: string; wake?: () => void }>();
  /** Cancels of the PIN entries being waited for. */
  private readonly pinWaits = new Set<() => void>();
  private stopped = false;
  /** The last presentation's outcome per reader (tests wait on it). */
  private readonly outcomeListeners = new Set<(o: PresentationOutcome) => void>();

  constructor(private readonly d: CardPresenterDeps) {}

  /** Takes no more cards, ends a PIN being typed and waits for the presentations under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const cancel of [...this.pinWaits]) cancel(); // a PIN being typed: the presentation ends now
    await Promise.allSettled([...this.busy.values()]);
  }

  /** Whether the presenter is stopping (finger waits end at their next ask). */
  get stopping(): boolean {
    return this.stopped;
  }

  /**
   * Runs `job` alone at the reader: after the presentation (or job) under way there has finished, and
   * no card is served there until it ends (a card presented meanwhile is ignored, as a second card
   * during a presentation is). The fingerprint enrolment uses it.
   */
  async exclusive<T>(link: ReaderLink, job: () => Promise<T>): Promise<T> {
    for (let b = this.busy.get(link); b; b = this.busy.get(link)) await b.catch(() => undefined);
    if (this.stopped) throw new Error('the control unit is stopping');
    const run = job();
    const held = run
      .catch(() => undefined)
      .finally(() => {
        if (this.busy.get(link) === held) this.busy.delete(link);
      });
    this.busy.set(link, held);
    return run;
  }

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

  onKeypad(link: ReaderLink, text: string): void {
    const buf = this.keys.get(link);
    if (!buf) return; // nobody is asked for a PIN here: keys typed at an idle reader are dropped
    buf.text += text;
    buf.wake?.();
  }

  onCard(link: ReaderLink, uid: Buffer): void {
    if (this.stopped || this.busy.has(link)) return; // one presentation at a time per reader
    this.keys.set(link, { text: '' });
    const run = this.present(link, uid)
      .catch((err: unknown) => {
        this.d.log.error({ path: link.path, err: String(err) }, 'control unit: a presentation failed');
        return undefined;
      })
      .finally(() => {
        this.busy.delete(link);
        this.keys.delete(link);
      });
    this.busy.set(link, run);
    void run.then((outcome) => {
      if (!outcome) return;
      this.d.onOutcome?.(outcome);
      for (const l of [...this.outcomeListeners]) l(outcome);
    });
  }

  /** The policy the engine sees: lockdown refuses every card. */
  private policyOf(entry: DoorEntry, d: DoorState): DoorPolicy {
    return d.lockdown ? { ...entry.policy, openMode: 'lockdown' } : entry.policy;
  }

  private decideNow(access: CardAccessData, entry: DoorEntry, d: DoorState, presented: Presented): Decision {
    const at = Math.floor(this.d.now() / 1000);
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
      this.d.reload(); // the clock left the compiled years: compile around now
      entry = this.d.tables()!.doors.get(d.doorId)!;
      return run();
    }
  }

  private async present(link: ReaderLink, rawUid: Buffer): Promise<PresentationOutcome | undefined> {
    const tables = this.d.tables();
    const replica = this.d.store.replica();
    const doorId = link.doorId;
    const cp = link.controlPanel;
    if (!tables || !replica || doorId === undefined || !cp) return undefined;
    const entry = tables.doors.get(doorId);
    const d = this.d.doors.get(doorId);
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
      this.d.emit({ kind: 'access-denied', doorId, userId: null, credentialId: null, reason, detail });
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
    const nowS = () => Math.floor(this.d.now() / 1000);
    const blacklisted = entry.tables.blacklist.has(access.credentialId);
    const live = blacklisted ? undefined : this.d.store.card(access.credentialId);

    // What the update point will write (computed before the decision, written after it).
    const replica = this.d.store.replica()!;
    const cardSeq = reading.blacklist?.highestSeq ?? 0;
    const newBlacklist = replica.blacklistSeq > cardSeq;
    const fragment: CardBlacklist = newBlacklist
      ? blacklistFragmentOf(this.d.store.blacklistEntries(), replica.blacklistSeq)
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
        this.d.log.warn({ doorId, code: err.code }, 'control unit: the card update did not complete');
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
        this.d.persist();
      } else {
        d.momentary(this.d.now(), decision.openSeconds);
      }
      await link.indicateGranted(decision.openSeconds);
      this.d.emit({
        kind: 'access-granted',
        ...base,
        reason: null,
        detail: { ...detail, openSeconds: decision.openSeconds, ...(office && { office }) },
      });
    } else {
      outcome.reason = decision.reason;
      await link.indicateDenied();
      this.d.emit({ kind: 'access-denied', ...base, reason: decision.reason, detail });
    }

    await write();
    try {
      const records = await collectAudit(client, keys);
      outcome.auditCollected = records.length;
      for (const r of records) {
        this.d.emit({
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
      this.d.log.warn({ doorId, code: err.code }, 'control unit: the audit trail was not collected');
    }
    return outcome;
  }

  /**
   * Decides with the card alone, then asks for what else the door wants, in the engine's order: a PIN
   * on the keypad (checked against the replica's hash) when it answers `pin-required`, then a finger
   * on the reader's sensor (osdp_BIOMATCH against the replica's template) when it answers
   * `biometric-required` — both, one after the other, when the door wants both (a card+PIN default
   * with a card+fingerprint schedule, around the period's boundaries).
   */
  private async decideWithFactors(
    link: ReaderLink,
    access: CardAccessData,
    entry: DoorEntry,
    d: DoorState,
    live: ReplicaCard | undefined,
  ): Promise<{ decision: Decision; detail: Record<string, unknown> }> {
    let presented: Presented = { card: true };
    const detail: Record<string, unknown> = {};
    let decision = this.decideNow(access, entry, d, presented);
    if (!decision.granted && decision.reason === 'pin-required') {
      const hash = live?.pinHash ?? undefined;
      if (!hash) {
        // The unit cannot check a PIN it does not hold (no PIN set, or the key is not in the replica).
        return { decision, detail: { pin: 'not-held' } };
      }
      const timeoutMs = this.d.pinTimeoutMs ?? 15_000;
      await link.indicatePinWanted(Math.ceil(timeoutMs / 1000));
      const pin = await this.readPin(link, timeoutMs);
      if (pin === undefined) return { decision, detail: { pin: 'timeout' } };
      const match = await this.d.pins.verify(hash, pin);
      detail.pin = match ? 'match' : 'mismatch';
      presented = { ...presented, pin: match ? 'match' : 'mismatch' };
      decision = this.decideNow(access, entry, d, presented);
    }
    if (!decision.granted && decision.reason === 'biometric-required') {
      const biometric = await this.matchFinger(link, live);
      detail.biometric = biometric;
      if (biometric === 'match' || biometric === 'mismatch') {
        presented = { ...presented, biometric };
        decision = this.decideNow(access, entry, d, presented);
      }
    }
    return { decision, detail };
  }

  /**
   * The holder's finger at the reader: 'match' or 'mismatch' (the reader's score against the
   * threshold), or why there is no answer — 'not-enrolled' (no template in the replica), 'not-held'
   * (the key is not in the replica), 'timeout' (no finger in time), 'reader-error'.
   */
  private async matchFinger(
    link: ReaderLink,
    live: ReplicaCard | undefined,
  ): Promise<'match' | 'mismatch' | 'not-enrolled' | 'not-held' | 'timeout' | 'reader-error'> {
    if (!live) return 'not-held';
    if (!live.fingerTemplate) return 'not-enrolled';
    const timeoutMs = this.d.fingerTimeoutMs ?? 15_000;
    const threshold = this.d.fingerThreshold ?? 50;
    await link.indicateFingerWanted(Math.ceil(timeoutMs / 1000));
    try {
      const score = await matchFinger(link, Buffer.from(live.fingerTemplate, 'hex'), threshold, {
        timeoutMs,
        pollMs: this.d.fingerPollMs,
        cancelled: () => this.stopped,
      });
      if (score === undefined) return 'timeout';
      return score >= threshold ? 'match' : 'mismatch';
    } catch (err) {
      this.d.log.warn({ path: link.path, err: String(err) }, 'control unit: the fingerprint match failed');
      return 'reader-error';
    }
  }

  /** Reads a PIN from the keypad: digits until '#' or the maximum; '*' starts over. Undefined on timeout. */
  private readPin(link: ReaderLink, timeoutMs: number): Promise<string | undefined> {
    const max = this.d.pinMaxDigits ?? 8;
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
