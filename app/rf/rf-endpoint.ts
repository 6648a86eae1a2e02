// API notes (for code built on this file; the API is stable): 'message' is emitted asynchronously,
// after the frame's counter is persisted (group commit), never from inside send() or a radio callback.
import { EventEmitter } from 'node:events';
import type { Log } from '../log.js';
import type { RadioLink } from './air.js';
import { CcmStarError, micLength } from './ccm-star.js';
import { type Eui64, parseEui64 } from './eui64.js';
import { CounterExhaustedError, type CounterFile, OutgoingCounter, ReplayGuard } from './frame-counters.js';
import {
  decodeMacFrame,
  encodeMacFrame,
  MAX_PSDU,
  MacFrameError,
  type MacFrame,
  unsecureBody,
} from './mac-frame.js';

/**
 * A secured 802.15.4 MAC endpoint over a radio: what a node or a lock uses to exchange datagrams with
 * its neighbours. Every frame it sends is a data frame secured with CCM* at `level` (6 = ENC-MIC-64 by
 * default), key id mode 1 with the key index the caller names; every frame it receives is checked in
 * this order and refused, counted by reason, at the first failure:
 *
 *   bad-fcs → malformed → foreign-pan → not-for-us → unsecured (none, MIC-less, or a shorter MIC than
 *   ours) → replay (our own frame reflected back) → unknown-key → replay (counter not above the highest
 *   accepted from that sender under that key) → mic → (counter persisted) → 'message'.
 *
 * The replay check runs before the MIC so a flood of old frames costs no AES; the counter is only
 * recorded once the MIC has proved the frame genuine, and persisted before the message is handed on,
 * so a frame acted upon is never accepted again, even after a restart. Persisting is a group commit:
 * the frames that arrived together (one turn of the event loop) share one write, since a durable
 * write costs more than a frame's airtime; 'message' is therefore emitted asynchronously. Neighbour LQI and
 * last-heard times come only from authenticated frames (a forged frame must not make a lock look
 * alive). Nothing here retransmits: the air loses frames, and rf-transaction.ts deals with that.
 *
 * Keys: `keys` is a Map from key index to 16-byte key (the lock: 1 = network key, 2 = its join key) or
 * a lookup `(keyIndex, peer) => key | undefined` (the node: key index 2 is a different join key per
 * lock). `setKey` overrides either, for every peer.
 */

/** Why a received frame was dropped; each has a counter in {@link RfEndpoint.refused}. */
export const RF_REFUSALS = [
  'bad-fcs',
  'malformed',
  'foreign-pan',
  'not-for-us',
  'unsecured',
  'unknown-key',
  'replay',
  'mic',
] as const;
export type RfRefusal = (typeof RF_REFUSALS)[number];

/** The key for a key index and a peer (the frame's source when receiving, its destination when sending). */
export type RfKeyLookup = (keyIndex: number, peer: Eui64 | typeof BROADCAST) => Uint8Array | undefined;

/** The key index of the network key (RF node ↔ joined locks). */
export const NETWORK_KEY_INDEX = 1;
/** The key index of a lock's join key (only for joining). */
export const JOIN_KEY_INDEX = 2;

/** Security levels an endpoint may send at: ENC-MIC-32/64/128. */
export type RfSecurityLevel = 5 | 6 | 7;

export interface RfEndpointOptions {
  radio: RadioLink;
  /** This radio's EUI-64. */
  ext: Eui64;
  /** The PAN (network) id; frames from other PANs are refused. */
  panId: number;
  keys: ReadonlyMap<number, Uint8Array> | RfKeyLookup;
  /** Outgoing counter and replay windows, persisted. */
  counters: CounterFile;
  /** The level frames are sent at; received frames need at least as long a MIC. Default 6. */
  level?: RfSecurityLevel;
  log?: Log;
}

/** A datagram received and authenticated. */
export interface RfMessage {
  src: Eui64;
  payload: Buffer;
  /** Link quality of the frame, 0–255 (higher is better). */
  lqi: number;
  /** The key index it was secured with (1 network, 2 join). */
  keyIndex: number;
  /** Its frame counter. */
  counter: number;
}

/** What the endpoint knows of a neighbour it has heard (authenticated frames only). */
export interface RfNeighbour {
  lqi: number;
  /** Epoch ms. */
  lastHeardMs: number;
}

export interface RfSendOptions {
  /** Default {@link NETWORK_KEY_INDEX}. */
  keyIndex?: number;
}

/** The broadcast destination (short address 0xffff); every endpoint on the PAN accepts it. */
export const BROADCAST = 'broadcast';

