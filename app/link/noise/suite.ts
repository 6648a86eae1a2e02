import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPublicKey,
  diffieHellman,
  type KeyObject,
} from 'node:crypto';
import { newX25519PrivateKey, x25519PrivateKey } from '../../crypto/x25519-key.js';

/**
 * The primitives of a Noise cipher suite (Noise rev 34 section 4), all from node:crypto (OpenSSL).
 * Only 25519 is supported: Lintel never uses 448, and the vectors only cover 25519.
 */

export const DHLEN = 32;
export const TAGLEN = 16;
/** Both supported hashes (BLAKE2s, SHA-256) have HASHLEN 32, so no truncation rules are needed. */
export const HASHLEN = 32;

/** Raised when a handshake or transport message does not authenticate or is malformed for Noise. */
export class NoiseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoiseError';
  }
}

/**
 * Raw X25519 keys go in and out of OpenSSL as JWK: on OpenSSL 3 the DER decoders cost about ten
 * times more than the JWK path (measured: 8k vs 109k public-key imports per second), and the
 * handshake imports a peer key for every DH.
 */

/** An X25519 key pair: raw public bytes plus the OpenSSL private key object (the raw secret stays inside). */
export interface KeyPair {
  readonly publicKey: Buffer;
  readonly privateKey: KeyObject;
}

function rawPublic(key: KeyObject): Buffer {
  return Buffer.from(key.export({ format: 'jwk' }).x ?? '', 'base64url');
}

/** A fresh random X25519 key pair (GENERATE_KEYPAIR). */
export function generateKeyPair(): KeyPair {
  // From random bytes, not generateKeyPairSync: see app/crypto/x25519-key.ts (a Node 20 deadlock).
  const privateKey = newX25519PrivateKey();
  return { publicKey: rawPublic(privateKey), privateKey };
}

/** A key pair from a raw 32-byte private key (test vectors, stored device keys); OpenSSL clamps it. */
export function keyPairFromPrivate(raw: Uint8Array): KeyPair {
  if (raw.length !== DHLEN) throw new RangeError('X25519 private key must be 32 bytes');
  const privateKey = x25519PrivateKey(raw);
  return { publicKey: rawPublic(privateKey), privateKey };
}

/** The raw 32 private bytes, for storing a device key (never log them). */
export function exportPrivate(pair: KeyPair): Buffer {
  return Buffer.from(pair.privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
}

/** Imports a raw peer public key once, so a handshake using it for two DH tokens pays for one import. */
export function importPublic(publicKey: Uint8Array): KeyObject {
  if (publicKey.length !== DHLEN) throw new NoiseError('public key must be 32 bytes');
  const x = Buffer.from(publicKey).toString('base64url');
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' });
  } catch {
    throw new NoiseError('not an X25519 public key');
  }
}

/**
 * DH(key_pair, public_key). OpenSSL refuses a result of all zeros (a low-order peer point); Noise lets
 * an implementation refuse such keys, and WireGuard does, so that becomes a NoiseError.
 */
export function dh(pair: KeyPair, publicKey: Uint8Array | KeyObject): Buffer {
  const pub = publicKey instanceof Uint8Array ? importPublic(publicKey) : publicKey;
  try {
    return diffieHellman({ privateKey: pair.privateKey, publicKey: pub });
  } catch {
    throw new NoiseError('X25519 with this public key gives no shared secret (low-order point)');
  }
}

export type CipherName = 'ChaChaPoly' | 'AESGCM';
export type HashName = 'BLAKE2s' | 'SHA256';

const OPENSSL_HASH = { BLAKE2s: 'blake2s256', SHA256: 'sha256' } as const;

/** The 96-bit nonce: 4 zero bytes then the 64-bit counter, little-endian for ChaChaPoly, big-endian for AESGCM. */
export function nonceBytes(cipher: CipherName, n: bigint): Buffer {
  const nonce = Buffer.alloc(12);
  if (cipher === 'ChaChaPoly') nonce.writeBigUInt64LE(n, 4);
  else nonce.writeBigUInt64BE(n, 4);
  return nonce;
}

/** ENCRYPT(k, n, ad, plaintext): ciphertext ‖ 16-byte tag. */
export function encrypt(
  cipher: CipherName,
  k: Uint8Array,
  n: bigint,
  ad: Uint8Array,
  plaintext: Uint8Array,
): Buffer {
  const iv = nonceBytes(cipher, n);
  const c =
    cipher === 'ChaChaPoly'
      ? createCipheriv('chacha20-poly1305', k, iv, { authTagLength: TAGLEN })
      : createCipheriv('aes-256-gcm', k, iv, { authTagLength: TAGLEN });
  c.setAAD(ad);
  const body = c.update(plaintext);
  c.final();
  return Buffer.concat([body, c.getAuthTag()]);
}

/** DECRYPT(k, n, ad, ciphertext); throws NoiseError when the tag does not verify. */
export function decrypt(
  cipher: CipherName,
  k: Uint8Array,
  n: bigint,
  ad: Uint8Array,
  ciphertext: Uint8Array,
): Buffer {
  if (ciphertext.length < TAGLEN) throw new NoiseError('ciphertext shorter than its tag');
  const iv = nonceBytes(cipher, n);
  const d =
    cipher === 'ChaChaPoly'
      ? createDecipheriv('chacha20-poly1305', k, iv, { authTagLength: TAGLEN })
      : createDecipheriv('aes-256-gcm', k, iv, { authTagLength: TAGLEN });
  d.setAAD(ad);
  d.setAuthTag(ciphertext.subarray(ciphertext.length - TAGLEN));
  const body = d.update(ciphertext.subarray(0, ciphertext.length - TAGLEN));
  try {
    d.final();
  } catch {
    throw new NoiseError('message did not authenticate');
  }
  return body;
}

/** HASH(data...). */
export function hash(name: HashName, ...parts: Uint8Array[]): Buffer {
  const h = createHash(OPENSSL_HASH[name]);
  for (const p of parts) h.update(p);
  return h.digest();
}

function hmac(name: HashName, key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const m = createHmac(OPENSSL_HASH[name], key);
  for (const p of parts) m.update(p);
  return m.digest();
}

/** Noise HKDF (section 4.3): HMAC-HASH extract with salt ck, then 2 or 3 chained outputs. */
export function hkdf(name: HashName, ck: Uint8Array, ikm: Uint8Array, outputs: 2 | 3): Buffer[] {
  const temp = hmac(name, ck, ikm);
  const o1 = hmac(name, temp, Buffer.of(1));
  const o2 = hmac(name, temp, o1, Buffer.of(2));
  if (outputs === 2) return [o1, o2];
  return [o1, o2, hmac(name, temp, o2, Buffer.of(3))];
}
