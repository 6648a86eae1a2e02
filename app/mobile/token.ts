import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  accessDataBytes,
  decodeAccessData,
  encodeAccessData,
  type CardAccessData,
} from '../card/access-data.js';
import { CardFormatError } from '../card/format-error.js';
import { DEVICE_PUBLIC_KEY_BYTES } from './device-key.js';
import { GROUP_KEY_BYTES, GROUP_KEY_ID_BYTES, groupKeyIdOf } from './group-key.js';

/**
 * A mobile key token: what the NCoder seals for the locks of a site and the relay carries to one
 * phone. The phone cannot read it; a lock holding the site's group key can. Layout (docs/mobile-keys.md):
 *
 *   byte  size  field (the header, in clear: the phone and the relay read it; it is the GCM AAD)
 *   0     4     magic 'LMK1'
 *   4     8     group key id (which group key sealed it)
 *   12    16    token id (random; the Service and the relay name the token by it)
 *   28    4     not before, epoch seconds, big-endian
 *   32    4     not after, epoch seconds (exclusive), big-endian
 *   36    65    the phone's device public key (P-256, uncompressed): only that phone can use it
 *   101   12    GCM nonce (random)
 *   113   n     AES-256-GCM ciphertext of: access data length (2, BE) ‖ access data (app/card/access-data.ts,
 *               without the card file's padding) ‖ the holder's PIN hash (PHC string, UTF-8) or nothing
 *   113+n 16    GCM tag
 */

/** Bytes of the token header. */
export const TOKEN_HEADER_BYTES = 4 + GROUP_KEY_ID_BYTES + 16 + 4 + 4 + DEVICE_PUBLIC_KEY_BYTES;
/** Bytes of a token id. */
export const TOKEN_ID_BYTES = 16;
/** The largest token (the most rights a card holds and a long PIN hash fit well under it). */
export const MAX_TOKEN_BYTES = 1024;
/** The longest PIN hash a token carries. */
export const MAX_PIN_HASH_BYTES = 200;

const MAGIC = Buffer.from('LMK1', 'latin1');
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const MAX_U32 = 0xffff_ffff;

/** Bytes that are not a token (truncated, wrong magic, impossible fields). */
export class TokenFormatError extends Error {
  override readonly name = 'TokenFormatError';
}

/** A token that does not open under the key tried (another site's key, or altered bytes). */
export class TokenOpenError extends Error {
  override readonly name = 'TokenOpenError';
}

/** The token's clear header. */
export interface TokenHeader {
  groupKeyId: Buffer;
  tokenId: Buffer;
  notBefore: number;
  notAfter: number;
  devicePublicKey: Buffer;
}

/** A token cut into its parts (no key needed). */
export interface TokenParts {
  header: TokenHeader;
  nonce: Buffer;
  /** Ciphertext ‖ tag. */
  sealed: Buffer;
}

/** What the lock finds inside a token. */
export interface OpenedToken {
  header: TokenHeader;
  access: CardAccessData;
  /** The holder's PIN hash (PHC), or null when none was sealed. */
  pinHash: string | null;
}

/** What the NCoder seals. */
export interface TokenContent {
  tokenId?: Uint8Array;
  notBefore: number;
  notAfter: number;
  devicePublicKey: Uint8Array;
  /** Access data bytes ({@link tokenAccessBytes}). */
  accessData: Uint8Array;
  pinHash: string | null;
}

/** A credential's access data as a token carries it: the card file's bytes without their padding. */
export function tokenAccessBytes(access: CardAccessData): Buffer {
  return encodeAccessData(access).subarray(0, accessDataBytes(access.rights.length));
}

function checkHeader(h: TokenHeader): void {
  const bad = (why: string): never => {
    throw new TokenFormatError(`not a mobile key token: ${why}`);
  };
  if (h.groupKeyId.length !== GROUP_KEY_ID_BYTES) bad('the group key id is 8 bytes');
  if (h.tokenId.length !== TOKEN_ID_BYTES) bad('the token id is 16 bytes');
  for (const [name, v] of [
    ['not before', h.notBefore],
    ['not after', h.notAfter],
  ] as const)
    if (!Number.isInteger(v) || v < 0 || v > MAX_U32) bad(`${name} is not a 32-bit time`);
  if (h.notBefore >= h.notAfter) bad('it ends before it starts');
  if (h.devicePublicKey.length !== DEVICE_PUBLIC_KEY_BYTES || h.devicePublicKey[0] !== 4)
    bad('the device key is not an uncompressed P-256 point');
}

/** The header's bytes. */
export function encodeTokenHeader(h: TokenHeader): Buffer {
  checkHeader(h);
  const out = Buffer.alloc(TOKEN_HEADER_BYTES);
  let at = MAGIC.copy(out, 0);
  at += h.groupKeyId.copy(out, at);
  at += h.tokenId.copy(out, at);
  at = out.writeUInt32BE(h.notBefore, at);
  at = out.writeUInt32BE(h.notAfter, at);
  h.devicePublicKey.copy(out, at);
  return out;
}

/** Reads a token's clear header (the phone and the relay do, to list it); throws TokenFormatError. */
export function readTokenHeader(bytes: Uint8Array): TokenHeader {
  return decodeToken(bytes).header;
}

