import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';

/**
 * The mobile lock-group key: one 32-byte AES key per site, made inside the NCoder, under which every
 * mobile token is sealed. It reaches a lock only wrapped for that lock's X25519 identity key (made at
 * the factory), so the Service and the relay forward it without ever seeing it:
 *
 *   wrapped = ephemeral X25519 public (32) ‖ AES-256-GCM(W, nonce 0¹², key) (32) ‖ tag (16)
 *   W = HKDF-SHA256(X25519(ephemeral, lock), salt = ephemeral public ‖ lock public,
 *                   info = 'lintel-mobile-group/1', 32)
 *
 * W is fresh for every wrap (a new ephemeral key each time), so its all-zero nonce is used once, as in
 * app/ncoder/ncoder-pairing.ts, whose construction this follows under its own label.
 */

/** Bytes of a group key. */
export const GROUP_KEY_BYTES = 32;
/** Bytes of a group key id. */
export const GROUP_KEY_ID_BYTES = 8;
/** Bytes of an X25519 key (public or private). */
export const X25519_BYTES = 32;
/** Bytes of a wrapped group key. */
export const WRAPPED_GROUP_KEY_BYTES = X25519_BYTES + GROUP_KEY_BYTES + 16;

const LABEL = 'lintel-mobile-group/1';
const ID_LABEL = 'lintel-mobile-group-id/1';
const ZERO_NONCE = Buffer.alloc(12);
// PKCS#8 prefix of a raw X25519 private key (RFC 8410): node imports raw keys only through it.
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** An X25519 key pair as raw bytes (how a lock keeps its identity in its memory). */
export interface RawX25519Pair {
  privateKey: Buffer;
  publicKey: Buffer;
}

/** The id locks and tokens name a group key by: the first 8 bytes of SHA-256(label ‖ key). */
export function groupKeyIdOf(key: Uint8Array): Buffer {
  if (key.length !== GROUP_KEY_BYTES) throw new RangeError('group-key: a group key is 32 bytes');
  return createHash('sha256').update(ID_LABEL).update(key).digest().subarray(0, GROUP_KEY_ID_BYTES);
}

/** A fresh X25519 key pair, raw. */
export function newX25519Pair(): RawX25519Pair {
  // From random bytes, not generateKeyPairSync: see app/crypto/x25519-key.ts (a Node 20 deadlock).
  return x25519PairOf(randomBytes(32));
}

/** The key pair of a raw private key. */
export function x25519PairOf(privateKey: Uint8Array): RawX25519Pair {
  const key = x25519Private(privateKey);
  const x = createPublicKey(key).export({ format: 'jwk' }).x!;
  return { privateKey: Buffer.from(privateKey), publicKey: Buffer.from(x, 'base64url') };
}

function x25519Private(raw: Uint8Array): KeyObject {
  if (raw.length !== X25519_BYTES) throw new RangeError('group-key: an X25519 private key is 32 bytes');
  return createPrivateKey({
    key: Buffer.concat([X25519_PKCS8_PREFIX, raw]),
    format: 'der',
    type: 'pkcs8',
  });
}

/**
 * X25519(private, public) (RFC 7748); throws RangeError on a key of the wrong size and on a public key
 * that gives the all-zero secret (a small-order point: it would make the derived key public).
 */
export function x25519(privateKey: Uint8Array, publicKey: Uint8Array): Buffer {
  if (publicKey.length !== X25519_BYTES) throw new RangeError('group-key: an X25519 public key is 32 bytes');
  const pub = createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(publicKey).toString('base64url') },
    format: 'jwk',
  });
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey: x25519Private(privateKey), publicKey: pub });
  } catch (err) {
    // OpenSSL refuses a small-order point itself: the same refusal as the check below.
    throw new RangeError('group-key: degenerate X25519 public key', { cause: err });
  }
  if (shared.every((b) => b === 0)) throw new RangeError('group-key: degenerate X25519 public key');
  return shared;
}

function wrappingKey(shared: Buffer, ephemeralPublic: Uint8Array, lockPublic: Uint8Array): Buffer {
  const w = Buffer.from(
    hkdfSync('sha256', shared, Buffer.concat([ephemeralPublic, lockPublic]), LABEL, GROUP_KEY_BYTES),
  );
  shared.fill(0);
  return w;
}

/** Wraps `groupKey` for the lock whose X25519 public key is `lockPublicKey` (the NCoder does this). */
export function wrapGroupKey(groupKey: Uint8Array, lockPublicKey: Uint8Array): Buffer {
  if (groupKey.length !== GROUP_KEY_BYTES) throw new RangeError('group-key: a group key is 32 bytes');
  const eph = newX25519Pair();
  const w = wrappingKey(x25519(eph.privateKey, lockPublicKey), eph.publicKey, lockPublicKey);
  eph.privateKey.fill(0);
  const c = createCipheriv('aes-256-gcm', w, ZERO_NONCE, { authTagLength: 16 });
  const out = Buffer.concat([eph.publicKey, c.update(groupKey), c.final(), c.getAuthTag()]);
  w.fill(0);
  return out;
}

/** Opens a wrapped group key with the lock's identity; undefined when it is not for this lock or altered. */
export function unwrapGroupKey(wrapped: Uint8Array, lock: RawX25519Pair): Buffer | undefined {
  if (wrapped.length !== WRAPPED_GROUP_KEY_BYTES) return undefined;
  const eph = wrapped.subarray(0, X25519_BYTES);
  let w: Buffer;
  try {
    w = wrappingKey(x25519(lock.privateKey, eph), eph, lock.publicKey);
  } catch {
    return undefined;
  }
  try {
    const d = createDecipheriv('aes-256-gcm', w, ZERO_NONCE, { authTagLength: 16 });
    d.setAuthTag(wrapped.subarray(X25519_BYTES + GROUP_KEY_BYTES));
    return Buffer.concat([
      d.update(wrapped.subarray(X25519_BYTES, X25519_BYTES + GROUP_KEY_BYTES)),
      d.final(),
    ]);
  } catch {
    return undefined;
  } finally {
    w.fill(0);
  }
}
