import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';

/**
 * X25519 private keys as OpenSSL key objects, made from 32 raw bytes (RFC 7748 §5: any 32 random bytes,
 * clamped where they are used — OpenSSL clamps).
 *
 * Fresh keys are made here from random bytes rather than with crypto.generateKeyPairSync: on Node 20
 * a key from a key-generation job can deadlock the process when it is exported as JWK while the
 * garbage collector destroys that job (the export holds the key's mutex while it allocates; the job's
 * destructor takes the same mutex). Seen in CI: a worker stuck in futex_wait under
 * ExportJWKEdKey → GC → ~KeyGenJob. A key imported from bytes has no job behind it.
 */

const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
/**
 * Node's JWK import of an OKP private key takes the key from `d` (EVP_PKEY_new_raw_private_key) and
 * requires an `x` it does not use; the public key is derived from `d`. This placeholder fills it. The
 * JWK path is ten times faster than the DER decoder (measured: 17k vs 1.7k keys/s), which the
 * responder's one fresh ephemeral key per handshake needs; should a Node version check `x`, the
 * import falls back to DER.
 */
const UNUSED_X = Buffer.alloc(32).toString('base64url');
let jwkImport = true;

/** The key object of a raw 32-byte X25519 private key. */
export function x25519PrivateKey(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new RangeError('an X25519 private key is 32 bytes');
  if (jwkImport) {
    try {
      const d = Buffer.from(raw).toString('base64url');
      return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d, x: UNUSED_X }, format: 'jwk' });
    } catch {
      jwkImport = false;
    }
  }
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
}

/** A fresh X25519 private key. */
export function newX25519PrivateKey(): KeyObject {
  return x25519PrivateKey(randomBytes(32));
}
