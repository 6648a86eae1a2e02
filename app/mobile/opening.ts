import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { DenyReason, Presented } from '../access/engine.js';
import { credentialDataOf } from '../card/access-data.js';
import type { PinVerifier } from '../control-unit/card-presentation.js';
import type { OfflineLock } from '../lock/offline-lock.js';
import type { Log } from '../log.js';
import { signWithDeviceKey, verifyDeviceSignature, type DeviceKey } from './device-key.js';
import { GROUP_KEY_ID_BYTES, newX25519Pair, x25519, type RawX25519Pair } from './group-key.js';
import {
  decodeOpeningMessage,
  encodeOpeningMessage,
  MAX_REASON,
  NONCE_BYTES,
  OPENING_VERSION,
  OpeningMessageError,
  type OpeningMessage,
} from './opening-messages.js';
import { openToken, readTokenHeader, TokenFormatError, TokenOpenError, type OpenedToken } from './token.js';

/**
 * A phone opening a lock, both ends (docs/mobile-keys.md). The lock sends a fresh challenge (a nonce,
 * single use, valid 10 s, and an ephemeral X25519 key); the phone answers with its own ephemeral key,
 * its token and an ECDSA signature by its device key over the transcript (both ephemerals, the nonce,
 * the lock id, the token's digest). The lock opens the token with the site's group key, checks the
 * signature with the device key sealed inside it (a token copied to another phone fails here), the
 * token's window, then decides with the same engine path as a card (OfflineLock.decideAt/act). The
 * ECDH of the two ephemerals gives the session keys that seal the PIN (phone → lock) and the result
 * (lock → phone), so neither is readable nor forgeable on the air.
 */

/** How long a challenge stays good. */
export const CHALLENGE_MS = 10_000;
/** Challenges the lock remembers at once (one connection at a time: a handful is plenty). */
const MAX_PENDING = 8;
const TRANSCRIPT_LABEL = 'lintel-mobile-open/1';
const ZERO_NONCE = Buffer.alloc(12);

/** Why a phone was refused before the engine judged it (the engine's reasons come after these). */
export const MOBILE_DENIAL_REASONS = [
  'unknown-challenge',
  'stale-challenge',
  'door-not-configured',
  'no-mobile-key',
  'bad-token',
  'other-site',
  'bad-signature',
] as const;

/** The signed transcript of one opening. */
export function openingTranscript(
  challenge: Extract<OpeningMessage, { type: 'challenge' }>,
  phoneEphemeral: Uint8Array,
  token: Uint8Array,
): Buffer {
  const id = Buffer.from(challenge.lockId, 'utf8');
  return Buffer.concat([
    Buffer.from(TRANSCRIPT_LABEL, 'latin1'),
    Buffer.of(id.length),
    id,
    challenge.groupKeyId,
    challenge.nonce,
    challenge.lockEphemeral,
    phoneEphemeral,
    createHash('sha256').update(token).digest(),
  ]);
}

/** The session's two keys: the phone's (seals the PIN) and the lock's (seals the result). */
export function sessionKeys(shared: Buffer, transcript: Buffer): { phone: Buffer; lock: Buffer } {
  const info = Buffer.concat([
    Buffer.from(`${TRANSCRIPT_LABEL} session`, 'latin1'),
    createHash('sha256').update(transcript).digest(),
  ]);
  const okm = Buffer.from(hkdfSync('sha256', shared, Buffer.alloc(0), info, 64));
  shared.fill(0);
  return { phone: okm.subarray(0, 32), lock: okm.subarray(32) };
}