/** Cuts a token into its parts; throws {@link TokenFormatError} (only) when it cannot be one. */
export function decodeToken(bytes: Uint8Array): TokenParts {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (b.length > MAX_TOKEN_BYTES) throw new TokenFormatError(`a token is at most ${MAX_TOKEN_BYTES} bytes`);
  if (b.length < TOKEN_HEADER_BYTES + NONCE_BYTES + 2 + TAG_BYTES)
    throw new TokenFormatError('not a mobile key token: too short');
  if (!b.subarray(0, 4).equals(MAGIC)) throw new TokenFormatError('not a mobile key token: no LMK1 magic');
  const header: TokenHeader = {
    groupKeyId: Buffer.from(b.subarray(4, 12)),
    tokenId: Buffer.from(b.subarray(12, 28)),
    notBefore: b.readUInt32BE(28),
    notAfter: b.readUInt32BE(32),
    devicePublicKey: Buffer.from(b.subarray(36, TOKEN_HEADER_BYTES)),
  };
  checkHeader(header);
  return {
    header,
    nonce: Buffer.from(b.subarray(TOKEN_HEADER_BYTES, TOKEN_HEADER_BYTES + NONCE_BYTES)),
    sealed: Buffer.from(b.subarray(TOKEN_HEADER_BYTES + NONCE_BYTES)),
  };
}

/** A token's bytes from its parts. */
export function encodeToken(p: TokenParts): Buffer {
  if (p.nonce.length !== NONCE_BYTES) throw new TokenFormatError('a token nonce is 12 bytes');
  if (p.sealed.length < 2 + TAG_BYTES) throw new TokenFormatError('a token carries at least its tag');
  const out = Buffer.concat([encodeTokenHeader(p.header), p.nonce, p.sealed]);
  if (out.length > MAX_TOKEN_BYTES) throw new TokenFormatError(`a token is at most ${MAX_TOKEN_BYTES} bytes`);
  return out;
}

/** Seals a token under the group key (inside the NCoder); answers its bytes. */
export function sealToken(groupKey: Uint8Array, c: TokenContent): Buffer {
  if (groupKey.length !== GROUP_KEY_BYTES) throw new RangeError('token: a group key is 32 bytes');
  const pin = c.pinHash === null ? Buffer.alloc(0) : Buffer.from(c.pinHash, 'utf8');
  if (pin.length > MAX_PIN_HASH_BYTES)
    throw new TokenFormatError(`the PIN hash is ${pin.length} bytes; a token holds ${MAX_PIN_HASH_BYTES}`);
  if (c.accessData.length > 0xffff) throw new TokenFormatError('the access data is too long for a token');
  const header = encodeTokenHeader({
    groupKeyId: groupKeyIdOf(groupKey),
    tokenId: Buffer.from(c.tokenId ?? randomBytes(TOKEN_ID_BYTES)),
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    devicePublicKey: Buffer.from(c.devicePublicKey),
  });
  const length = Buffer.alloc(2);
  length.writeUInt16BE(c.accessData.length);
  // Random nonces: a group key seals at most a few hundred thousand tokens, far below 2^32 (SP 800-38D).
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', groupKey, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(header);
  const body = Buffer.concat([
    cipher.update(length),
    cipher.update(c.accessData),
    cipher.update(pin),
    cipher.final(),
  ]);
  const out = Buffer.concat([header, nonce, body, cipher.getAuthTag()]);
  if (out.length > MAX_TOKEN_BYTES)
    throw new TokenFormatError(`the token would be ${out.length} bytes, over ${MAX_TOKEN_BYTES}`);
  return out;
}

/**
 * Opens a token with the group key (at the lock). Throws {@link TokenFormatError} for bytes that are
 * no token, {@link TokenOpenError} for a token that does not authenticate under this key.
 */
export function openToken(groupKey: Uint8Array, bytes: Uint8Array): OpenedToken {
  const parts = decodeToken(bytes);
  if (parts.sealed.length < TAG_BYTES + 2) throw new TokenFormatError('not a mobile key token: no body');
  const d = createDecipheriv('aes-256-gcm', groupKey, parts.nonce, { authTagLength: TAG_BYTES });
  d.setAAD(Buffer.from(bytes.subarray(0, TOKEN_HEADER_BYTES)));
  d.setAuthTag(parts.sealed.subarray(parts.sealed.length - TAG_BYTES));
  let plain: Buffer;
  try {
    plain = Buffer.concat([d.update(parts.sealed.subarray(0, parts.sealed.length - TAG_BYTES)), d.final()]);
  } catch {
    throw new TokenOpenError(
      'the token does not open under this lock’s group key (another site’s, or altered)',
    );
  }
  const length = plain.readUInt16BE(0);
  if (2 + length > plain.length) throw new TokenFormatError('the token’s access data runs past its end');
  let access: CardAccessData;
  try {
    access = decodeAccessData(plain.subarray(2, 2 + length));
  } catch (err) {
    if (!(err instanceof CardFormatError)) throw err;
    throw new TokenFormatError(`the token’s access data is damaged: ${err.message}`);
  }
  const pin = plain.subarray(2 + length);
  return { header: parts.header, access, pinHash: pin.length ? pin.toString('utf8') : null };
}
