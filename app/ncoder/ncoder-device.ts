import { randomBytes } from 'node:crypto';
import {
  BLOCK,
  PROTOCOL_VERSION,
  decodeHostMessage,
  encodeDeviceMessage,
  type DeviceErrorCode,
  type DeviceMessage,
  type HostMessage,
} from './ncoder-messages.js';
import { pairConfirmation, pairingKeyPair, unwrapPairingKey, type PairingKeyPair } from './ncoder-pairing.js';
import { SecureSession, authProof, deriveSessionKeys, proofMatches } from './ncoder-session.js';
import { GROUP_KEY_BYTES, groupKeyIdOf, wrapGroupKey } from '../mobile/group-key.js';
import { readTokenHeader, sealToken } from '../mobile/token.js';
import type { CardField } from './ncoder-field.js';
import { MAX_APDU, type SessionRequest, type SessionResponse } from './session-messages.js';

/**
 * The NCoder's side of the protocol: one request message in, at most one answer out. The simulator
 * puts it behind the HID framing; firmware would do the same in C. It holds the pairing key (given to
 * `onPaired` to persist), the AUTH in progress and the session.
 */

/** What the device engine needs. */
export interface NcoderDeviceOptions {
  serial: string;
  firmware: string;
  field: CardField;
  /** The stored pairing key, or null when unpaired. */
  pairingKey: Uint8Array | null;
  /** Persists a new pairing state (a key after PAIR, null after a factory reset); throwing refuses it. */
  onPairingChange?: (key: Uint8Array | null) => void;
  /** The stored mobile group key (app/mobile), or null before the first `mobile-group`. */
  groupKey?: Uint8Array | null;
  /** Persists a new group key (made, or null after a factory reset); throwing refuses it. */
  onGroupKeyChange?: (key: Uint8Array | null) => void;
}

/** Counters of what the device refused (diagnostics and tests). */
export interface NcoderDeviceStats {
  malformed: number;
  replayed: number;
  forged: number;
}

export class NcoderDevice {
  private pairingKey: Uint8Array | null;
  private pairingPair: PairingKeyPair | undefined;
  private pendingAuth: { rndA: Uint8Array; rndB: Uint8Array } | undefined;
  private session: SecureSession | undefined;
  private groupKey: Uint8Array | null;
  readonly stats: NcoderDeviceStats = { malformed: 0, replayed: 0, forged: 0 };

  constructor(private readonly opts: NcoderDeviceOptions) {
    this.pairingKey = opts.pairingKey ? Uint8Array.from(opts.pairingKey) : null;
    this.groupKey = opts.groupKey ? Uint8Array.from(opts.groupKey) : null;
  }

  /** True once a host paired it (until a factory reset). */
  get paired(): boolean {
    return this.pairingKey !== null;
  }

  /** True while an authenticated session is open. */
  get inSession(): boolean {
    return this.session !== undefined;
  }

  /** Ends the session (the host went away); the pairing stays. */
  endSession(): void {
    this.session?.destroy();
    this.session = undefined;
    this.pendingAuth = undefined;
  }

  /**
   * Forgets the pairing key (the factory-reset button): the next host must pair it again. The mobile
   * group key goes too: an encoder reset to move it to another site must not carry this site's key.
   */
  factoryReset(): void {
    this.endSession();
    this.opts.onPairingChange?.(null);
    this.pairingKey?.fill(0);
    this.pairingKey = null;
    if (this.groupKey) {
      this.opts.onGroupKeyChange?.(null);
      this.groupKey.fill(0);
      this.groupKey = null;
    }
  }

  /** Handles one request message; returns the answer, or undefined when the request is dropped. */
  handle(bytes: Uint8Array): Uint8Array | undefined {
    let m: HostMessage;
    try {
      m = decodeHostMessage(bytes);
    } catch (err) {
      this.stats.malformed++;
      const detail = err instanceof Error ? err.message : 'malformed';
      return encodeDeviceMessage({ type: 'error', xid: bytes[1] ?? 0, code: 'BAD_REQUEST', detail });
    }
    const answer = this.answer(m);
    return answer && encodeDeviceMessage(answer);
  }

