import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Version byte of the sealed-box layout below, so the layout can change without ambiguity. */
const LAYOUT_V1 = 0x01;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Raised when a sealed box does not open: wrong key, wrong associated data, or tampered bytes. */
export class AeadOpenError extends Error {
  constructor(message = 'sealed data did not authenticate (wrong key, wrong purpose, or tampered)') {
    super(message);
    this.name = 'AeadOpenError';
  }
}

/**
 * Seals `plaintext` with AES-256-GCM under `key`, binding `aad` (purpose, key version, site).
 * Layout: version(1) ‖ nonce(12) ‖ ciphertext ‖ tag(16). The nonce is random: a key wraps at most a
 * few thousand secrets in its life, far below the 2^32 random-nonce bound of NIST SP 800-38D.
 */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad: string): Buffer {
  if (key.length !== 32) throw new RangeError('seal: key must be 32 bytes');
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(LAYOUT_V1), nonce, body, cipher.getAuthTag()]);
}

/** Opens a box made by {@link seal}; throws {@link AeadOpenError} unless key and `aad` match exactly. */
export function open(key: Uint8Array, sealed: Uint8Array, aad: string): Buffer {
  if (key.length !== 32) throw new RangeError('open: key must be 32 bytes');
  if (sealed.length < 1 + NONCE_BYTES + TAG_BYTES || sealed[0] !== LAYOUT_V1) {
    throw new AeadOpenError('sealed data is truncated or of an unknown layout');
  }
  const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const body = sealed.subarray(1 + NONCE_BYTES, sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new AeadOpenError();
  }
}
