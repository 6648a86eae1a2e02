import { randomBytes } from 'node:crypto';
import type { Log } from '../log.js';
import type { HidTransport } from '../ports/hid.js';
import { KEEP_WAITING, NcoderExchange, refusal, unexpected } from './ncoder-exchange.js';
import { NcoderError } from './ncoder-errors.js';
import { BLOCK, PROTOCOL_VERSION, type DeviceMessage, type NcoderInfo } from './ncoder-messages.js';
import { pairConfirmation, wrapPairingKey } from './ncoder-pairing.js';
import { SecureSession, authProof, deriveSessionKeys, proofMatches } from './ncoder-session.js';
import type {
  CardActivation,
  LedColour,
  SealTokenRequest,
  SessionRequest,
  SessionResponse,
} from './session-messages.js';

/**
 * The Service's driver for one opened NCoder: GET_INFO, PAIR, AUTH and the session requests, one at a
 * time (later calls queue, see ncoder-exchange.ts), each with a timeout. Answers in a session are
 * matched to their request by its counter too, and what is refused follows the rule in
 * ncoder-session.ts: a late or repeated answer is dropped, a forged one closes the session.
 */

/** Driver settings. */
export interface NcoderDriverOptions {
  /** How long one request may wait for its answer (default 3 s; a DESFire format takes about 1 s). */
  timeoutMs?: number;
  log?: Log;
}

export class NcoderDriver {
  private readonly exchange: NcoderExchange;
  private session: SecureSession | undefined;
  private readonly own = { replayed: 0, teardowns: 0 };

  constructor(
    transport: HidTransport,
    private readonly opts: NcoderDriverOptions = {},
  ) {
    this.exchange = new NcoderExchange(transport, opts.timeoutMs ?? 3000, opts.log);
    this.exchange.onClose(() => this.dropSession());
  }

  /** What was dropped or refused, by kind (diagnostics and tests). */
  get stats(): { stale: number; malformed: number; framing: number; replayed: number; teardowns: number } {
    return { ...this.exchange.stats, ...this.own };
  }

  /** True once the device went away or the driver was closed. */
  get closed(): boolean {
    return this.exchange.closed !== undefined;
  }

  /** True while an authenticated session is open. */
  get authenticated(): boolean {
    return this.session !== undefined;
  }

  /** Called once when the device goes away (or the driver is closed). */
  onClose(cb: (err: NcoderError) => void): () => void {
    return this.exchange.onClose(cb);
  }

  /** Closes the device; pending requests fail with UNPLUGGED. */
  close(): Promise<void> {
    return this.exchange.close();
  }

  /** GET_INFO: serial, firmware, paired or not. Works without a session. */
  info(): Promise<NcoderInfo> {
    return this.exchange.enqueue(() => this.getInfo());
  }

  /** PAIR: gives an unpaired encoder `key` (random by default) and returns it for the Service to keep. */
  pair(key: Uint8Array = randomBytes(BLOCK)): Promise<Uint8Array> {
    return this.exchange.enqueue(async () => {
      const info = await this.getInfo();
      if (info.paired) throw new NcoderError('ALREADY_PAIRED', `ncoder: ${info.serial} is already paired`);
      if (!info.pairingPublicKey)
        throw new NcoderError('PROTOCOL', 'ncoder: the encoder offered no pairing key');
      const { hostPublicKey, wrappedKey } = wrapPairingKey(key, info.pairingPublicKey, info.serial);
      const xid = this.exchange.nextXid();
      const confirm = await this.exchange.request({ type: 'pair', xid, hostPublicKey, wrappedKey }, (m) =>
        m.type === 'paired' ? m.confirm : m.type === 'error' ? refusal(m) : unexpected(m),
      );
      if (!proofMatches(pairConfirmation(key, info.serial, hostPublicKey), confirm))
        throw new NcoderError('PROTOCOL', 'ncoder: the encoder did not confirm the pairing key');
      return key;
    });
  }

  /** AUTH: mutual authentication on the pairing key; opens a fresh session (ending any other). */
  authenticate(pairingKey: Uint8Array): Promise<NcoderInfo> {
    return this.exchange.enqueue(async () => {
      this.dropSession();
      const info = await this.getInfo();
      if (!info.paired) throw new NcoderError('NOT_PAIRED', `ncoder: ${info.serial} is not paired`);
      const rndA = randomBytes(BLOCK);
      const challenge = await this.exchange.request(
        { type: 'auth-begin', xid: this.exchange.nextXid(), rndA },
        (m) => (m.type === 'auth-challenge' ? m : m.type === 'error' ? refusal(m) : unexpected(m)),
      );
      const { rndB } = challenge;
      if (!proofMatches(authProof('device', pairingKey, rndA, rndB, info.serial), challenge.proof)) {
        throw new NcoderError(
          'PAIRED_ELSEWHERE',
          `ncoder: ${info.serial} holds another pairing key (another site's)`,
        );
      }
      const proof = authProof('host', pairingKey, rndA, rndB, info.serial);
      await this.exchange.request({ type: 'auth-finish', xid: this.exchange.nextXid(), proof }, (m) =>
        m.type === 'auth-ok' ? true : m.type === 'error' ? refusal(m) : unexpected(m),
      );
      this.session = new SecureSession(deriveSessionKeys(pairingKey, rndA, rndB, info.serial), 'host');
      return info;
    });
  }