  private answer(m: HostMessage): DeviceMessage | undefined {
    const { xid } = m;
    const refuse = (code: DeviceErrorCode, detail: string): DeviceMessage => ({
      type: 'error',
      xid,
      code,
      detail,
    });
    switch (m.type) {
      case 'get-info': {
        // A new pairing key pair per GET_INFO: an attempt that never finished leaves nothing reusable.
        this.pairingPair = this.pairingKey ? undefined : pairingKeyPair();
        return {
          type: 'info',
          xid,
          info: {
            protocol: PROTOCOL_VERSION,
            serial: this.opts.serial,
            firmware: this.opts.firmware,
            paired: this.paired,
            ...(this.pairingPair ? { pairingPublicKey: this.pairingPair.publicKey } : {}),
          },
        };
      }
      case 'pair': {
        if (this.pairingKey)
          return refuse('ALREADY_PAIRED', 'already paired: only a factory reset pairs it again');
        if (!this.pairingPair) return refuse('BAD_REQUEST', 'no pairing key offered: GET_INFO first');
        const key = unwrapPairingKey(this.pairingPair, m.hostPublicKey, m.wrappedKey, this.opts.serial);
        this.pairingPair = undefined;
        if (!key) return refuse('BAD_REQUEST', 'the pairing key did not open');
        try {
          this.opts.onPairingChange?.(key);
        } catch {
          return refuse('BAD_REQUEST', 'the pairing key could not be stored');
        }
        this.pairingKey = key;
        return { type: 'paired', xid, confirm: pairConfirmation(key, this.opts.serial, m.hostPublicKey) };
      }
      case 'auth-begin': {
        // A new AUTH ends the session in any case: only the pairing key holder gets a new one.
        this.endSession();
        if (!this.pairingKey) return refuse('NOT_PAIRED', 'not paired');
        const rndB = randomBytes(BLOCK);
        this.pendingAuth = { rndA: m.rndA, rndB };
        const proof = authProof('device', this.pairingKey, m.rndA, rndB, this.opts.serial);
        return { type: 'auth-challenge', xid, rndB, proof };
      }
      case 'auth-finish': {
        const pending = this.pendingAuth;
        this.pendingAuth = undefined;
        if (!this.pairingKey) return refuse('NOT_PAIRED', 'not paired');
        if (!pending) return refuse('AUTH_FAILED', 'no AUTH_BEGIN to finish');
        const expected = authProof('host', this.pairingKey, pending.rndA, pending.rndB, this.opts.serial);
        if (!proofMatches(expected, m.proof)) return refuse('AUTH_FAILED', 'authentication failed');
        const keys = deriveSessionKeys(this.pairingKey, pending.rndA, pending.rndB, this.opts.serial);
        this.session = new SecureSession(keys, 'device');
        return { type: 'auth-ok', xid };
      }
      case 'secure': {
        const session = this.session;
        if (!session) return refuse('NO_SESSION', 'no session: authenticate first');
        const opened = session.openRequest(m);
        if (!opened.ok) {
          // Dropped without an answer: see the rule in ncoder-session.ts.
          this.stats[
            opened.reason === 'replay' ? 'replayed' : opened.reason === 'forged' ? 'forged' : 'malformed'
          ]++;
          return undefined;
        }
        return session.sealResponse(xid, m.counter, this.perform(opened.request));
      }
    }
  }

  private perform(q: SessionRequest): SessionResponse {
    const field = this.opts.field;
    switch (q.op) {
      case 'poll':
        return { op: 'card', card: field.poll() };
      case 'transceive': {
        const r = field.transceive(q.apdu);
        if (!r.ok) return { op: 'failed', code: r.code, detail: r.detail };
        if (r.data.length < 1 || r.data.length > MAX_APDU)
          return { op: 'failed', code: 'TIMEOUT', detail: `the card answered ${r.data.length} bytes` };
        return { op: 'apdu', data: r.data };
      }
      case 'field-reset':
        field.reset();
        return { op: 'done' };
      case 'beep':
      case 'led':
        return { op: 'done' };
      case 'mobile-group':
      case 'wrap-group-key':
      case 'seal-token':
        return this.mobile(q);
    }
  }

  /** The mobile key operations: the group key is made here and never leaves in clear. */
  private mobile(
    q: Extract<SessionRequest, { op: 'mobile-group' | 'wrap-group-key' | 'seal-token' }>,
  ): SessionResponse {
    if (q.op === 'mobile-group') {
      if (this.groupKey) return { op: 'group', groupKeyId: groupKeyIdOf(this.groupKey), created: false };
      const key = randomBytes(GROUP_KEY_BYTES);
      try {
        this.opts.onGroupKeyChange?.(key);
      } catch {
        return { op: 'failed', code: 'BAD_REQUEST', detail: 'the group key could not be stored' };
      }
      this.groupKey = key;
      return { op: 'group', groupKeyId: groupKeyIdOf(key), created: true };
    }
    const key = this.groupKey;
    if (!key)
      return {
        op: 'failed',
        code: 'BAD_REQUEST',
        detail: 'no mobile group key yet: send mobile-group first',
      };
    try {
      if (q.op === 'wrap-group-key') return { op: 'wrapped', wrapped: wrapGroupKey(key, q.lockPublicKey) };
      const token = sealToken(key, q);
      return { op: 'token', tokenId: readTokenHeader(token).tokenId, token };
    } catch (err) {
      return { op: 'failed', code: 'BAD_REQUEST', detail: err instanceof Error ? err.message : 'refused' };
    }
  }
}
