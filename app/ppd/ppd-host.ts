import { timingSafeEqual } from 'node:crypto';
import { pairConfirmation, wrapPairingKey } from '../ncoder/ncoder-pairing.js';
import type { SerialPorts, SerialTransport } from '../ports/serial.js';
import { openSession, preAuthCall, SessionError, type SessionClient } from '../serial-link/session.js';
import { SerialLinkError, SerialRequester } from '../serial-link/transaction.js';
import {
  MAX_ROUND_BYTES,
  MAX_ROUND_CHUNK,
  PPD_LABEL,
  PPD_PROTOCOL_VERSION,
  SITE_TAG_BYTES,
  decodePpdIdentity,
  decodePpdResponse,
  decodePreAuthResponse,
  encodePpdRequest,
  encodePreAuthRequest,
  type PpdErrorCode as WireErrorCode,
  type PpdRequest,
  type PpdResponse,
  type PreAuthResponse,
} from './ppd-messages.js';
import { PayloadError, decodeResults, encodeRound, payloadDigest } from './ppd-payloads.js';
import type { Round, VisitResult } from './round.js';

/**
 * The Service's client for the PPD on a serial port (docs/ppd.md): pairing in clear, then everything
 * in the session under the pairing key — the round loaded in chunks (a load cut short resumes where the
 * PPD's memory stopped), the visit results read back and acknowledged only once the caller stored them.
 * Every failure is a {@link PpdError} whose code the Service maps and whose message tells the operator
 * what to do.
 */

export type PpdErrorCode =
  /** Nothing answered like a PPD on that port (another device, nothing plugged in, another protocol version). */
  | 'NOT_A_PPD'
  /** The PPD is paired with another site (or proved another key). */
  | 'OTHER_SITE'
  /** The PPD is not paired (or was reset): pair it first. */
  | 'UNPAIRED'
  /** The port closed or the PPD stopped answering (cable pulled, switched off). */
  | 'DISCONNECTED'
  /** The PPD refused the request (already paired, its memory failing). */
  | 'REFUSED'
  /** The PPD holds visit results not yet synced: sync before loading another round. */
  | 'BUSY'
  /** An answer that made no sense. */
  | 'PROTOCOL'
  /** The caller's signal aborted the operation. */
  | 'CANCELLED';

/** A PPD operation failed; `code` says why, the message says what to do. */
export class PpdError extends Error {
  constructor(
    readonly code: PpdErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PpdError';
  }
}

export interface PpdInfo {
  serial: string;
  firmware: string;
  paired: 'unpaired' | 'this-site' | 'other-site';
  /** Percent. */
  battery: number;
}

export interface PpdState {
  /**
   * The round the PPD carries; while a load is unfinished (a cable pulled mid-load), that load, with
   * loadedBytes < totalBytes and no tasks yet.
   */
  round: { roundId: string; tasks: number; loadedBytes: number; totalBytes: number; visited: number } | null;
  resultsPending: number;
}

