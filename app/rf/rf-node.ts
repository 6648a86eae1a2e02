import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../keys/atomic-file.js';
import type { DeviceStore, OutgoingEvent, ReplicaState } from '../devices/device-store.js';
import type { RfLockConfig, RfLockStatus } from '../devices/protocol.js';
import { encodeLockUpdate, transferIdOf } from '../lock/lock-update-bytes.js';
import type { Log } from '../log.js';
import type { LockAuditRecord, LockReport, LockUpdate } from '../ppd/round.js';
import { configDigest } from '../service/lock-needs.js';
import type { RadioLink } from './air.js';
import { Eui64, euiBytes } from './eui64.js';
import type { CounterFile } from './frame-counters.js';
import { BROADCAST, JOIN_KEY_INDEX, NETWORK_KEY_INDEX, RF_REFUSALS } from './rf-endpoint.js';
import { RfLink, RfRefusedError } from './rf-link.js';
import { MAX_BLACKLIST_ADD, openProof, rfRefusal, type RfRequest, type RfResponse } from './rf-messages.js';
import type { RfPeerOptions } from './rf-transaction.js';
import { randomEui64 } from './rf-lock-state.js';

/**
 * The RF node: the radio side of a control unit (`lintel sim cu --rf-air HOST:PORT`), configured from
 * its replica (SyncReply.rf and .rfLocks). It
 *
 * - beacons (an empty broadcast under the network key) while a lock of its is waiting to join, so a
 *   new lock learns the PAN and the node's address; answers each lock's `join` (secured with that
 *   lock's join key) with its door, the network key and its lock key;
 * - keeps each lock in step with the replica from what the lock reports: a full LockUpdate (its door's
 *   tables, the time zone, the whole blacklist, the card keys, at first its lock key) through
 *   begin-update/chunk/commit when the lock's configuration digest, card key version or door differs;
 *   otherwise only the blacklist entries it lacks (`blacklist-add`), pushed as soon as a sync brings
 *   them; its clock when it is more than {@link CLOCK_TOLERANCE_S} off; the mobile group key;
 * - turns the audit records each lock pushes into the unit's events (DeviceStore.receiveRfRecords: the
 *   events and the lock's mark in one transaction, so each record becomes exactly one event);
 * - runs remote opens (`open-challenge`, then `open` with the proof under the lock's key);
 * - reports each lock's status (UnitStatus.rfLocks).
 *
 * What it learns from reports lives in memory: after a restart it asks each joined lock's `status` at
 * the first sync (enough to bring its blacklist up to date at once) and waits for its next report
 * (every 30 s) for the rest.
 */

/** A lock clock further off than this (seconds) is set. */
export const CLOCK_TOLERANCE_S = 2;
/** Bytes of a LockUpdate per chunk (the transaction layer carries up to 4 KiB). */
const UPDATE_CHUNK = 1_500;

export interface RfNodeOptions {
  unitId: number;
  store: DeviceStore;
  radio: RadioLink;
  /** The node's radio address. */
  eui64: Eui64;
  counters: CounterFile;
  log: Log;
  /** Events were queued in the store's outbox (UpstreamClient.sendEvents). */
  notify?: () => void;
  /** Each event queued from a lock's record. */
  onEvent?: (e: OutgoingEvent) => void;
  /** Something status shows changed (a lock joined, reported, was updated). */
  onStatusChange?: () => void;
  /** Epoch ms (default Date.now). */
  now?: () => number;
  /** How often to beacon while a lock waits to join (default 1 s). */
  beaconMs?: number;
  peer?: RfPeerOptions;
}

/** What a lock last said of itself. */
interface Heard {
  report: LockReport;
  /** Undefined: not known yet (only asked `status` since the node started; the lock's report tells). */
  configDigest: string | null | undefined;
  cardKeyVersion: number | null | undefined;
  publicKey: string | null;
  /** Our clock minus the lock's when it reported (s). */
  clockOffsetS: number;
}

interface LockRuntime {
  cfg: RfLockConfig;
  heard: Heard | undefined;
  refused: number;
  /** The mobile group key id last given to it (memory only: giving it again is harmless). */
  mobileGiven: string | null;
  /**
   * The replica revision at which the node last found (or made) the lock's configuration the one its
   * door should have. The lock's own revision moves only when its door's tables change, so this is what
   * tells the console that a lock is in step with a site revision moved by an unrelated change.
   */
  inStep: number | undefined;
  /** A push in progress, and whether another is wanted after it. */
  syncing: Promise<void> | undefined;
  again: boolean;
}