export type RfEndpointErrorCode = 'TOO_LARGE' | 'NO_KEY' | 'COUNTER_EXHAUSTED' | 'CLOSED';

/** A send that cannot be made; the message says what to do. */
export class RfEndpointError extends Error {
  constructor(
    readonly code: RfEndpointErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RfEndpointError';
  }
}

/**
 * MAC overhead of a Lintel data frame to an extended address: frame control 2, seq 1, PAN id 2
 * (compressed), destination 8, source 8, aux security header 6 (control, counter, key index), FCS 2.
 */
const HEADER_BYTES = 2 + 1 + 2 + 8 + 8 + 6;
const FCS_BYTES = 2;

/** The largest payload one frame carries to an extended address at `level`. */
export function maxRfPayload(level: RfSecurityLevel = 6): number {
  return MAX_PSDU - HEADER_BYTES - FCS_BYTES - micLength(level);
}

interface Events {
  message: [RfMessage];
}

export class RfEndpoint extends EventEmitter<Events> {
  readonly ext: Eui64;
  readonly panId: number;
  readonly level: RfSecurityLevel;
  /** Frames refused since start, by reason. */
  readonly refused: Record<RfRefusal, number> = Object.fromEntries(RF_REFUSALS.map((r) => [r, 0])) as Record<
    RfRefusal,
    number
  >;
  /** Frames sent and messages delivered since start. */
  readonly counts = { sent: 0, delivered: 0 };

  private readonly radio: RadioLink;
  private readonly outgoing: OutgoingCounter;
  private readonly replay: ReplayGuard;
  private readonly overrides = new Map<number, Buffer>();
  private readonly lookup: RfKeyLookup;
  private readonly heard = new Map<Eui64, RfNeighbour>();
  private readonly log: Log | undefined;
  private seq = 0;
  private closed = false;
  /** Authenticated, counters recorded in memory, waiting for them to be persisted. */
  private pending: RfMessage[] = [];
  private readonly onFrame = (psdu: Buffer, lqi: number): void => this.receive(psdu, lqi);

  constructor(opts: RfEndpointOptions) {
    super();
    this.ext = parseEui64(opts.ext);
    if (!Number.isInteger(opts.panId) || opts.panId < 0 || opts.panId > 0xfffe)
      throw new RangeError(`PAN id ${opts.panId}: 0 to 0xfffe (0xffff is the broadcast PAN)`);
    this.panId = opts.panId;
    this.level = opts.level ?? 6;
    const keys = opts.keys;
    this.lookup = typeof keys === 'function' ? keys : (index) => keys.get(index);
    this.outgoing = new OutgoingCounter(opts.counters);
    this.replay = new ReplayGuard(opts.counters);
    this.log = opts.log;
    this.radio = opts.radio;
    this.radio.on('frame', this.onFrame);
  }

  /** Sets (or with null, withdraws) the key of `keyIndex` for every peer, over what `keys` says. */
  setKey(keyIndex: number, key: Uint8Array | null): void {
    if (key === null) this.overrides.delete(keyIndex);
    else {
      if (key.length !== 16) throw new RangeError(`an RF key is 16 bytes, not ${key.length}`);
      this.overrides.set(keyIndex, Buffer.from(key));
    }
  }

  /**
   * Sends `payload` (at most {@link maxRfPayload} bytes) to `dst` in one frame. Throws
   * {@link RfEndpointError} when it cannot: too large, no key for the index, counter exhausted (a new
   * key is needed), closed. Delivery is not confirmed.
   */
  send(dst: Eui64 | typeof BROADCAST, payload: Uint8Array, opts: RfSendOptions = {}): void {
    if (this.closed) throw new RfEndpointError('CLOSED', 'the RF endpoint is closed');
    const keyIndex = opts.keyIndex ?? NETWORK_KEY_INDEX;
    const broadcast = dst === BROADCAST;
    const peer = broadcast ? BROADCAST : parseEui64(dst);
    const max = maxRfPayload(this.level) + (broadcast ? 6 : 0);
    if (payload.length > max)
      throw new RfEndpointError(
        'TOO_LARGE',
        `RF payload of ${payload.length} bytes: one frame carries at most ${max} (rf-transaction.ts fragments larger messages)`,
      );
    const key = this.keyFor(keyIndex, peer);
    if (!key)
      throw new RfEndpointError(
        'NO_KEY',
        `no RF key with index ${keyIndex} for ${peer}: set it before sending`,
      );
    let frameCounter: number;
    try {
      frameCounter = this.outgoing.next();
    } catch (err) {
      if (err instanceof CounterExhaustedError) throw new RfEndpointError('COUNTER_EXHAUSTED', err.message);
      throw err;
    }
    const frame: MacFrame = {
      type: 'data',
      framePending: false,
      ackRequest: false,
      panIdCompression: true,
      version: 1,
      seq: this.seq,
      dstPan: this.panId,
      dst: broadcast ? { mode: 'short', short: 0xffff } : { mode: 'ext', ext: peer },
      srcPan: null,
      src: { mode: 'ext', ext: this.ext },
      payload: Buffer.from(payload),
    };
    this.seq = (this.seq + 1) & 0xff;
    this.radio.send(encodeMacFrame(frame, { key, level: this.level, frameCounter, keyIndex }));
    this.counts.sent += 1;
  }

