import { randomBytes } from 'node:crypto';
import { secretsEqual } from '../crypto/compare.js';
import type { DesfireClient } from '../desfire/index.js';
import type { LockMemory } from '../lock/lock-memory.js';
import { LockProgramming } from '../lock/lock-programming.js';
import { OfflineLock, type Presentation } from '../lock/offline-lock.js';
import type { Log } from '../log.js';
import { groupKeyIdOf, unwrapGroupKey } from '../mobile/group-key.js';
import { configDigest } from '../service/lock-needs.js';
import type { RadioLink } from './air.js';
import { euiBytes, type Eui64 } from './eui64.js';
import type { CounterFile } from './frame-counters.js';
import { decodeMacFrame } from './mac-frame.js';
import { JOIN_KEY_INDEX, NETWORK_KEY_INDEX } from './rf-endpoint.js';
import type { RfLockState } from './rf-lock-state.js';
import { RfLink } from './rf-link.js';
import { openProof, rfRefusal, type RfRequest, type RfResponse } from './rf-messages.js';
import type { RfPeerOptions } from './rf-transaction.js';

/**
 * An RF lock: the offline lock's memory, card decisions and programming (app/lock, reused whole)
 * behind a secured radio endpoint instead of a PPD's serial line.
 *
 * - Joining: with a join key typed in (`--join CODE`) it listens for a node's beacon (a broadcast frame
 *   tells the PAN and the node's address), asks that node to `join` under the join key (key index 2),
 *   stores what it answers (door, network key, lock key; mode 0600) and from then on talks under the
 *   network key (key index 1) only, to that node only.
 * - It answers the node as a lock answers a PPD (status, update, set-time, read-audit), and takes
 *   blacklist additions, remote opens (a single-use challenge, {@link CHALLENGE_MS}, then an open
 *   proved under its own lock key) and the mobile group key.
 * - It pushes every audit record as it happens (cards, remote opens, phones) until the node
 *   acknowledges it by seq, and reports itself every `reportEveryMs` and after a change.
 */

/** How long a remote-open challenge stays usable. */
export const CHALLENGE_MS = 10_000;
/** Challenges outstanding at once (the oldest goes first). */
const MAX_CHALLENGES = 4;

export interface RfLockOptions {
  memory: LockMemory;
  rf: RfLockState;
  radio: RadioLink;
  counters: CounterFile;
  log?: Log;
  peer?: RfPeerOptions;
  /** Default 30 s. */
  reportEveryMs?: number;
  /** How often to try joining while it has a join key (default 1 s). */
  joinEveryMs?: number;
  /** Audit records per events message (default 20). */
  eventBatch?: number;
  /** A line for the person at the console (joined, updated, opened…). */
  onNote?: (line: string) => void;
}

interface Candidate {
  panId: number;
  nodeEui: Eui64;
}

export class RfLock {
  readonly lock: OfflineLock;
  readonly memory: LockMemory;
  private readonly programming: LockProgramming;
  private link: RfLink | undefined;
  private readonly challenges = new Map<string, number>();
  private readonly candidates = new Map<string, Candidate>();
  private readonly timers: NodeJS.Timeout[] = [];
  private joining = false;
  private pushing: Promise<void> | undefined;
  private pushAgain = false;
  private stopped = false;
  private readonly onFrame = (psdu: Buffer): void => this.sniff(psdu);

  constructor(private readonly o: RfLockOptions) {
    this.memory = o.memory;
    this.lock = new OfflineLock(o.memory);
    this.programming = new LockProgramming(o.memory);
  }

  get eui64(): Eui64 {
    return this.o.rf.eui64;
  }

  /** The lock's endpoint while it is on a PAN (tests, status). */
  get endpoint() {
    return this.link?.endpoint;
  }

  /** Whether it holds a network (it joined). */
  get joined(): boolean {
    return this.o.rf.state.network !== null;
  }