// Each session key seals one message, so a zero nonce is never reused; the AAD names the message.
function sealOnce(key: Buffer, aad: string, plain: Buffer): Buffer {
  const c = createCipheriv('aes-256-gcm', key, ZERO_NONCE, { authTagLength: 16 });
  c.setAAD(Buffer.from(aad, 'latin1'));
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

function openOnce(key: Buffer, aad: string, sealed: Buffer): Buffer | undefined {
  if (sealed.length < 16) return undefined;
  try {
    const d = createDecipheriv('aes-256-gcm', key, ZERO_NONCE, { authTagLength: 16 });
    d.setAAD(Buffer.from(aad, 'latin1'));
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
  } catch {
    return undefined;
  }
}

/** What one phone opening did at the lock. */
export interface MobileOutcome {
  granted: boolean;
  /** An engine reason, one of {@link MOBILE_DENIAL_REASONS}, or null when granted. */
  reason: string | null;
  action: 'open' | 'office-on' | 'office-off' | null;
  credentialId: number | null;
  /** The token's id (hex), when the token could be read. */
  tokenId: string | null;
}

/** One line about a phone opening, as the lock simulators print it. */
export function describeMobileOutcome(o: MobileOutcome): string {
  const what = o.granted
    ? `granted${o.action === 'office-on' ? ' (office mode on)' : o.action === 'office-off' ? ' (office mode off)' : ''}`
    : `denied (${o.reason})`;
  return [
    `phone: ${what}`,
    ...(o.credentialId !== null ? [`credential ${o.credentialId}`] : []),
    ...(o.tokenId ? [`token ${o.tokenId.slice(0, 8)}`] : []),
  ].join(', ');
}

/** What the lock end needs. */
export interface MobileLockEndOptions {
  lock: OfflineLock;
  /** Checks a PIN against the token's PHC hash (a PasswordHasher). */
  pins: PinVerifier;
  /** The host clock for challenge lifetimes, ms (default: the lock memory's). */
  now?: () => number;
  log?: Log;
}

interface Pending {
  challenge: Extract<OpeningMessage, { type: 'challenge' }>;
  ephemeral: RawX25519Pair;
  expiresAt: number;
}

/** The lock's side: challenges out, openings judged and recorded. */
export class MobileLockEnd {
  private readonly pending = new Map<string, Pending>();
  private readonly now: () => number;

  constructor(private readonly o: MobileLockEndOptions) {
    this.now = o.now ?? o.lock.memory.hostNow;
  }

  /** Answers one message from a phone: a CHALLENGE to a HELLO, a RESULT or REFUSED to an OPEN. */
  async handle(bytes: Uint8Array): Promise<{ reply: Buffer; outcome?: MobileOutcome }> {
    let m: OpeningMessage;
    try {
      m = decodeOpeningMessage(bytes);
    } catch (err) {
      if (!(err instanceof OpeningMessageError)) throw err;
      return {
        reply: encodeOpeningMessage({
          type: 'refused',
          reason: `bad message: ${err.message}`.slice(0, MAX_REASON),
        }),
      };
    }
    if (m.type === 'hello') {
      if (m.version !== OPENING_VERSION)
        return {
          reply: encodeOpeningMessage({ type: 'refused', reason: `protocol ${OPENING_VERSION} only` }),
        };
      return { reply: encodeOpeningMessage(this.challenge()) };
    }
    if (m.type === 'open') {
      const { reply, outcome } = await this.open(m);
      return { reply: encodeOpeningMessage(reply), outcome };
    }
    return { reply: encodeOpeningMessage({ type: 'refused', reason: `a phone does not send ${m.type}` }) };
  }

  /** A fresh challenge (remembered, single use, for {@link CHALLENGE_MS}). */
  challenge(): Extract<OpeningMessage, { type: 'challenge' }> {
    const memory = this.o.lock.memory;
    const ephemeral = newX25519Pair();
    const challenge = {
      type: 'challenge' as const,
      lockId: memory.state.serial,
      groupKeyId: memory.mobileKey()?.groupKeyId ?? Buffer.alloc(GROUP_KEY_ID_BYTES),
      nonce: randomBytes(NONCE_BYTES),
      lockEphemeral: ephemeral.publicKey,
    };
    if (this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.keys().next().value!;
      this.forget(oldest);
    }
    this.pending.set(challenge.nonce.toString('hex'), {
      challenge,
      ephemeral,
      expiresAt: this.now() + CHALLENGE_MS,
    });
    return challenge;
  }

  private forget(key: string): void {
    this.pending.get(key)?.ephemeral.privateKey.fill(0);
    this.pending.delete(key);
  }

  /** Judges an OPEN; every refusal is recorded in the lock's ring and changes nothing else. */
  async open(
    m: Extract<OpeningMessage, { type: 'open' }>,
  ): Promise<{ reply: OpeningMessage; outcome: MobileOutcome }> {
    const lock = this.o.lock;
    const memory = lock.memory;
    const outcome: MobileOutcome = {
      granted: false,
      reason: null,
      action: null,
      credentialId: null,
      tokenId: null,
    };
    const key = m.nonce.toString('hex');
    const pending = this.pending.get(key);
    // Single use: whatever happens next, this challenge is spent (its key is wiped once used below).
    this.pending.delete(key);
    const refuse = (reason: (typeof MOBILE_DENIAL_REASONS)[number], detail: string) => {
      outcome.reason = reason;
      memory.audit({
        event: 'denied',
        credentialId: outcome.credentialId,
        detail: `phone: ${reason}: ${detail}`,
      });
    };
    if (!pending) {
      refuse('unknown-challenge', 'no such challenge, or it was used already (a replayed opening?)');
      return { reply: { type: 'refused', reason: 'unknown-challenge: ask for a new challenge' }, outcome };
    }
    let keys: { phone: Buffer; lock: Buffer };
    try {
      const transcript = openingTranscript(pending.challenge, m.phoneEphemeral, m.token);
      keys = sessionKeys(x25519(pending.ephemeral.privateKey, m.phoneEphemeral), transcript);
      pending.ephemeral.privateKey.fill(0);
    } catch {
      pending.ephemeral.privateKey.fill(0);
      refuse('bad-token', 'the phone’s ephemeral key is not usable');
      return { reply: { type: 'refused', reason: 'bad ephemeral key' }, outcome };
    }
    const reply = (): { reply: OpeningMessage; outcome: MobileOutcome } => {
      const reason = Buffer.from(outcome.reason ?? '', 'utf8').subarray(0, MAX_REASON);
      const sealed = sealOnce(
        keys.lock,
        'result',
        Buffer.concat([Buffer.of(outcome.granted ? 1 : 0), reason]),
      );
      keys.lock.fill(0);
      keys.phone.fill(0);
      return { reply: { type: 'result', sealed }, outcome };
    };
    const tokenHead = (() => {
      try {
        return readTokenHeader(m.token);
      } catch {
        return undefined;
      }
    })();
    if (tokenHead) outcome.tokenId = tokenHead.tokenId.toString('hex');
    if (this.now() > pending.expiresAt) {
      refuse('stale-challenge', `the challenge was older than ${CHALLENGE_MS / 1000} s`);
      return reply();
    }
    if (!memory.initialised) {
      refuse('door-not-configured', 'the lock was never initialised');
      return reply();
    }
    const held = memory.mobileKey();
    if (!held) {
      refuse('no-mobile-key', 'the lock holds no mobile group key yet');
      return reply();
    }
    if (!tokenHead) {
      refuse('bad-token', 'not a mobile key token');
      return reply();
    }
    if (!tokenHead.groupKeyId.equals(held.groupKeyId)) {
      refuse('other-site', `the token is for group key ${tokenHead.groupKeyId.toString('hex')}`);
      return reply();
    }
    let token: OpenedToken;
    try {
      token = openToken(held.groupKey, m.token);
    } catch (err) {
      if (!(err instanceof TokenOpenError || err instanceof TokenFormatError)) throw err;
      refuse('bad-token', err.message);
      return reply();
    } finally {
      held.groupKey.fill(0);
    }
    outcome.credentialId = token.access.credentialId;
    const transcript = openingTranscript(pending.challenge, m.phoneEphemeral, m.token);
    if (!verifyDeviceSignature(token.header.devicePublicKey, transcript, m.signature)) {
      refuse('bad-signature', 'the token is not this phone’s (copied?) or the opening was altered');
      return reply();
    }

    const at = memory.nowSeconds();
    const detail = `phone token ${outcome.tokenId!.slice(0, 16)}`;
    const window: DenyReason | undefined =
      at < token.header.notBefore ? 'not-yet-valid' : at >= token.header.notAfter ? 'expired' : undefined;
    if (window) {
      // The token's own window, before the engine: a token outlives nothing, whatever its access data says.
      outcome.reason = lock.act(
        token.access.credentialId,
        { granted: false, reason: window },
        `${detail}: token window`,
      ).reason;
      return reply();
    }
    const credential = credentialDataOf(token.access);
    let presented: Presented = { card: true };
    let full = lock.decideAt(credential, presented, at);
    let pinNote = '';
    if (!full.granted && full.reason === 'pin-required' && m.sealedPin.length > 0) {
      const pin = openOnce(keys.phone, 'pin', m.sealedPin);
      if (!pin) pinNote = ', PIN did not open';
      else if (!token.pinHash) pinNote = ', no PIN hash in the token';
      else {
        const match = await this.o.pins.verify(token.pinHash, pin.toString('utf8'));
        pin.fill(0);
        presented = { ...presented, pin: match ? 'match' : 'mismatch' };
        full = lock.decideAt(credential, presented, at);
      }
    }
    const acted = lock.act(token.access.credentialId, full, `${detail}${pinNote}`);
    outcome.granted = acted.granted;
    outcome.reason = acted.reason;
    outcome.action = acted.action;
    this.o.log?.info(
      { granted: outcome.granted, reason: outcome.reason, credentialId: outcome.credentialId },
      'lock: phone opening',
    );
    return reply();
  }
}

/** A message link to one lock (ble-link.ts gives one). */
export interface OpeningLink {
  send(message: Uint8Array): Promise<void>;
  receive(timeoutMs: number): Promise<Uint8Array>;
}

/** What the phone learns. */
export interface PhoneOpenResult {
  granted: boolean;
  reason: string | null;
  lockId: string;
}

/** Refused by the lock, or a protocol failure the phone can say in words. */
export class PhoneOpenError extends Error {
  override readonly name = 'PhoneOpenError';
}

/**
 * The phone's side: HELLO, then the OPEN for the challenge with the token `pick` chooses for the
 * lock's group key id, then the lock's sealed RESULT.
 */
export async function openFromPhone(
  link: OpeningLink,
  o: {
    deviceKey: DeviceKey;
    pick: (groupKeyId: Buffer) => Uint8Array | undefined;
    pin?: string;
    timeoutMs?: number;
  },
): Promise<PhoneOpenResult> {
  const timeout = o.timeoutMs ?? 5000;
  await link.send(encodeOpeningMessage({ type: 'hello', version: OPENING_VERSION }));
  const challenge = decodeOpeningMessage(await link.receive(timeout));
  if (challenge.type === 'refused') throw new PhoneOpenError(`the lock refused: ${challenge.reason}`);
  if (challenge.type !== 'challenge')
    throw new PhoneOpenError(`the lock answered ${challenge.type}, not a challenge`);
  const token = o.pick(challenge.groupKeyId);
  if (!token)
    throw new PhoneOpenError(
      `no key on this phone for lock ${challenge.lockId} (group key ${challenge.groupKeyId.toString('hex')}): fetch your keys`,
    );
  const eph = newX25519Pair();
  const transcript = openingTranscript(challenge, eph.publicKey, token);
  const keys = sessionKeys(x25519(eph.privateKey, challenge.lockEphemeral), transcript);
  eph.privateKey.fill(0);
  if (o.pin !== undefined && !/^\d{4,12}$/.test(o.pin)) throw new PhoneOpenError('a PIN is 4 to 12 digits');
  const sealedPin =
    o.pin === undefined ? Buffer.alloc(0) : sealOnce(keys.phone, 'pin', Buffer.from(o.pin, 'utf8'));
  await link.send(
    encodeOpeningMessage({
      type: 'open',
      nonce: challenge.nonce,
      phoneEphemeral: eph.publicKey,
      token: Buffer.from(token),
      signature: signWithDeviceKey(o.deviceKey, transcript),
      sealedPin,
    }),
  );
  const answer = decodeOpeningMessage(await link.receive(timeout));
  if (answer.type === 'refused') throw new PhoneOpenError(`the lock refused: ${answer.reason}`);
  if (answer.type !== 'result') throw new PhoneOpenError(`the lock answered ${answer.type}, not a result`);
  const plain = openOnce(keys.lock, 'result', answer.sealed);
  keys.lock.fill(0);
  keys.phone.fill(0);
  if (!plain || plain.length < 1 || plain[0]! > 1)
    throw new PhoneOpenError('the lock’s answer did not authenticate (not the lock that challenged)');
  return {
    granted: plain[0] === 1,
    reason: plain.length > 1 ? plain.subarray(1).toString('utf8') : null,
    lockId: challenge.lockId,
  };
}
