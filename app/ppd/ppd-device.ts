import { timingSafeEqual } from 'node:crypto';
import type { Log } from '../log.js';
import {
  pairConfirmation,
  pairingKeyPair,
  unwrapPairingKey,
  type PairingKeyPair,
} from '../ncoder/ncoder-pairing.js';
import type { SerialTransport } from '../ports/serial.js';
import { SessionServer, type SessionRefusals } from '../serial-link/session.js';
import { SerialResponder } from '../serial-link/transaction.js';
import type { PpdMemory } from './ppd-memory.js';
import { type PpdLoading } from './ppd-memory.js';
import {
  MAX_RESULTS_CHUNK,
  MAX_ROUND_BYTES,
  PPD_LABEL,
  PPD_PROTOCOL_VERSION,
  PpdMessageError,
  decodePpdRequest,
  decodePreAuthRequest,
  encodePpdIdentity,
  encodePpdResponse,
  encodePreAuthResponse,
  type PairingState,
  type PpdErrorCode,
  type PpdRequest,
  type PpdResponse,
  type PreAuthRequest,
  type PreAuthResponse,
} from './ppd-messages.js';
import { MAX_PAYLOAD_JSON, PayloadError, decodeRound, encodeResults, payloadDigest } from './ppd-payloads.js';
import type { VisitResult } from './round.js';

/**
 * The PPD's end of the console link (docs/ppd.md): the session server (app/serial-link) behind a
 * serial responder on its console port, answering the pre-authentication messages (INFO, PAIR) and,
 * inside the session, the round and results messages, over its memory (ppd-memory.ts). The simulator
 * drives it; firmware would do the same in C. Every refusal is an ERROR answer with a code and words;
 * nothing a request can send crashes it or changes its memory unless the request is valid.
 */

export interface PpdDeviceOptions {
  memory: PpdMemory;
  log?: Log;
  /** Told after the memory changed because of the console (a round loaded, results acknowledged…). */
  onChange?: (what: string) => void;
}

/** An open console port: the session lives as long as the port (a pulled cable ends it). */
interface ConsolePort {
  transport: SerialTransport;
  responder: SerialResponder;
  stopClose: () => void;
}

