import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { secretsEqual } from '../crypto/compare.js';
import { mutualAuthProof, mutualSessionKeys, type DirectionKeys } from '../crypto/mutual-auth.js';
import { FRAME_OVERHEAD, MAX_FRAME_PAYLOAD } from './frame.js';
import { SerialLinkError, type SerialRequester } from './transaction.js';

/**
 * The authenticated, encrypted session of a serial link (console↔PPD under the PPD's pairing key,
 * PPD↔lock under the lock's key), on top of transaction.ts. The device accepts nothing but the
 * handshake (and, for the PPD, its pairing messages) before the host has proved the key.
 *
 *   host → HELLO      0x01 ‖ RndA(16)
 *   dev  → CHALLENGE  0x02 ‖ RndB(16) ‖ n(1) ‖ identity(n) ‖ Pd(16)   Pd = proof("device", K, RndA, RndB, identity)
 *   host → FINISH     0x03 ‖ Ph(16)                                    Ph = proof("host", K, RndA, RndB, identity)
 *   dev  → OK         0x04
 *   host → SEALED     0x05 ‖ counter(8) ‖ AES-128-GCM(k_hd, nonce, plaintext) ‖ tag(16)
 *   dev  → SEALED     0x05 ‖ counter(8) ‖ AES-128-GCM(k_dh, nonce, answer) ‖ tag(16)
 *   host → PREAUTH    0x06 ‖ payload   →   dev → PREAUTH 0x06 ‖ answer   (PPD info and pairing only)
 *   dev  → ERROR      0x7F ‖ code(1) ‖ UTF-8 text                      (in clear: says nothing secret)
 *
 * Proofs and keys: app/crypto/mutual-auth.ts (AES-CMAC proofs, HKDF-SHA256 keys), the label naming the
 * link ('lintel-ppd/1', 'lintel-lock/1'). The identity (a lock's serial, door and key version; a PPD's
 * serial) travels in clear so the host can pick the key, and is bound into both proofs and the keys.
 * The device proves first, so a host learns "wrong key" (another site's PPD, a lock on another door)
 * without sending a proof itself.
 *
 * Sealing is the NCoder's (app/ncoder/ncoder-session.ts): AES-128-GCM, 96-bit nonce = direction
 * (1 host→device, 2 device→host, 32 bits) ‖ counter (64 bits); AAD = type ‖ counter. Counters start at
 * 1 after the handshake and only go up; a message whose counter is not above the last accepted one, or
 * that fails to authenticate, is dropped and counted — the device answers nothing (no oracle, and the
 * real host's next message still gets through); the host ends the session.
 */

const HELLO = 0x01;
const CHALLENGE = 0x02;
const FINISH = 0x03;
const OK = 0x04;
const SEALED = 0x05;
const PREAUTH = 0x06;
const ERROR = 0x7f;

const NONCE = 16;
const PROOF = 16;
const TAG = 16;
const COUNTER = 8;
const MAX_IDENTITY = 200;
const MAX_COUNTER = 0xffff_ffff_ffff_ffffn;

/** The most plaintext one sealed message carries: bigger application data is chunked above. */
export const MAX_SESSION_PLAINTEXT = MAX_FRAME_PAYLOAD - 1 - COUNTER - TAG;

/** Error codes a device sends in clear. */
const ERROR_CODES = { REFUSED: 1, NO_SESSION: 2, BAD_REQUEST: 3 } as const;
type DeviceErrorCode = keyof typeof ERROR_CODES;

export type SessionErrorCode = 'UNKNOWN_DEVICE' | 'DEVICE_PROOF' | 'REFUSED' | 'PROTOCOL';

export class SessionError extends Error {
  constructor(
    readonly code: SessionErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SessionError';
  }
}

function errorAnswer(code: DeviceErrorCode, text: string): Buffer {
  return Buffer.concat([Buffer.of(ERROR, ERROR_CODES[code]), Buffer.from(text.slice(0, 300), 'utf8')]);
}

function parseError(answer: Buffer): { code: DeviceErrorCode | undefined; text: string } {
  const code = (Object.keys(ERROR_CODES) as DeviceErrorCode[]).find((k) => ERROR_CODES[k] === answer[1]);
  return { code, text: answer.subarray(2).toString('utf8') };
}