  /** The neighbours heard (authenticated frames), by EUI-64. A copy. */
  neighbours(): Map<Eui64, RfNeighbour> {
    return new Map([...this.heard].map(([k, v]) => [k, { ...v }]));
  }

  /**
   * Forgets the replay windows of `peer` (every key): for a node whose lock has just joined again with
   * a fresh join key after losing its memory, so its restarted counters are accepted. Only call it on
   * such proof: it lets frames that peer sent before be accepted once more.
   */
  forgetPeer(peer: Eui64): void {
    this.replay.forget(parseEui64(peer));
  }

  /** Stops listening (the radio stays open: its owner closes it). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.radio.off('frame', this.onFrame);
    this.removeAllListeners();
  }

  private keyFor(keyIndex: number, peer: Eui64 | typeof BROADCAST): Buffer | undefined {
    const key = this.overrides.get(keyIndex) ?? this.lookup(keyIndex, peer);
    return key && key.length === 16 ? Buffer.from(key) : undefined;
  }

  private refuse(reason: RfRefusal): void {
    this.refused[reason] += 1;
  }

  /** Never throws: whatever arrives on the air is counted and dropped, or delivered. */
  private receive(psdu: Buffer, lqi: number): void {
    if (this.closed) return;
    let decoded;
    try {
      decoded = decodeMacFrame(psdu);
    } catch (err) {
      if (err instanceof MacFrameError && err.code === 'FCS') this.refuse('bad-fcs');
      else this.refuse('malformed');
      return;
    }
    const { frame, secured } = decoded;
    if (frame.type !== 'data' || frame.src?.mode !== 'ext' || !frame.dst) return this.refuse('malformed');
    const pan = frame.dstPan;
    if (pan !== this.panId && pan !== 0xffff) return this.refuse('foreign-pan');
    const toUs =
      frame.dst.mode === 'ext'
        ? frame.dst.ext === this.ext
        : frame.dst.mode === 'short' && frame.dst.short === 0xffff;
    if (!toUs) return this.refuse('not-for-us');
    if (
      !secured ||
      secured.level < 5 ||
      micLength(secured.level) < micLength(this.level) ||
      secured.keyIdMode !== 1
    )
      return this.refuse('unsecured');
    const src = frame.src.ext;
    // Our own frame sent back to us (a broadcast would pass every other check): a reflection.
    if (src === this.ext) return this.refuse('replay');
    const keyIndex = secured.keyIndex ?? -1;
    const key = this.keyFor(keyIndex, src);
    if (!key) return this.refuse('unknown-key');
    if (!this.replay.fresh(src, secured.frameCounter, key)) return this.refuse('replay');
    let payload: Buffer;
    try {
      payload = unsecureBody(decoded, key, src);
    } catch (err) {
      if (err instanceof CcmStarError || err instanceof MacFrameError) return this.refuse('mic');
      throw err;
    }
    if (!this.replay.record(src, secured.frameCounter, key)) return this.refuse('replay');
    this.heard.set(src, { lqi, lastHeardMs: Date.now() });
    this.pending.push({ src, payload, lqi, keyIndex, counter: secured.frameCounter });
    // Group commit: frames that arrived together are persisted with one write, then handed on.
    if (this.pending.length === 1) setImmediate(() => this.deliver());
  }

  /** Persists the counters of the frames waiting, then hands them on (never before). */
  private deliver(): void {
    const batch = this.pending;
    this.pending = [];
    if (this.closed || !batch.length) return;
    try {
      this.replay.persist();
    } catch (err) {
      // Not persisted: not acted on either (the senders retransmit with new counters).
      this.log?.error({ err }, 'rf-endpoint: could not persist the replay counters; frames dropped');
      return;
    }
    for (const message of batch) {
      this.counts.delivered += 1;
      try {
        this.emit('message', message);
      } catch (err) {
        // A listener's bug must not take the radio down with it (nor leak the payload into the log).
        this.log?.error({ err, src: message.src }, 'rf-endpoint: a message listener threw');
      }
    }
  }
}