function refuse(code: PpdErrorCode, detail: string): { type: 'error'; code: PpdErrorCode; detail: string } {
  return { type: 'error', code, detail };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export class PpdDevice {
  readonly memory: PpdMemory;
  private readonly session: SessionServer;
  private pairingPair: PairingKeyPair | undefined;
  private port: ConsolePort | undefined;
  /** The last BEGIN that matched the round already committed: its COMMIT (repeated) is answered DONE. */
  private recommit: string | undefined;
  private resultsCache:
    { changes: number; bytes: Buffer; digest: Buffer; count: number; firstSeq: number } | undefined;

  constructor(private readonly opts: PpdDeviceOptions) {
    this.memory = opts.memory;
    this.session = new SessionServer({
      label: PPD_LABEL,
      identity: () => encodePpdIdentity(this.memory.serial),
      key: () => this.memory.pairing?.key,
      handle: (plain) => Promise.resolve(this.handleSession(plain)),
      preAuth: (payload) => Promise.resolve(this.handlePreAuth(payload)),
    });
  }

  /** What the session refused so far (replays, forgeries, failed handshakes…). */
  get refused(): SessionRefusals {
    return this.session.refused;
  }

  /** True while a console holds an authenticated session. */
  get inSession(): boolean {
    return this.session.authenticated;
  }

  /** True while the console port is open. */
  get plugged(): boolean {
    return this.port !== undefined;
  }

  /** Serves the console on `transport` until it closes or {@link unplug} is called. */
  plug(transport: SerialTransport): void {
    if (this.port) throw new Error('ppd: the console port is already open: unplug first');
    const responder = new SerialResponder(transport, (payload) => this.session.handle(payload));
    const port: ConsolePort = {
      transport,
      responder,
      stopClose: transport.onClose(() => {
        if (this.port === port) this.detach();
      }),
    };
    this.port = port;
  }

  /** Stops serving the console and closes the port (a cable pulled): the session ends. */
  async unplug(): Promise<void> {
    const port = this.port;
    if (!port) return;
    this.detach();
    await port.transport.close();
  }

  /** Keeps the result of a visit; the round's task counts as visited. */
  recordVisit(result: VisitResult): void {
    this.memory.addResult(result);
  }

  /** Factory reset (Settings → Reset): unpaired, empty, session ended. */
  factoryReset(): void {
    this.session.reset();
    this.pairingPair = undefined;
    this.recommit = undefined;
    this.memory.reset();
  }

  /** The pairing state for a console that presents `siteTag`. */
  pairingFor(siteTag: Uint8Array): PairingState {
    const p = this.memory.pairing;
    if (!p) return 'unpaired';
    return sameBytes(p.siteTag, siteTag) ? 'this-site' : 'other-site';
  }

  private detach(): void {
    const port = this.port;
    if (!port) return;
    this.port = undefined;
    port.responder.close();
    port.stopClose();
    this.session.reset();
    this.pairingPair = undefined;
  }

  /** INFO and PAIR, in clear. */
  handlePreAuth(payload: Uint8Array): Buffer {
    let m: PreAuthRequest;
    try {
      m = decodePreAuthRequest(payload);
    } catch (err) {
      return encodePreAuthResponse(refuse('BAD_REQUEST', (err as Error).message));
    }
    return encodePreAuthResponse(this.preAuth(m));
  }

  private preAuth(m: PreAuthRequest): PreAuthResponse {
    const memory = this.memory;
    switch (m.type) {
      case 'info': {
        const pairing = this.pairingFor(m.siteTag);
        // A new key pair per INFO: an attempt that never finished leaves nothing reusable.
        this.pairingPair = pairing === 'unpaired' ? pairingKeyPair() : undefined;
        return {
          type: 'info',
          info: {
            protocol: PPD_PROTOCOL_VERSION,
            serial: memory.serial,
            firmware: memory.firmware,
            battery: memory.battery,
            pairing,
            ...(this.pairingPair ? { pairingPublicKey: this.pairingPair.publicKey } : {}),
          },
        };
      }
      case 'pair': {
        if (memory.pairing)
          return refuse(
            'ALREADY_PAIRED',
            'already paired: reset the PPD (Settings → Reset) to pair it again',
          );
        const own = this.pairingPair;
        this.pairingPair = undefined;
        if (!own) return refuse('PAIR_FAILED', 'no pairing key offered: ask INFO first');
        const key = unwrapPairingKey(own, m.hostPublicKey, m.wrappedKey, memory.serial, PPD_LABEL);
        if (!key) return refuse('PAIR_FAILED', 'the pairing key did not open');
        try {
          memory.pair(key, m.siteTag);
        } catch {
          return refuse('STORAGE', 'the pairing could not be stored');
        }
        this.opts.log?.info({ serial: memory.serial }, 'ppd: paired');
        this.opts.onChange?.('paired');
        return { type: 'paired', confirm: pairConfirmation(key, memory.serial, m.hostPublicKey, PPD_LABEL) };
      }
    }
  }

  /** One authenticated request → its answer (never throws: a failure is an ERROR answer). */
  handleSession(plain: Uint8Array): Buffer {
    let m: PpdRequest;
    try {
      m = decodePpdRequest(plain);
    } catch (err) {
      if (!(err instanceof PpdMessageError)) throw err;
      return encodePpdResponse(refuse('BAD_REQUEST', err.message));
    }
    let answer: PpdResponse;
    try {
      answer = this.perform(m);
    } catch (err) {
      this.opts.log?.error({ err: err instanceof Error ? err.message : String(err) }, 'ppd: request failed');
      answer = refuse(
        'STORAGE',
        'the PPD could not store this: check its memory (the simulator’s --state folder)',
      );
    }
    return encodePpdResponse(answer);
  }

  private perform(m: PpdRequest): PpdResponse {
    const memory = this.memory;
    switch (m.type) {
      case 'state': {
        const r = memory.round;
        const l = memory.loading;
        return {
          type: 'state',
          round: r && {
            roundId: r.round.roundId,
            tasks: r.round.tasks.length,
            visited: r.visited.size,
            totalBytes: r.totalBytes,
          },
          loading: l && { roundId: l.roundId, loadedBytes: l.loadedBytes, totalBytes: l.totalBytes },
          resultsPending: memory.results.length,
        };
      }
      case 'begin-round':
        return this.beginRound(m.roundId, m.totalBytes, m.sha256);
      case 'round-chunk': {
        const l = memory.loading;
        if (!l) return refuse('NO_LOAD', 'no round is being loaded: BEGIN first');
        const end = m.offset + m.bytes.length;
        if (end > l.totalBytes)
          return refuse('BAD_REQUEST', `bytes past the end of the round (${l.totalBytes})`);
        if (end <= l.loadedBytes) return { type: 'loaded', loaded: l.loadedBytes }; // a repeat: already held
        if (m.offset !== l.loadedBytes)
          return refuse('BAD_REQUEST', `expected the bytes at ${l.loadedBytes}, got ${m.offset}`);
        return { type: 'loaded', loaded: memory.appendLoad(m.offset, m.bytes) };
      }
      case 'commit-round':
        return this.commitRound();
      case 'read-results': {
        const blob = this.results();
        if (m.offset > blob.bytes.length)
          return refuse('BAD_REQUEST', `offset ${m.offset} is past the results (${blob.bytes.length} bytes)`);
        return {
          type: 'results',
          totalBytes: blob.bytes.length,
          count: blob.count,
          firstSeq: blob.firstSeq,
          sha256: blob.digest,
          offset: m.offset,
          bytes: blob.bytes.subarray(m.offset, m.offset + MAX_RESULTS_CHUNK),
        };
      }
      case 'ack-results': {
        const held = memory.firstResultSeq + memory.results.length - 1;
        if (m.throughSeq > held)
          return refuse('BAD_REQUEST', `result ${m.throughSeq} was never given out (the newest is ${held})`);
        const before = memory.results.length;
        memory.ackResults(m.throughSeq);
        if (memory.results.length !== before) this.opts.onChange?.('results acknowledged');
        return { type: 'done' };
      }
      case 'clear-round':
        memory.clearRound();
        this.recommit = undefined;
        this.opts.onChange?.('round cleared');
        return { type: 'done' };
    }
  }

  private busy(): PpdResponse | undefined {
    const n = this.memory.results.length;
    if (n === 0) return undefined;
    return refuse(
      'BUSY',
      `the PPD holds ${n} visit result${n === 1 ? '' : 's'} not yet synced: sync it before loading another round`,
    );
  }

  private beginRound(roundId: string, totalBytes: number, sha256: Uint8Array): PpdResponse {
    const memory = this.memory;
    this.recommit = undefined;
    if (totalBytes < 1 || totalBytes > MAX_ROUND_BYTES)
      return refuse('BAD_REQUEST', `a round is 1 to ${MAX_ROUND_BYTES} bytes, not ${totalBytes}`);
    const r = memory.round;
    if (r && r.round.roundId === roundId && r.totalBytes === totalBytes && sameBytes(r.digest, sha256)) {
      this.recommit = roundId; // loaded and committed before: nothing to send, COMMIT confirms
      return { type: 'resume-at', offset: totalBytes };
    }
    const l: PpdLoading | null = memory.loading;
    if (l && l.roundId === roundId && l.totalBytes === totalBytes && sameBytes(l.digest, sha256))
      return { type: 'resume-at', offset: l.loadedBytes };
    const busy = this.busy();
    if (busy) return busy;
    memory.startLoad(roundId, sha256, totalBytes);
    return { type: 'resume-at', offset: 0 };
  }

  private commitRound(): PpdResponse {
    const memory = this.memory;
    const l = memory.loading;
    if (!l) {
      if (this.recommit && memory.round?.round.roundId === this.recommit) return { type: 'done' };
      return refuse('NO_LOAD', 'no round is being loaded: BEGIN first');
    }
    if (l.loadedBytes < l.totalBytes)
      return refuse('INCOMPLETE', `${l.loadedBytes} of ${l.totalBytes} bytes loaded: send the rest first`);
    const bytes = memory.loadedBytes();
    if (!sameBytes(payloadDigest(bytes), l.digest)) {
      memory.dropLoad();
      return refuse(
        'DIGEST',
        'the round bytes do not match their digest: the load was dropped, load it again',
      );
    }
    let round;
    try {
      round = decodeRound(bytes);
    } catch (err) {
      memory.dropLoad();
      return refuse('INVALID_ROUND', err instanceof PayloadError ? err.message : 'not a round');
    }
    if (round.roundId !== l.roundId) {
      memory.dropLoad();
      return refuse('INVALID_ROUND', `the bytes hold round ${round.roundId}, not ${l.roundId}`);
    }
    const siteId = memory.pairing?.siteId;
    if (siteId && siteId !== round.siteId) {
      memory.dropLoad();
      return refuse('OTHER_SITE', `this PPD serves site ${siteId}, the round is for ${round.siteId}`);
    }
    const replacing = memory.round && memory.round.round.roundId !== round.roundId;
    if (replacing) {
      const busy = this.busy();
      if (busy) return busy; // visits happened during the load: the load stays, sync first
    }
    memory.commitLoad(round);
    this.opts.log?.info({ roundId: round.roundId, tasks: round.tasks.length }, 'ppd: round loaded');
    this.opts.onChange?.('round loaded');
    return { type: 'done' };
  }

  /** The pending results as they travel, serialized once per change (a read takes many chunks). */
  private results(): { bytes: Buffer; digest: Buffer; count: number; firstSeq: number } {
    const memory = this.memory;
    if (this.resultsCache?.changes !== memory.changes) {
      // The oldest results up to half the payload cap: a PPD that holds more (thousands of visits with
      // full audit rings) hands them over in several syncs, each acknowledged before the next.
      let count = 0;
      let json = 2;
      for (const r of memory.results) {
        json += JSON.stringify(r).length + 1;
        if (count > 0 && json > MAX_PAYLOAD_JSON / 2) break;
        count++;
      }
      const bytes = encodeResults(memory.results.slice(0, count));
      this.resultsCache = {
        changes: memory.changes,
        bytes,
        digest: payloadDigest(bytes),
        count,
        firstSeq: memory.firstResultSeq,
      };
    }
    return this.resultsCache;
  }
}
