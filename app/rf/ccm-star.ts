import { createCipheriv, createDecipheriv } from 'node:crypto';
import { euiBytes, type Eui64 } from './eui64.js';

/**
 * CCM* (IEEE 802.15.4 Annex B): CCM with AES-128 and L = 2 (13-byte nonce), extended with the
 * levels that CCM cannot express. The security level (0–7) chooses:
 *
 *   0 none · 1/2/3 MIC-32/64/128 (authenticated, not encrypted) · 4 ENC (encrypted, NOT authenticated)
 *   5/6/7 ENC-MIC-32/64/128
 *
 * Levels 5–7 are CCM as node's `aes-128-ccm` computes it (authTagLength 4/8/16). MIC-only levels
 * are CCM with an empty message and the clear bytes appended to the associated data — the MIC covers
 * them and they travel as they are. ENC-only (level 4) is CCM's counter mode alone: AES-CTR from
 * A1 = flags(0x01) ‖ nonce ‖ 0x0001, which is where CCM starts encrypting (A0 masks the MIC).
 *
 * The 802.15.4 nonce is the sender's EUI-64 (8, most significant first) ‖ frame counter (4, big-
 * endian) ‖ level (1): unique as long as a sender never reuses a counter under one key
 * (frame-counters.ts sees to that).
 */

/** A CCM* MIC that does not verify, or inputs that CCM* cannot take. */
export class CcmStarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CcmStarError';
  }
}

export type SecurityLevel = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

const MIC_LENGTHS = [0, 4, 8, 16, 0, 4, 8, 16] as const;

function checkLevel(level: number): SecurityLevel {
  if (!Number.isInteger(level) || level < 0 || level > 7)
    throw new CcmStarError(`security level ${level}: 0 to 7`);
  return level as SecurityLevel;
}

/** The MIC length of a level, in bytes. */
export function micLength(level: number): 0 | 4 | 8 | 16 {
  return MIC_LENGTHS[checkLevel(level)];
}

/** Whether a level encrypts (4–7). */
export function encrypts(level: number): boolean {
  return checkLevel(level) >= 4;
}

/** The 13-byte 802.15.4 nonce. */
export function ccmStarNonce(srcExt: Eui64 | Uint8Array, frameCounter: number, level: number): Buffer {
  const ext = typeof srcExt === 'string' ? euiBytes(srcExt) : Buffer.from(srcExt);
  if (ext.length !== 8) throw new CcmStarError('the nonce source is an 8-byte extended address');
  if (!Number.isInteger(frameCounter) || frameCounter < 0 || frameCounter > 0xffff_ffff)
    throw new CcmStarError(`frame counter ${frameCounter}: 0 to 2^32 − 1`);
  const nonce = Buffer.alloc(13);
  ext.copy(nonce, 0);
  nonce.writeUInt32BE(frameCounter, 8);
  nonce[12] = checkLevel(level);
  return nonce;
}

function checkKeyNonce(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== 16) throw new CcmStarError(`CCM* key of ${key.length} bytes: 16`);
  if (nonce.length !== 13) throw new CcmStarError(`CCM* nonce of ${nonce.length} bytes: 13`);
}

/**
 * OpenSSL's CCM must see an update call; node skips it for an empty view without a backing store
 * (`Buffer.from(new Uint8Array(0))`), and final() then fails with "tag not set". Buffer.alloc(0) works.
 */
const nonEmpty = (b: Uint8Array): Uint8Array => (b.length ? b : Buffer.alloc(0));

/** Plain CCM (RFC 3610) with AES-128, a 13-byte nonce and any tag length node allows: c ‖ tag. */
export function ccmSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  m: Uint8Array,
  tagLength: number,
): Buffer {
  checkKeyNonce(key, nonce);
  const c = createCipheriv('aes-128-ccm', key, nonce, { authTagLength: tagLength });
  c.setAAD(aad, { plaintextLength: m.length });
  const out = Buffer.concat([c.update(nonEmpty(m)), c.final()]);
  return Buffer.concat([out, c.getAuthTag()]);
}

/** Opens `c ‖ tag`; throws {@link CcmStarError} when the tag does not verify. */
export function ccmOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  sealed: Uint8Array,
  tagLength: number,
): Buffer {
  checkKeyNonce(key, nonce);
  if (sealed.length < tagLength) throw new CcmStarError('sealed data shorter than its MIC');
  const body = sealed.subarray(0, sealed.length - tagLength);
  const d = createDecipheriv('aes-128-ccm', key, nonce, { authTagLength: tagLength });
  d.setAuthTag(sealed.subarray(sealed.length - tagLength));
  d.setAAD(aad, { plaintextLength: body.length });
  const out = d.update(nonEmpty(body));
  try {
    d.final();
  } catch {
    throw new CcmStarError('CCM* MIC does not verify (wrong key, or the frame was changed)');
  }
  return out;
}

/** Level 4: CCM's counter mode from A1, no MIC. Its own inverse. */
function ctrOnly(key: Uint8Array, nonce: Uint8Array, data: Uint8Array): Buffer {
  const a1 = Buffer.concat([Buffer.from([0x01]), nonce, Buffer.from([0x00, 0x01])]);
  const c = createCipheriv('aes-128-ctr', key, a1);
  return Buffer.concat([c.update(data), c.final()]);
}

/**
 * Secures `m` with associated data `aad` at `level`: the bytes that travel after the header —
 * ciphertext ‖ MIC (5–7), m ‖ MIC (1–3: m in clear, covered), ciphertext (4), m (0).
 */
export function ccmStarSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  m: Uint8Array,
  level: number,
): Buffer {
  checkKeyNonce(key, nonce);
  const mic = micLength(level);
  if (level === 0) return Buffer.from(m);
  if (level === 4) return ctrOnly(key, nonce, m);
  if (level < 4) {
    const tag = ccmSeal(key, nonce, Buffer.concat([aad, m]), Buffer.alloc(0), mic);
    return Buffer.concat([m, tag]);
  }
  return ccmSeal(key, nonce, aad, m, mic);
}

/** The inverse of {@link ccmStarSeal}: the plaintext, or {@link CcmStarError}. */
export function ccmStarOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  c: Uint8Array,
  level: number,
): Buffer {
  checkKeyNonce(key, nonce);
  const mic = micLength(level);
  if (c.length < mic)
    throw new CcmStarError(`secured data of ${c.length} bytes is shorter than its ${mic}-byte MIC`);
  if (level === 0) return Buffer.from(c);
  if (level === 4) return ctrOnly(key, nonce, c);
  if (level < 4) {
    const m = c.subarray(0, c.length - mic);
    ccmOpen(key, nonce, Buffer.concat([aad, m]), c.subarray(c.length - mic), mic);
    return Buffer.from(m);
  }
  return ccmOpen(key, nonce, aad, c, mic);
}