  /** POLL: activates the card in the field; null when there is none. */
  async poll(): Promise<CardActivation | null> {
    const a = await this.secure({ op: 'poll' });
    if (a.op !== 'card') throw new NcoderError('PROTOCOL', `ncoder: poll answered ${a.op}`);
    return a.card;
  }

  /** TRANSCEIVE: one APDU to the activated card, its answer back (NO_CARD, CARD_REMOVED, TIMEOUT). */
  transceive = async (apdu: Uint8Array): Promise<Uint8Array> => {
    const a = await this.secure({ op: 'transceive', apdu });
    if (a.op !== 'apdu') throw new NcoderError('PROTOCOL', `ncoder: transceive answered ${a.op}`);
    return a.data;
  };

  /** FIELD_RESET: switches the field off and on; the card must be polled again. */
  fieldReset(): Promise<void> {
    return this.done({ op: 'field-reset' });
  }

  /** BEEP for `ms` milliseconds. */
  beep(ms: number): Promise<void> {
    return this.done({ op: 'beep', ms });
  }

  /** Sets the indicator LED. */
  led(colour: LedColour): Promise<void> {
    return this.done({ op: 'led', colour });
  }

  /**
   * MOBILE-GROUP: makes the site's mobile group key inside the encoder if it has none; answers its id
   * (the key itself never leaves the encoder in clear).
   */
  async mobileGroup(): Promise<{ groupKeyId: Buffer; created: boolean }> {
    const a = await this.secure({ op: 'mobile-group' });
    if (a.op !== 'group') throw new NcoderError('PROTOCOL', `ncoder: mobile-group answered ${a.op}`);
    return { groupKeyId: Buffer.from(a.groupKeyId), created: a.created };
  }

  /** WRAP-GROUP-KEY: the group key wrapped for a lock's X25519 public key (app/mobile/group-key.ts). */
  async wrapGroupKey(lockPublicKey: Uint8Array): Promise<Buffer> {
    const a = await this.secure({ op: 'wrap-group-key', lockPublicKey });
    if (a.op !== 'wrapped') throw new NcoderError('PROTOCOL', `ncoder: wrap-group-key answered ${a.op}`);
    return Buffer.from(a.wrapped);
  }

  /** SEAL-TOKEN: a mobile key token sealed under the group key (app/mobile/token.ts). */
  async sealToken(request: SealTokenRequest): Promise<{ tokenId: Buffer; token: Buffer }> {
    const a = await this.secure({ op: 'seal-token', ...request });
    if (a.op !== 'token') throw new NcoderError('PROTOCOL', `ncoder: seal-token answered ${a.op}`);
    return { tokenId: Buffer.from(a.tokenId), token: Buffer.from(a.token) };
  }

  private async done(q: SessionRequest): Promise<void> {
    const a = await this.secure(q);
    if (a.op !== 'done') throw new NcoderError('PROTOCOL', `ncoder: ${q.op} answered ${a.op}`);
  }

  /** One session request, queued; a device-side failure becomes the matching NcoderError. */
  private secure(q: SessionRequest): Promise<SessionResponse> {
    return this.exchange.enqueue(async () => {
      const session = this.session;
      if (!session) throw new NcoderError('PROTOCOL', 'ncoder: no session: authenticate first');
      const message = session.sealRequest(this.exchange.nextXid(), q);
      const a = await this.exchange.request(message, (m) => this.openAnswer(session, message.counter, m));
      if (a.op !== 'failed') return a;
      throw new NcoderError(a.code === 'BAD_REQUEST' ? 'PROTOCOL' : a.code, `ncoder: ${q.op}: ${a.detail}`);
    });
  }

  /** Checks a session answer: see the receiver rule in ncoder-session.ts. */
  private openAnswer(
    session: SecureSession,
    counter: bigint,
    m: DeviceMessage,
  ): SessionResponse | typeof KEEP_WAITING | NcoderError {
    if (m.type === 'error') {
      if (m.code === 'NO_SESSION') this.dropSession(); // the encoder was reset or re-authenticated
      return refusal(m);
    }
    if (m.type !== 'secure') return unexpected(m);
    if (m.inReplyTo !== counter) {
      this.exchange.stats.stale++;
      return KEEP_WAITING;
    }
    const opened = session.openResponse(m);
    if (opened.ok) return opened.response;
    if (opened.reason === 'replay') {
      this.own.replayed++;
      return KEEP_WAITING;
    }
    this.own.teardowns++;
    this.dropSession();
    this.opts.log?.warn({ reason: opened.reason }, 'ncoder: an answer failed authentication; session closed');
    return new NcoderError(
      'PROTOCOL',
      `ncoder: the encoder's answer was ${opened.reason}; the session was closed`,
    );
  }

  private async getInfo(): Promise<NcoderInfo> {
    const info = await this.exchange.request({ type: 'get-info', xid: this.exchange.nextXid() }, (m) =>
      m.type === 'info' ? m.info : m.type === 'error' ? refusal(m) : unexpected(m),
    );
    if (info.protocol !== PROTOCOL_VERSION)
      throw new NcoderError(
        'PROTOCOL',
        `ncoder: the encoder speaks protocol ${info.protocol}, not ${PROTOCOL_VERSION}`,
      );
    return info;
  }

  private dropSession(): void {
    this.session?.destroy();
    this.session = undefined;
  }
}