const NodeFile = z.strictObject({ format: z.literal(1), eui64: Eui64 });

/**
 * The node's radio address, kept in the unit's data folder (`rf-node.json`): made at random on the first
 * start, the same from then on (locks that joined talk to it).
 */
export function nodeEuiOf(dataDir: string): Eui64 {
  const file = path.join(dataDir, 'rf-node.json');
  if (fs.existsSync(file)) {
    const parsed = NodeFile.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    if (!parsed.success)
      throw new Error(`${file} is damaged: restore it from a copy (the unit's RF locks know its address)`);
    return parsed.data.eui64;
  }
  const eui64 = randomEui64();
  writeFileAtomic(file, `${JSON.stringify({ format: 1, eui64 })}\n`, 0o600);
  return eui64;
}

/** The longest prefix of `text` that fits `bytes` bytes of UTF-8 (who asked, in an open message). */
function utf8Prefix(text: string, bytes: number): string {
  let out = text.slice(0, bytes);
  while (Buffer.byteLength(out, 'utf8') > bytes) out = out.slice(0, -1);
  return out;
}

const fingerprint = (hex: string) => createHash('sha256').update(hex, 'utf8').digest('hex').slice(0, 16);

export class RfNode {
  private link: RfLink | undefined;
  private readonly locks = new Map<Eui64, LockRuntime>();
  private beacon: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly o: RfNodeOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Starts from the replica held (if any). */
  start(): void {
    this.reload();
    this.beacon = setInterval(() => this.sendBeacon(), this.o.beaconMs ?? 1_000);
    this.beacon.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.beacon);
    this.link?.close();
    this.link = undefined;
  }

  /** The node's endpoint (status, tests), while the replica gives it a network. */
  get endpoint() {
    return this.link?.endpoint;
  }

  /** The RF doors this node serves. */
  doorIds(): number[] {
    return [...this.locks.values()].map((l) => l.cfg.doorId).sort((a, b) => a - b);
  }

  private replica(): ReplicaState | undefined {
    return this.o.store.replica();
  }

  /**
   * After every sync: the network (a new PAN makes a new endpoint), the locks served, and for every lock
   * that reported, what it lacks (new blacklist entries go out now).
   */
  reload(): void {
    if (this.stopped) return;
    const replica = this.replica();
    const network = replica?.rf ?? null;
    const configs = (replica?.rfLocks ?? []).filter((l) => l.unitId === this.o.unitId);
    const listed = new Set(configs.map((c) => c.eui64));
    for (const eui of [...this.locks.keys()]) if (!listed.has(eui)) this.locks.delete(eui);
    for (const cfg of configs) {
      const rt = this.locks.get(cfg.eui64);
      if (rt) rt.cfg = cfg;
      else
        this.locks.set(cfg.eui64, {
          cfg,
          heard: undefined,
          refused: 0,
          mobileGiven: null,
          inStep: undefined,
          syncing: undefined,
          again: false,
        });
    }
    if (!network) {
      this.link?.close();
      this.link = undefined;
      return;
    }
    if (this.link?.panId !== network.panId) {
      this.link?.close();
      this.link = new RfLink({
        radio: this.o.radio,
        ext: this.o.eui64,
        panId: network.panId,
        counters: this.o.counters,
        keys: (keyIndex, peer) => this.keyFor(keyIndex, peer),
        ...(this.o.peer ? { peer: this.o.peer } : {}),
        log: this.o.log,
      });
      this.link.serve((src, req, keyIndex) => this.handle(src, req, keyIndex));
      this.o.log.info({ panId: network.panId, eui64: this.o.eui64 }, 'rf node: on the air');
    }
    for (const eui of this.locks.keys()) this.keepInStep(eui);
  }

  private keyFor(keyIndex: number, peer: string): Uint8Array | undefined {
    const network = this.replica()?.rf;
    if (keyIndex === NETWORK_KEY_INDEX) return network ? Buffer.from(network.networkKey, 'hex') : undefined;
    if (keyIndex === JOIN_KEY_INDEX && peer !== BROADCAST) {
      const joinKey = this.locks.get(peer)?.cfg.joinKey;
      return joinKey ? Buffer.from(joinKey, 'hex') : undefined;
    }
    return undefined;
  }

  private sendBeacon(): void {
    if (!this.link || ![...this.locks.values()].some((l) => l.cfg.joinKey !== null && !this.joined(l)))
      return;
    try {
      // Nothing in it: a lock waiting to join reads the PAN and our address from the frame's header.
      this.link.endpoint.send(BROADCAST, Buffer.alloc(0), { keyIndex: NETWORK_KEY_INDEX });
    } catch (err) {
      this.o.log.warn({ err: String(err) }, 'rf node: could not beacon');
    }
  }

  // ---- what locks ask ----------------------------------------------------------------------------

  private refuse(
    rt: LockRuntime | undefined,
    code: Parameters<typeof rfRefusal>[0],
    message: string,
  ): RfResponse {
    if (rt) rt.refused += 1;
    return rfRefusal(code, message);
  }

  private async handle(src: Eui64, req: RfRequest, keyIndex: number): Promise<RfResponse> {
    const rt = this.locks.get(src);
    if (!rt) return this.refuse(undefined, 'WRONG_DOOR', `${src} is not a lock of this node`);
    if (req.type === 'join') {
      if (keyIndex !== JOIN_KEY_INDEX || !rt.cfg.joinKey)
        return this.refuse(rt, 'FAILED', 'a join comes secured with the lock’s join key');
      return this.join(rt, req.serial);
    }
    if (keyIndex !== NETWORK_KEY_INDEX)
      return this.refuse(rt, 'NOT_INITIALISED', 'join first: only a join goes under the join key');
    switch (req.type) {
      case 'report':
        rt.heard = {
          report: req.report,
          configDigest: req.configDigest?.toString('hex') ?? null,
          cardKeyVersion: req.cardKeyVersion,
          publicKey: req.publicKey?.toString('hex') ?? null,
          clockOffsetS: Math.round(this.now() / 1000) - req.report.clock,
        };
        this.o.onStatusChange?.();
        setImmediate(() => this.keepInStep(src));
        return { type: 'report', now: Math.floor(this.now() / 1000) };
      case 'events':
        return { type: 'events', ack: this.storeRecords(rt, req.serial, req.records) };
      default:
        return this.refuse(rt, 'BAD_MESSAGE', `a node does not answer ${req.type}`);
    }
  }

  private joined(rt: LockRuntime): boolean {
    if (rt.cfg.joinKey === null) return true;
    return this.o.store.rfJoinedWith(rt.cfg.eui64) === fingerprint(rt.cfg.joinKey);
  }

  private join(rt: LockRuntime, serial: string): RfResponse {
    const network = this.replica()?.rf;
    if (!network) return this.refuse(rt, 'FAILED', 'this node has no network yet');
    const print = fingerprint(rt.cfg.joinKey!);
    if (this.o.store.rfJoinedWith(rt.cfg.eui64) !== print) {
      // A lock that joins with a fresh join key may have lost its memory, counters included: its old
      // frame counters under the network key no longer bind it.
      this.link?.endpoint.forgetPeer(rt.cfg.eui64);
      this.o.store.setRfJoinedWith(rt.cfg.eui64, print);
      this.o.log.info({ eui64: rt.cfg.eui64, doorId: rt.cfg.doorId, serial }, 'rf node: a lock joined');
      this.o.onStatusChange?.();
    }
    return {
      type: 'join',
      doorId: rt.cfg.doorId,
      keyVersion: network.keyVersion,
      panId: network.panId,
      networkKey: Buffer.from(network.networkKey, 'hex'),
      lockKey: Buffer.from(rt.cfg.lockKey, 'hex'),
    };
  }

  /** The lock's records as the unit's events, each once; answers the mark to acknowledge. */
  private storeRecords(rt: LockRuntime, serial: string, records: readonly LockAuditRecord[]): number {
    const queued: OutgoingEvent[] = [];
    const ack = this.o.store.receiveRfRecords(rt.cfg.eui64, serial, records, (r) => {
      const e = this.eventOf(rt.cfg, serial, r);
      queued.push(e);
      return e;
    });
    for (const e of queued) this.o.onEvent?.(e);
    if (queued.length) this.o.notify?.();
    return ack;
  }

  /**
   * A lock's audit record as an event (as app/service/lock-import.ts words a PPD's): granted / denied as
   * access events, anything else as a device event whose reason is the lock's event.
   */
  private eventOf(cfg: RfLockConfig, serial: string, r: LockAuditRecord): OutgoingEvent {
    const userId = r.credentialId === null ? null : (this.o.store.card(r.credentialId)?.userId ?? null);
    const base = {
      origin: this.o.unitId,
      at: new Date(r.at * 1000).toISOString(),
      doorId: cfg.doorId,
      userId,
      credentialId: r.credentialId,
      detail: {
        rfLock: cfg.eui64,
        lock: serial,
        seq: r.seq,
        ...(r.detail !== null ? { note: r.detail } : {}),
      },
    };
    if (r.event === 'granted') return { ...base, kind: 'access-granted', reason: null };
    if (r.event === 'denied') return { ...base, kind: 'access-denied', reason: r.reason ?? 'refused' };
    return { ...base, kind: 'device', reason: r.event };
  }

  // ---- keeping locks in step ---------------------------------------------------------------------

  /** Pushes what the lock lacks, one push at a time per lock (a change during a push runs it again). */
  private keepInStep(eui: Eui64): void {
    const rt = this.locks.get(eui);
    // A lock not heard since the node started is asked (if it joined): its blacklist cannot wait for
    // its next report.
    if (!rt || (!rt.heard && !this.joined(rt)) || !this.link || this.stopped) return;
    if (rt.syncing) {
      rt.again = true;
      return;
    }
    rt.syncing = (async () => {
      do {
        rt.again = false;
        try {
          await this.pushOnce(rt);
        } catch (err) {
          // A lock never heard since the start may just be away: not worth a warning at every sync.
          this.o.log[rt.heard ? 'warn' : 'debug'](
            { eui64: eui, err: String(err) },
            'rf node: could not bring a lock up to date',
          );
          break;
        }
      } while (rt.again && !this.stopped);
    })().finally(() => {
      rt.syncing = undefined;
    });
  }

  private async pushOnce(rt: LockRuntime): Promise<void> {
    const replica = this.replica();
    const link = this.link;
    if (!replica || !link) return;
    if (!rt.heard) {
      const { report } = await link.ask(rt.cfg.eui64, { type: 'status' }, 'status');
      rt.heard ??= {
        report,
        configDigest: undefined,
        cardKeyVersion: undefined,
        publicKey: report.publicKey ?? null,
        clockOffsetS: Math.round(this.now() / 1000) - report.clock,
      };
      this.o.onStatusChange?.();
    }
    const heard = rt.heard;
    const door = replica.doors.find((d) => d.door.doorId === rt.cfg.doorId);
    if (!door) {
      this.o.log.warn({ doorId: rt.cfg.doorId }, 'rf node: the replica has no tables for this RF door');
      return;
    }
    const eui = rt.cfg.eui64;
    const digest = configDigest(door, replica.timeZone).toString('hex');
    const r = heard.report;
    const known = heard.configDigest !== undefined;
    const full =
      r.doorId !== rt.cfg.doorId ||
      r.keyVersion === 0 ||
      (known && (heard.configDigest !== digest || heard.cardKeyVersion !== replica.keys.keyVersion)) ||
      r.blacklistSeq > replica.blacklistSeq;
    if (full) {
      const update: LockUpdate = {
        doorId: rt.cfg.doorId,
        revision: door.revision,
        timeZone: replica.timeZone,
        tables: door,
        blacklist: { latestSeq: replica.blacklistSeq, entries: this.o.store.blacklistEntries() },
        cardKeys: {
          siteId: replica.keys.siteId,
          keyVersion: replica.keys.keyVersion,
          lock: replica.keys.lock,
          uidRead: replica.keys.uidRead,
        },
        // The lock's key, at first: it proves remote opens (and the PPD authenticates it) from then on.
        ...(r.keyVersion === 0 ? { newLockKey: { key: rt.cfg.lockKey, version: 1 } } : {}),
      };
      const report = await this.pushUpdate(link, eui, update);
      rt.heard = { ...heard, report, configDigest: digest, cardKeyVersion: replica.keys.keyVersion };
      this.o.onStatusChange?.();
    } else if (r.blacklistSeq < replica.blacklistSeq) {
      const fresh = this.o.store.blacklistEntries().filter((e) => e.seq > r.blacklistSeq);
      let seq = r.blacklistSeq;
      for (let i = 0; i < fresh.length || seq < replica.blacklistSeq; i += MAX_BLACKLIST_ADD) {
        const part = fresh.slice(i, i + MAX_BLACKLIST_ADD);
        const last = i + MAX_BLACKLIST_ADD >= fresh.length;
        const latestSeq = last ? replica.blacklistSeq : part.at(-1)!.seq;
        const answer = await link.ask(
          eui,
          { type: 'blacklist-add', latestSeq, entries: part },
          'blacklist-add',
        );
        seq = answer.blacklistSeq;
        if (last) break;
      }
      rt.heard = { ...heard, report: { ...r, blacklistSeq: seq } };
      this.o.onStatusChange?.();
    }
    if (Math.abs(heard.clockOffsetS) > CLOCK_TOLERANCE_S) {
      await link.ask(eui, { type: 'set-time', ppdNow: Math.floor(this.now() / 1000) }, 'set-time');
      rt.heard = { ...rt.heard!, clockOffsetS: 0 };
    }
    const mobile = rt.cfg.mobileKey;
    if (mobile && rt.mobileGiven !== mobile.groupKeyId && rt.heard?.publicKey) {
      await link.ask(
        eui,
        {
          type: 'mobile-key',
          groupKeyId: Buffer.from(mobile.groupKeyId, 'hex'),
          wrapped: Buffer.from(mobile.wrapped, 'hex'),
        },
        'mobile-key',
      );
      rt.mobileGiven = mobile.groupKeyId;
    }
    if (rt.heard?.configDigest === digest && rt.heard.cardKeyVersion === replica.keys.keyVersion) {
      if (rt.inStep !== replica.revision) this.o.onStatusChange?.();
      rt.inStep = replica.revision;
    }
  }

  /** A whole update: begin (or resume), chunks, commit; answers the lock's report after it. */
  private async pushUpdate(link: RfLink, eui: Eui64, update: LockUpdate): Promise<LockReport> {
    const bytes = encodeLockUpdate(update);
    const transferId = transferIdOf(bytes);
    const begun = await link.ask(
      eui,
      { type: 'begin-update', transferId, totalBytes: bytes.length },
      'begin-update',
    );
    for (let at = begun.resumeAt; at < bytes.length; at += UPDATE_CHUNK)
      await link.ask(
        eui,
        { type: 'chunk', offset: at, bytes: bytes.subarray(at, at + UPDATE_CHUNK) },
        'chunk',
      );
    const done = await link.ask(eui, { type: 'commit' }, 'commit');
    this.o.log.info(
      { eui64: eui, doorId: update.doorId, revision: update.revision, bytes: bytes.length },
      'rf node: lock updated',
    );
    return done.report;
  }

  // ---- remote open -------------------------------------------------------------------------------

  /** Opens an RF door: a challenge, then the open proved under the lock's key. Throws when refused. */
  async open(doorId: number, by: string): Promise<void> {
    const rt = [...this.locks.values()].find((l) => l.cfg.doorId === doorId);
    if (!rt) throw new Error(`door ${doorId} has no RF lock on this node`);
    const link = this.link;
    if (!link) throw new Error('the RF node has no network yet (no sync with one)');
    const eui = rt.cfg.eui64;
    try {
      const { nonce } = await link.ask(eui, { type: 'open-challenge' }, 'open-challenge');
      const proof = openProof(Buffer.from(rt.cfg.lockKey, 'hex'), euiBytes(eui), doorId, nonce);
      await link.ask(eui, { type: 'open', nonce, proof, by: utf8Prefix(by, 100) }, 'open');
    } catch (err) {
      if (err instanceof RfRefusedError) rt.refused += 1;
      throw err;
    }
  }

  // ---- status ------------------------------------------------------------------------------------

  /** Frames the node's endpoint refused, by reason (for the unit's `refused`, prefixed `rf-`). */
  refusedCounts(): Record<string, number> {
    const e = this.link?.endpoint;
    if (!e) return {};
    return Object.fromEntries(RF_REFUSALS.map((r) => [`rf-${r}`, e.refused[r]]));
  }

  status(): RfLockStatus[] {
    const heard = this.link?.endpoint.neighbours() ?? new Map();
    return [...this.locks.values()].map((rt) => {
      const n = heard.get(rt.cfg.eui64);
      const r = rt.heard?.report;
      return {
        eui64: rt.cfg.eui64,
        doorId: rt.cfg.doorId,
        joined: this.joined(rt),
        lastHeard: n ? Math.round(n.lastHeardMs) : null,
        lqi: n ? n.lqi : null,
        battery: r?.battery ?? null,
        revision: Math.max(rt.inStep ?? 0, r?.revision ?? 0),
        blacklistSeq: r?.blacklistSeq ?? 0,
        publicKey: rt.heard?.publicKey ?? null,
        refused: rt.refused,
      };
    });
  }
}