function gcmNonce(direction: 1 | 2, counter: bigint): Buffer {
  const n = Buffer.alloc(12);
  n.writeUInt32BE(direction, 0);
  n.writeBigUInt64BE(counter, 4);
  return n;
}

function header(counter: bigint): Buffer {
  const h = Buffer.alloc(1 + COUNTER);
  h[0] = SEALED;
  h.writeBigUInt64BE(counter, 1);
  return h;
}

/** One direction pair of sealing state: seals under its own counter, opens only newer counters. */
class Sealer {
  private sent = 0n;
  private received = 0n;

  constructor(
    private readonly sendKey: Buffer,
    private readonly sendDirection: 1 | 2,
    private readonly receiveKey: Buffer,
    private readonly receiveDirection: 1 | 2,
  ) {}

  seal(plaintext: Uint8Array): Buffer {
    if (plaintext.length > MAX_SESSION_PLAINTEXT)
      throw new SerialLinkError(
        'TOO_LARGE',
        `${plaintext.length} bytes: a sealed message holds ${MAX_SESSION_PLAINTEXT}`,
      );
    if (this.sent >= MAX_COUNTER) throw new SessionError('PROTOCOL', 'counter exhausted: authenticate again');
    const counter = ++this.sent;
    const h = header(counter);
    const c = createCipheriv('aes-128-gcm', this.sendKey, gcmNonce(this.sendDirection, counter), {
      authTagLength: TAG,
    });
    c.setAAD(h);
    return Buffer.concat([h, c.update(plaintext), c.final(), c.getAuthTag()]);
  }

  /** The plaintext, or why not: 'replay' (counter not newer), 'forged' (does not authenticate), 'malformed'. */
  open(message: Buffer): Buffer | 'replay' | 'forged' | 'malformed' {
    if (message.length < 1 + COUNTER + TAG || message[0] !== SEALED) return 'malformed';
    const counter = message.readBigUInt64BE(1);
    if (counter <= this.received) return 'replay';
    try {
      const d = createDecipheriv('aes-128-gcm', this.receiveKey, gcmNonce(this.receiveDirection, counter), {
        authTagLength: TAG,
      });
      d.setAAD(message.subarray(0, 1 + COUNTER));
      d.setAuthTag(message.subarray(message.length - TAG));
      const plain = Buffer.concat([d.update(message.subarray(1 + COUNTER, message.length - TAG)), d.final()]);
      this.received = counter;
      return plain;
    } catch {
      return 'forged';
    }
  }

  wipe(): void {
    this.sendKey.fill(0);
    this.receiveKey.fill(0);
  }
}

function hostSealer(keys: DirectionKeys): Sealer {
  return new Sealer(keys.hostToDevice, 1, keys.deviceToHost, 2);
}
function deviceSealer(keys: DirectionKeys): Sealer {
  return new Sealer(keys.deviceToHost, 2, keys.hostToDevice, 1);
}

export interface SessionServerOptions {
  /** Names the link in proofs and keys: 'lintel-ppd/1', 'lintel-lock/1'. */
  label: string;
  /** What the device says about itself in clear in its challenge (at most 200 bytes). */
  identity: () => Uint8Array;
  /** The key it authenticates with now; undefined: it takes no handshake now (REFUSED). */
  key: () => Uint8Array | undefined;
  /** An authenticated request's plaintext → the answer's plaintext (sealed here). */
  handle: (plain: Buffer) => Promise<Buffer>;
  /** Unauthenticated application messages (PPD info and pairing); absent: refused. */
  preAuth?: (payload: Buffer) => Promise<Buffer | undefined>;
  /** Told of every finished handshake attempt (a lock counts failures and locks itself out). */
  onHandshake?: (ok: boolean) => void;
}

/** What the device refused, by reason (diagnostics; never reset). */
export interface SessionRefusals {
  handshake: number;
  replay: number;
  forged: number;
  malformed: number;
  noSession: number;
}