const OTHER_SITE_ADVICE = 'reset it (on the PPD: Settings → Reset) to pair it with this one';

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export class PpdHost {
  private session: SessionClient | undefined;
  private pairingKey: Buffer | undefined;
  private lastRead: { firstSeq: number; count: number } | undefined;
  private closedBy: Error | undefined;

  private constructor(
    readonly path: string,
    private readonly transport: SerialTransport,
    private readonly requester: SerialRequester,
  ) {
    transport.onClose((err) => {
      this.closedBy = err ?? new Error('closed');
    });
  }

  /** Opens the PPD's serial port (115,200 baud, 8N1 unless told). Nothing is sent yet. */
  static async open(ports: SerialPorts, path: string, opts: { baudRate?: number } = {}): Promise<PpdHost> {
    const baudRate = opts.baudRate ?? 115_200;
    let transport: SerialTransport;
    try {
      transport = await ports.open(path, { baudRate });
    } catch (err) {
      throw new PpdError(
        'DISCONNECTED',
        `Cannot open ${path} (${err instanceof Error ? err.message : String(err)}): check the PPD's cable is plugged in and no other program uses the port`,
        { cause: err },
      );
    }
    return new PpdHost(path, transport, new SerialRequester(transport, { baudRate }));
  }

  /** What the PPD says about itself; `siteTag` (16 bytes) tells it which site asks. */
  async info(siteTag: Uint8Array): Promise<PpdInfo> {
    const i = await this.rawInfo(siteTag);
    return { serial: i.serial, firmware: i.firmware, paired: i.pairing, battery: i.battery };
  }

  /** Hands an unpaired PPD the site's pairing key (wrapped: it never crosses the cable in clear). */
  async pair(pairingKey: Uint8Array, siteTag: Uint8Array): Promise<void> {
    if (pairingKey.length !== 16) throw new RangeError('ppd-host: a pairing key is 16 bytes');
    const i = await this.rawInfo(siteTag);
    if (i.pairing === 'other-site')
      throw new PpdError('OTHER_SITE', `This PPD is paired with another site: ${OTHER_SITE_ADVICE}`);
    if (i.pairing === 'this-site' || !i.pairingPublicKey)
      throw new PpdError(
        'REFUSED',
        'This PPD is already paired with this site: nothing to pair (to pair it again, reset it first: on the PPD, Settings → Reset)',
      );
    const { hostPublicKey, wrappedKey } = wrapPairingKey(pairingKey, i.pairingPublicKey, i.serial, PPD_LABEL);
    const answer = await this.preAuth(
      encodePreAuthRequest({ type: 'pair', hostPublicKey, wrappedKey, siteTag }),
    );
    if (answer.type === 'error') {
      if (answer.code === 'ALREADY_PAIRED')
        throw new PpdError('REFUSED', `The PPD is already paired: ${OTHER_SITE_ADVICE}`);
      throw new PpdError('PROTOCOL', `The PPD refused the pairing (${answer.detail}): try again`);
    }
    if (answer.type !== 'paired') throw this.nonsense('PAIR');
    if (!sameBytes(answer.confirm, pairConfirmation(pairingKey, i.serial, hostPublicKey, PPD_LABEL)))
      throw new PpdError('PROTOCOL', 'The PPD did not confirm the pairing key: reset it and pair it again');
  }

  /** Opens the session under the pairing key; OTHER_SITE when the PPD holds another key. */
  async authenticate(pairingKey: Uint8Array, signal?: AbortSignal): Promise<void> {
    if (pairingKey.length !== 16) throw new RangeError('ppd-host: a pairing key is 16 bytes');
    this.session?.close();
    this.session = undefined;
    const key = Buffer.from(pairingKey);
    try {
      this.session = await openSession(this.requester, {
        label: PPD_LABEL,
        keyFor: (identity) => {
          try {
            decodePpdIdentity(identity);
            return key;
          } catch {
            return undefined;
          }
        },
        ...(signal ? { signal } : {}),
      });
      this.pairingKey = key;
    } catch (err) {
      if (err instanceof SessionError && err.code === 'REFUSED') {
        // The PPD takes no key at all (unpaired) or refused ours: INFO tells which.
        const i = await this.rawInfo(Buffer.alloc(SITE_TAG_BYTES));
        if (i.pairing === 'unpaired')
          throw new PpdError(
            'UNPAIRED',
            'This PPD is not paired (or was reset): pair it with this site first',
            {
              cause: err,
            },
          );
        throw new PpdError('OTHER_SITE', `This PPD is paired with another site: ${OTHER_SITE_ADVICE}`, {
          cause: err,
        });
      }
      throw this.failure(err);
    }
  }

  /** The round the PPD carries and the results it holds. */
  async state(): Promise<PpdState> {
    const a = await this.call({ type: 'state' });
    if (a.type !== 'state') throw this.nonsense('STATE');
    const round = a.loading
      ? {
          roundId: a.loading.roundId,
          tasks: 0,
          loadedBytes: a.loading.loadedBytes,
          totalBytes: a.loading.totalBytes,
          visited: 0,
        }
      : a.round && {
          roundId: a.round.roundId,
          tasks: a.round.tasks,
          loadedBytes: a.round.totalBytes,
          totalBytes: a.round.totalBytes,
          visited: a.round.visited,
        };
    return { round, resultsPending: a.resultsPending };
  }

  /**
   * Loads `round` in chunks, resuming a load of the same bytes cut short earlier; the PPD replaces a
   * different round only when it holds no unsynced results (else BUSY). Progress counts bytes.
   */
  async loadRound(
    round: Round,
    opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<void> {
    let bytes: Buffer;
    try {
      bytes = encodeRound(round);
    } catch (err) {
      throw new PpdError(
        'REFUSED',
        err instanceof PayloadError
          ? `${err.message}: split the round into smaller ones`
          : 'not a valid round',
        { cause: err },
      );
    }
    if (bytes.length > MAX_ROUND_BYTES)
      throw new PpdError('REFUSED', `The round is ${bytes.length} bytes, more than a PPD holds: split it`);
    const sha256 = payloadDigest(bytes);
    for (let attempt = 0; ; attempt++) {
      const begun = await this.call(
        { type: 'begin-round', roundId: round.roundId, totalBytes: bytes.length, sha256 },
        opts.signal,
      );
      if (begun.type !== 'resume-at' || begun.offset > bytes.length) throw this.nonsense('BEGIN');
      let offset = begun.offset;
      opts.onProgress?.(offset, bytes.length);
      while (offset < bytes.length) {
        const chunk = bytes.subarray(offset, offset + MAX_ROUND_CHUNK);
        const a = await this.call({ type: 'round-chunk', offset, bytes: chunk }, opts.signal);
        if (a.type !== 'loaded' || a.loaded !== offset + chunk.length) throw this.nonsense('CHUNK');
        offset = a.loaded;
        opts.onProgress?.(offset, bytes.length);
      }
      try {
        const done = await this.call({ type: 'commit-round' }, opts.signal, ['DIGEST']);
        if (done.type !== 'done') throw this.nonsense('COMMIT');
        return;
      } catch (err) {
        // The PPD's staged bytes did not match (its memory was damaged mid-load): it dropped them; once more.
        if (attempt === 0 && err instanceof WireRefusal) continue;
        throw err instanceof WireRefusal ? this.refusal(err.answer) : err;
      }
    }
  }

  /**
   * Every result the PPD holds, oldest first. (A PPD holding more than 32 MiB of results gives the
   * oldest that fit; after {@link ackResults}, `state().resultsPending` shows the rest: sync again.)
   */
  async readResults(
    opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<VisitResult[]> {
    // A visit finishing while we read changes the payload: start over (at most a few times).
    for (let attempt = 0; attempt < 4; attempt++) {
      const parts: Buffer[] = [];
      let head: Extract<PpdResponse, { type: 'results' }> | undefined;
      let offset = 0;
      let changed = false;
      for (;;) {
        const a = await this.call({ type: 'read-results', offset }, opts.signal);
        if (a.type !== 'results' || a.offset !== offset) throw this.nonsense('RESULTS');
        if (!head) head = a;
        else if (
          a.totalBytes !== head.totalBytes ||
          a.firstSeq !== head.firstSeq ||
          !sameBytes(a.sha256, head.sha256)
        ) {
          changed = true;
          break;
        }
        parts.push(Buffer.from(a.bytes));
        offset += a.bytes.length;
        opts.onProgress?.(offset, a.totalBytes);
        if (offset >= a.totalBytes) break;
        if (a.bytes.length === 0) throw this.nonsense('RESULTS');
      }
      if (changed || !head) continue;
      const payload = Buffer.concat(parts);
      if (payload.length !== head.totalBytes || !sameBytes(payloadDigest(payload), head.sha256))
        throw new PpdError('PROTOCOL', 'The results read from the PPD do not match their digest: sync again');
      let results: VisitResult[];
      try {
        results = decodeResults(payload);
      } catch (err) {
        throw new PpdError('PROTOCOL', `The PPD's results are unreadable (${(err as Error).message})`, {
          cause: err,
        });
      }
      if (results.length !== head.count) throw this.nonsense('RESULTS');
      this.lastRead = { firstSeq: head.firstSeq, count: head.count };
      return results;
    }
    throw new PpdError(
      'BUSY',
      'The PPD kept recording visits while its results were read: sync again when it is idle',
    );
  }

  /** The PPD forgets the first `count` results of the last {@link readResults} (call only once they are stored). */
  async ackResults(count: number): Promise<void> {
    if (!Number.isInteger(count) || count < 0) throw new RangeError('ppd-host: count is a whole number');
    if (count === 0) return;
    const read = this.lastRead;
    if (!read || count > read.count)
      throw new RangeError(`ppd-host: ${count} results acknowledged, ${read?.count ?? 0} were read`);
    const a = await this.call({ type: 'ack-results', throughSeq: read.firstSeq + count - 1 });
    if (a.type !== 'done') throw this.nonsense('ACK');
  }

  /** Ends the session and closes the port. */
  async close(): Promise<void> {
    this.session?.close();
    this.session = undefined;
    this.pairingKey?.fill(0);
    this.pairingKey = undefined;
    this.requester.close();
    await this.transport.close();
  }

  private async rawInfo(siteTag: Uint8Array): Promise<Extract<PreAuthResponse, { type: 'info' }>['info']> {
    if (siteTag.length !== SITE_TAG_BYTES) throw new RangeError('ppd-host: a site tag is 16 bytes');
    let answer: PreAuthResponse;
    try {
      answer = await this.preAuth(encodePreAuthRequest({ type: 'info', siteTag }));
    } catch (err) {
      if (err instanceof PpdError && (err.code === 'PROTOCOL' || this.timedOut(err)))
        throw new PpdError(
          'NOT_A_PPD',
          `No PPD answered on ${this.path}: check it is the PPD's port, that its cable is in and that it is switched on`,
          { cause: err },
        );
      throw err;
    }
    if (answer.type !== 'info')
      throw new PpdError(
        'NOT_A_PPD',
        `The device on ${this.path} did not answer as a PPD: choose the PPD's port`,
      );
    if (answer.info.protocol !== PPD_PROTOCOL_VERSION)
      throw new PpdError(
        'NOT_A_PPD',
        `The PPD on ${this.path} speaks protocol ${answer.info.protocol}, this console ${PPD_PROTOCOL_VERSION}: update the PPD's firmware or the console`,
      );
    return answer.info;
  }

  private timedOut(err: PpdError): boolean {
    return err.cause instanceof SerialLinkError && err.cause.code === 'TIMEOUT';
  }

  private async preAuth(payload: Uint8Array): Promise<PreAuthResponse> {
    this.assertOpen();
    let answer: Buffer;
    try {
      answer = await preAuthCall(this.requester, payload);
    } catch (err) {
      throw this.failure(err);
    }
    try {
      return decodePreAuthResponse(answer);
    } catch (err) {
      throw new PpdError(
        'PROTOCOL',
        `The device on ${this.path} answered something that is not a PPD message`,
        {
          cause: err,
        },
      );
    }
  }

  /**
   * One request in the session. A session the PPD no longer knows (it restarted, or its cable was
   * pulled and put back) is opened again once with the same key: every request is safe to repeat.
   */
  private async call(
    req: PpdRequest,
    signal?: AbortSignal,
    passThrough: WireErrorCode[] = [],
  ): Promise<PpdResponse> {
    this.assertOpen();
    if (!this.session) throw new PpdError('UNPAIRED', 'Not authenticated with the PPD: authenticate first');
    const plain = encodePpdRequest(req);
    let answer: Buffer;
    try {
      answer = await this.session.call(plain, signal ? { signal } : {});
    } catch (err) {
      if (!(err instanceof SessionError) || !this.pairingKey) throw this.failure(err);
      await this.authenticate(this.pairingKey, signal);
      try {
        answer = await this.session.call(plain, signal ? { signal } : {});
      } catch (again) {
        throw this.failure(again);
      }
    }
    let m: PpdResponse;
    try {
      m = decodePpdResponse(answer);
    } catch (err) {
      throw new PpdError(
        'PROTOCOL',
        'The PPD answered something unreadable: unplug it, plug it in again and retry',
        {
          cause: err,
        },
      );
    }
    if (m.type === 'error') {
      if (passThrough.includes(m.code)) throw new WireRefusal(m);
      throw this.refusal(m);
    }
    return m;
  }

  private refusal(m: { code: WireErrorCode; detail: string }): PpdError {
    switch (m.code) {
      case 'BUSY':
        return new PpdError('BUSY', `The PPD ${m.detail.replace(/^the PPD /, '')}`);
      case 'OTHER_SITE':
        return new PpdError(
          'OTHER_SITE',
          `The round is for another site than this PPD's (${m.detail}): ${OTHER_SITE_ADVICE}`,
        );
      case 'STORAGE':
        return new PpdError('REFUSED', `The PPD could not store it (${m.detail}): check the PPD and retry`);
      case 'ALREADY_PAIRED':
        return new PpdError('REFUSED', `The PPD is already paired: ${OTHER_SITE_ADVICE}`);
      default:
        return new PpdError('PROTOCOL', `The PPD refused the request (${m.code}: ${m.detail}): try again`);
    }
  }

  private nonsense(what: string): PpdError {
    return new PpdError(
      'PROTOCOL',
      `The PPD gave an unexpected answer to ${what}: unplug it, plug it in again and retry`,
    );
  }

  private assertOpen(): void {
    if (this.closedBy)
      throw new PpdError(
        'DISCONNECTED',
        `The PPD's port ${this.path} closed (${this.closedBy.message}): plug the PPD in again and retry`,
      );
  }

  /** A lower layer's error as a PpdError that says what to do. */
  private failure(err: unknown): PpdError {
    if (err instanceof PpdError) return err;
    if (err instanceof SerialLinkError) {
      switch (err.code) {
        case 'ABORTED':
          return new PpdError('CANCELLED', 'Cancelled', { cause: err });
        case 'TIMEOUT':
          return new PpdError(
            'DISCONNECTED',
            `The PPD on ${this.path} stopped answering: check its cable and that it is switched on, then retry (a load resumes where it stopped)`,
            { cause: err },
          );
        case 'CLOSED':
          return new PpdError(
            'DISCONNECTED',
            `The PPD's port ${this.path} closed: plug the PPD in again and retry (a load resumes where it stopped)`,
            { cause: err },
          );
        case 'TOO_LARGE':
          return new PpdError('PROTOCOL', `A message was too large for the serial link: ${err.message}`, {
            cause: err,
          });
      }
    }
    if (err instanceof SessionError) {
      if (err.code === 'DEVICE_PROOF')
        return new PpdError('OTHER_SITE', `This PPD is paired with another site: ${OTHER_SITE_ADVICE}`, {
          cause: err,
        });
      if (err.code === 'UNKNOWN_DEVICE')
        return new PpdError('NOT_A_PPD', `The device on ${this.path} is not a PPD: choose the PPD's port`, {
          cause: err,
        });
      return new PpdError(
        'PROTOCOL',
        `The PPD's session failed (${err.message}): unplug the PPD, plug it in again and retry`,
        { cause: err },
      );
    }
    if (err instanceof Error && err.name === 'AbortError')
      return new PpdError('CANCELLED', 'Cancelled', { cause: err });
    return new PpdError('PROTOCOL', `PPD: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

/** An ERROR answer a caller handles itself (COMMIT's DIGEST). */
class WireRefusal extends Error {
  constructor(readonly answer: { code: WireErrorCode; detail: string }) {
    super(answer.detail);
  }
}