  start(): void {
    this.o.radio.on('frame', this.onFrame);
    const network = this.o.rf.state.network;
    if (network) {
      this.attach(network.panId);
      this.changed();
    }
    this.every(this.o.reportEveryMs ?? 30_000, () => void this.report());
    this.every(this.o.joinEveryMs ?? 1_000, () => void this.tryJoin());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.o.radio.off('frame', this.onFrame);
    await this.pushing?.catch(() => undefined);
    this.link?.close();
    this.link = undefined;
  }

  private every(ms: number, run: () => void): void {
    const t = setInterval(() => {
      if (!this.stopped) run();
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  private note(line: string): void {
    this.o.onNote?.(line);
  }

  /** An endpoint on `panId` (a new one when the PAN changes). */
  private attach(panId: number): RfLink {
    if (this.link?.panId === panId) return this.link;
    this.link?.close();
    this.link = new RfLink({
      radio: this.o.radio,
      ext: this.eui64,
      panId,
      counters: this.o.counters,
      keys: (keyIndex) => this.keyFor(keyIndex),
      ...(this.o.peer ? { peer: this.o.peer } : {}),
      ...(this.o.log ? { log: this.o.log } : {}),
    });
    this.link.serve((src, req, keyIndex) => this.handle(src, req, keyIndex));
    return this.link;
  }

  private keyFor(keyIndex: number): Uint8Array | undefined {
    const s = this.o.rf.state;
    if (keyIndex === NETWORK_KEY_INDEX && s.network) return Buffer.from(s.network.networkKey, 'hex');
    if (keyIndex === JOIN_KEY_INDEX && s.joinKey) return Buffer.from(s.joinKey, 'hex');
    return undefined;
  }

  // ---- joining -----------------------------------------------------------------------------------

  /** A node's broadcast (its beacon, or any broadcast) names a PAN and a node to ask to join. */
  private sniff(psdu: Buffer): void {
    if (!this.o.rf.state.joinKey) return;
    try {
      const { frame } = decodeMacFrame(psdu);
      if (frame.type !== 'data' || frame.src?.mode !== 'ext' || frame.dst?.mode !== 'short') return;
      if (frame.dst.short !== 0xffff || frame.dstPan === null || frame.dstPan === 0xffff) return;
      const c = { panId: frame.dstPan, nodeEui: frame.src.ext };
      const key = `${c.panId}/${c.nodeEui}`;
      if (!this.candidates.has(key) && this.candidates.size < 16) this.candidates.set(key, c);
    } catch {
      // Not a frame we can read: not a beacon.
    }
  }

  /** Asks each node heard to take the join key, until one does. */
  async tryJoin(): Promise<boolean> {
    if (this.joining || this.stopped || !this.o.rf.state.joinKey) return false;
    this.joining = true;
    try {
      for (const [key, c] of this.candidates) {
        const link = this.attach(c.panId);
        try {
          const answer = await link.ask(
            c.nodeEui,
            { type: 'join', serial: this.memory.state.serial },
            'join',
            { keyIndex: JOIN_KEY_INDEX, timeoutMs: 300, retries: 3, deadlineMs: 5_000 },
          );
          this.o.rf.joined({
            nodeEui: c.nodeEui,
            panId: answer.panId,
            networkKey: answer.networkKey.toString('hex'),
            keyVersion: answer.keyVersion,
            doorId: answer.doorId,
            lockKey: answer.lockKey.toString('hex'),
            joinedAt: Math.floor(Date.now() / 1000),
          });
          this.candidates.clear();
          this.attach(answer.panId);
          this.note(
            `joined the RF network of node ${c.nodeEui} (PAN ${answer.panId}) for door ${answer.doorId}`,
          );
          this.changed();
          return true;
        } catch (err) {
          this.o.log?.debug({ node: c.nodeEui, err: String(err) }, 'rf lock: a node did not take the join');
          this.candidates.delete(key);
        }
      }
      // Back to the network held while no node took the new key (a rejoin in progress).
      const network = this.o.rf.state.network;
      if (network) this.attach(network.panId);
      return false;
    } finally {
      this.joining = false;
    }
  }

  // ---- what the node asks ------------------------------------------------------------------------

  private async handle(src: Eui64, req: RfRequest, keyIndex: number): Promise<RfResponse> {
    const network = this.o.rf.state.network;
    if (!network || src !== network.nodeEui || keyIndex !== NETWORK_KEY_INDEX)
      return rfRefusal('NOT_INITIALISED', 'this lock answers only the node it joined, under the network key');
    let answer: RfResponse;
    switch (req.type) {
      case 'status':
      case 'begin-update':
      case 'chunk':
      case 'commit':
      case 'set-time':
      case 'read-audit':
        answer = this.programming.handle(req) as RfResponse;
        if (answer.type === 'commit')
          this.note(
            `updated by the node: door ${answer.report.doorId}, revision ${answer.report.revision}, blacklist ${answer.report.blacklistSize} entries`,
          );
        if (answer.type === 'error') this.note(`refused the node: ${answer.code}: ${answer.message}`);
        break;
      case 'blacklist-add':
        answer = this.blacklistAdd(req.latestSeq, req.entries);
        break;
      case 'open-challenge':
        answer = this.challenge();
        break;
      case 'open':
        answer = this.open(network.lockKey, network.doorId, req.nonce, req.proof, req.by);
        break;
      case 'mobile-key':
        answer = this.mobileKey(req.groupKeyId, req.wrapped);
        break;
      default:
        return rfRefusal('BAD_MESSAGE', `a lock does not answer ${req.type}`);
    }
    this.pushEvents();
    return answer;
  }

  private blacklistAdd(
    latestSeq: number,
    entries: { seq: number; credentialId: number; expiresAt: number }[],
  ) {
    const m = this.memory;
    if (!m.initialised)
      return rfRefusal('NOT_INITIALISED', 'the lock has no configuration yet: update it first');
    const before = m.blacklist.sequence;
    let added: number;
    try {
      added = m.blacklist.merge(entries);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      return rfRefusal(
        'BLACKLIST_FULL',
        `the lock holds ${m.state.blacklist.capacity} entries: compact the blacklist`,
      );
    }
    m.blacklist.advanceTo(latestSeq);
    m.noteMerged(entries, before);
    if (added > 0) {
      m.audit({ event: 'blacklist-merged', detail: `${added} entries from the RF node` });
      this.note(`blacklist: ${added} entries added by the node (to seq ${m.blacklist.sequence})`);
    }
    return { type: 'blacklist-add' as const, blacklistSeq: m.blacklist.sequence };
  }

  private challenge(): RfResponse {
    const now = this.memory.hostNow();
    for (const [k, until] of this.challenges) if (until < now) this.challenges.delete(k);
    while (this.challenges.size >= MAX_CHALLENGES)
      this.challenges.delete(this.challenges.keys().next().value!);
    const nonce = randomBytes(16);
    this.challenges.set(nonce.toString('hex'), now + CHALLENGE_MS);
    return { type: 'open-challenge', nonce };
  }

  private open(lockKeyHex: string, doorId: number, nonce: Buffer, proof: Buffer, by: string): RfResponse {
    const m = this.memory;
    const key = nonce.toString('hex');
    const until = this.challenges.get(key);
    // Single use, whatever follows: a second try with the same nonce finds nothing.
    this.challenges.delete(key);
    const refused = (why: string, code: 'FAILED' | 'EXPIRED') => {
      m.audit({ event: 'denied', detail: `remote open refused: ${why}` });
      this.note(`remote open refused: ${why}`);
      return rfRefusal(code, `remote open refused: ${why}`);
    };
    if (until === undefined) return refused('no such challenge (used already, or never given)', 'FAILED');
    if (m.hostNow() > until)
      return refused(`the challenge is older than ${CHALLENGE_MS / 1000} s`, 'EXPIRED');
    const expected = openProof(Buffer.from(lockKeyHex, 'hex'), euiBytes(this.eui64), doorId, nonce);
    if (!secretsEqual(expected, proof)) return refused('the proof is wrong', 'FAILED');
    m.audit({ event: 'granted', detail: `remote open by ${by || 'the console'}` });
    this.note(`OPENED remotely by ${by || 'the console'}`);
    return { type: 'open', openedAt: m.nowSeconds() };
  }

  private mobileKey(groupKeyId: Buffer, wrapped: Buffer): RfResponse {
    const identity = this.memory.identityPair();
    const key = identity && unwrapGroupKey(wrapped, identity);
    identity?.privateKey.fill(0);
    if (!key) return rfRefusal('INVALID_UPDATE', 'the mobile group key was not wrapped for this lock');
    const id = groupKeyIdOf(key).toString('hex');
    if (id !== groupKeyId.toString('hex')) {
      key.fill(0);
      return rfRefusal('INVALID_UPDATE', `the mobile group key is ${id}, not ${groupKeyId.toString('hex')}`);
    }
    this.memory.update((s) => {
      s.mobile = { groupKeyId: id, groupKey: key.toString('hex') };
    });
    key.fill(0);
    this.memory.audit({ event: 'updated', detail: `mobile group key ${id}` });
    this.note(`mobile group key ${id} taken`);
    return { type: 'mobile-key', groupKeyId };
  }

  // ---- what the lock tells the node --------------------------------------------------------------

  /** Something happened: push the records, and report. */
  changed(): void {
    this.pushEvents();
    void this.report();
  }

  /** Presents a card (as `lintel sim lock` does), then pushes what it recorded. */
  async present(client: DesfireClient, shownUid?: Uint8Array): Promise<Presentation> {
    try {
      return await this.lock.present(client, shownUid);
    } finally {
      this.pushEvents();
    }
  }

  /** Sends the records the node has not acknowledged, a batch at a time (one push at a time). */
  pushEvents(): Promise<void> {
    if (this.pushing) {
      this.pushAgain = true;
      return this.pushing;
    }
    this.pushing = (async () => {
      do {
        this.pushAgain = false;
        try {
          await this.pushOnce();
        } catch (err) {
          this.o.log?.debug({ err: String(err) }, 'rf lock: events not delivered yet');
          return;
        }
      } while (this.pushAgain && !this.stopped);
    })().finally(() => {
      this.pushing = undefined;
    });
    return this.pushing;
  }

  private async pushOnce(): Promise<void> {
    const batch = this.o.eventBatch ?? 20;
    for (;;) {
      const network = this.o.rf.state.network;
      if (!network || !this.link || this.stopped) return;
      const records = this.memory.auditFrom(this.o.rf.state.eventsAcked + 1, batch + 1);
      if (records.length === 0) return;
      const sent = records.slice(0, batch);
      const { ack } = await this.link.ask(
        network.nodeEui,
        { type: 'events', serial: this.memory.state.serial, more: records.length > batch, records: sent },
        'events',
      );
      if (ack <= this.o.rf.state.eventsAcked) return; // the node took nothing: try again later
      this.o.rf.acknowledged(ack);
    }
  }

  /** Tells the node what it holds (its report, config digest, card key version, public key). */
  async report(): Promise<boolean> {
    const network = this.o.rf.state.network;
    if (!network || !this.link || this.stopped) return false;
    const s = this.memory.state;
    try {
      await this.link.ask(
        network.nodeEui,
        {
          type: 'report',
          report: this.memory.report(),
          configDigest: s.tables && s.timeZone ? configDigest(s.tables, s.timeZone) : null,
          cardKeyVersion: s.cardKeys?.keyVersion ?? null,
          publicKey: s.identity ? Buffer.from(s.identity.publicKey, 'hex') : null,
        },
        'report',
      );
      return true;
    } catch (err) {
      this.o.log?.debug({ err: String(err) }, 'rf lock: the node did not take the report');
      return false;
    }
  }
}