/** The device end of the session: pass {@link SessionServer.handle} to a SerialResponder. */
export class SessionServer {
  private pending: { rndA: Buffer; rndB: Buffer; identity: Buffer; key: Buffer } | undefined;
  private sealer: Sealer | undefined;
  readonly refused: SessionRefusals = { handshake: 0, replay: 0, forged: 0, malformed: 0, noSession: 0 };

  constructor(private readonly o: SessionServerOptions) {}

  /** Whether a host has authenticated (and no newer handshake has begun). */
  get authenticated(): boolean {
    return this.sealer !== undefined;
  }

  /** Forgets the session (the device was reset, or the host went away). */
  reset(): void {
    this.sealer?.wipe();
    this.sealer = undefined;
    this.pending = undefined;
  }

  /** One request from the line → the answer (undefined: none, for dropped messages). */
  async handle(payload: Buffer): Promise<Buffer | undefined> {
    switch (payload[0]) {
      case HELLO:
        return this.hello(payload);
      case FINISH:
        return this.finish(payload);
      case SEALED:
        return this.sealed(payload);
      case PREAUTH:
        if (!this.o.preAuth)
          return errorAnswer('BAD_REQUEST', 'this device takes no messages before authentication');
        {
          const answer = await this.o.preAuth(payload.subarray(1));
          return answer && Buffer.concat([Buffer.of(PREAUTH), answer]);
        }
      default:
        this.refused.malformed++;
        return errorAnswer('BAD_REQUEST', 'not a session message');
    }
  }

  private hello(payload: Buffer): Buffer {
    if (payload.length !== 1 + NONCE) {
      this.refused.malformed++;
      return errorAnswer('BAD_REQUEST', 'HELLO carries a 16-byte nonce');
    }
    this.reset(); // a new handshake ends the old session
    const key = this.o.key();
    if (!key) {
      this.refused.handshake++;
      return errorAnswer('REFUSED', 'not accepting authentication now');
    }
    const identity = Buffer.from(this.o.identity());
    if (identity.length > MAX_IDENTITY) throw new RangeError('session: identity over 200 bytes');
    const rndA = Buffer.from(payload.subarray(1));
    const rndB = randomBytes(NONCE);
    this.pending = { rndA, rndB, identity, key: Buffer.from(key) };
    const proof = mutualAuthProof(this.o.label, 'device', key, rndA, rndB, identity);
    return Buffer.concat([Buffer.of(CHALLENGE), rndB, Buffer.of(identity.length), identity, proof]);
  }

  private finish(payload: Buffer): Buffer {
    const p = this.pending;
    this.pending = undefined; // one try per challenge: a wrong proof needs a new HELLO (fresh nonces)
    if (!p || payload.length !== 1 + PROOF) {
      this.refused.malformed++;
      return errorAnswer('BAD_REQUEST', 'FINISH without a challenge, or the wrong length');
    }
    const expected = mutualAuthProof(this.o.label, 'host', p.key, p.rndA, p.rndB, p.identity);
    const ok = secretsEqual(expected, payload.subarray(1));
    this.o.onHandshake?.(ok);
    if (!ok) {
      p.key.fill(0);
      this.refused.handshake++;
      return errorAnswer('REFUSED', 'the key did not match');
    }
    this.sealer = deviceSealer(mutualSessionKeys(this.o.label, p.key, p.rndA, p.rndB, p.identity));
    p.key.fill(0);
    return Buffer.of(OK);
  }

  private async sealed(payload: Buffer): Promise<Buffer | undefined> {
    const sealer = this.sealer;
    if (!sealer) {
      this.refused.noSession++;
      return errorAnswer('NO_SESSION', 'no session: authenticate first');
    }
    const plain = sealer.open(payload);
    if (typeof plain === 'string') {
      this.refused[plain]++;
      return undefined; // dropped without a word: the session goes on for the real host
    }
    const answer = await this.o.handle(plain);
    if (this.sealer !== sealer) return undefined; // a new handshake began meanwhile
    return sealer.seal(answer);
  }
}

async function exchange(
  requester: SerialRequester,
  payload: Buffer,
  opts: { signal?: AbortSignal; timeoutMs?: number },
): Promise<Buffer> {
  const answer = await requester.request(payload, opts);
  if (answer[0] === ERROR) {
    const { code, text } = parseError(answer);
    if (code === 'REFUSED') throw new SessionError('REFUSED', `the device refused: ${text}`);
    throw new SessionError('PROTOCOL', `the device answered an error: ${text || 'unknown'}`);
  }
  return answer;
}

/** Sends an unauthenticated application message (SessionServerOptions.preAuth answers it). */
export async function preAuthCall(
  requester: SerialRequester,
  payload: Uint8Array,
  opts: { signal?: AbortSignal } = {},
): Promise<Buffer> {
  const answer = await exchange(requester, Buffer.concat([Buffer.of(PREAUTH), payload]), opts);
  if (answer[0] !== PREAUTH) throw new SessionError('PROTOCOL', 'the device did not answer the message');
  return answer.subarray(1);
}

/** The host end of an established session. */
export class SessionClient {
  private ended: SessionError | undefined;

  constructor(
    private readonly requester: SerialRequester,
    private readonly sealer: Sealer,
    readonly identity: Buffer,
  ) {}

  /** Seals `plain`, sends it, and opens the answer. A forged or replayed answer ends the session. */
  async call(plain: Uint8Array, opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<Buffer> {
    if (this.ended) throw this.ended;
    const answer = await exchange(this.requester, this.sealer.seal(plain), opts).catch((err: unknown) => {
      if (err instanceof SessionError) this.end(err);
      throw err;
    });
    const opened = this.sealer.open(answer);
    if (typeof opened === 'string') {
      throw this.end(
        new SessionError('PROTOCOL', `the answer was ${opened}: the session is closed, authenticate again`),
      );
    }
    return opened;
  }

  /** Ends the session and wipes its keys. */
  close(): void {
    this.end(new SessionError('PROTOCOL', 'the session was closed'));
  }

  private end(err: SessionError): SessionError {
    if (!this.ended) {
      this.ended = err;
      this.sealer.wipe();
    }
    return this.ended;
  }
}

/**
 * Runs the handshake: the device's identity goes to `keyFor`, which picks the key (undefined:
 * UNKNOWN_DEVICE); a device proof that does not match that key is DEVICE_PROOF; a device that refuses
 * ours is REFUSED. The host proof is sent only after the device has proved the same key.
 */
export async function openSession(
  requester: SerialRequester,
  o: { label: string; keyFor: (identity: Buffer) => Uint8Array | undefined; signal?: AbortSignal },
): Promise<SessionClient> {
  const rndA = randomBytes(NONCE);
  const challenge = await exchange(requester, Buffer.concat([Buffer.of(HELLO), rndA]), o);
  if (challenge[0] !== CHALLENGE || challenge.length < 1 + NONCE + 1 + PROOF)
    throw new SessionError('PROTOCOL', 'the device did not answer with a challenge');
  const rndB = challenge.subarray(1, 1 + NONCE);
  const n = challenge[1 + NONCE]!;
  if (challenge.length !== 1 + NONCE + 1 + n + PROOF)
    throw new SessionError('PROTOCOL', 'the challenge has the wrong length');
  const identity = Buffer.from(challenge.subarray(2 + NONCE, 2 + NONCE + n));
  const deviceProof = challenge.subarray(2 + NONCE + n);
  const key = o.keyFor(identity);
  if (!key) throw new SessionError('UNKNOWN_DEVICE', 'no key for this device');
  if (!secretsEqual(mutualAuthProof(o.label, 'device', key, rndA, rndB, identity), deviceProof))
    throw new SessionError('DEVICE_PROOF', 'the device holds a different key');
  const hostProof = mutualAuthProof(o.label, 'host', key, rndA, rndB, identity);
  const ok = await exchange(requester, Buffer.concat([Buffer.of(FINISH), hostProof]), o);
  if (ok.length !== 1 || ok[0] !== OK)
    throw new SessionError('PROTOCOL', 'the device did not confirm the session');
  return new SessionClient(
    requester,
    hostSealer(mutualSessionKeys(o.label, key, rndA, rndB, identity)),
    identity,
  );
}

/** Bytes the session and framing add to `plaintext` bytes of one sealed message (both directions alike). */
export const SEALED_OVERHEAD = 1 + COUNTER + TAG + FRAME_OVERHEAD;
