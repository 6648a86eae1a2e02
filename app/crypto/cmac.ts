import { createCipheriv } from 'node:crypto';

/**
 * AES-CMAC (RFC 4493, NIST SP 800-38B) over node:crypto's AES: Node 20 has no CMAC API of its own.
 * The DESFire EV2 secure messaging, AN10922 key diversification and the NCoder session all build on it.
 */

const BLOCK = 16;
const ZERO_IV = Buffer.alloc(BLOCK);

function aesName(key: Uint8Array): string {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
    throw new RangeError(`AES key must be 16, 24 or 32 bytes, not ${key.length}`);
  }
  return `aes-${key.length * 8}`;
}

/** AES encryption of whole blocks in CBC mode without padding, from `iv` (ECB when there is one block and a zero IV). */
export function aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Buffer {
  if (data.length % BLOCK !== 0) throw new RangeError('aesCbcEncrypt: data is not a whole number of blocks');
  const c = createCipheriv(`${aesName(key)}-cbc`, key, iv).setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

/** Doubling in GF(2^128) as RFC 4493 derives K1 and K2: shift left one bit, xor 0x87 on carry. */
function double(block: Uint8Array): Buffer {
  const out = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i++)
    out[i] = ((block[i]! << 1) | (i + 1 < BLOCK ? block[i + 1]! >> 7 : 0)) & 0xff;
  if (block[0]! & 0x80) out[BLOCK - 1]! ^= 0x87;
  return out;
}

/** The CMAC subkeys K1 and K2 of `key` (RFC 4493 section 2.3). */
export function cmacSubkeys(key: Uint8Array): { k1: Buffer; k2: Buffer } {
  const l = aesCbcEncrypt(key, ZERO_IV, ZERO_IV);
  const k1 = double(l);
  const k2 = double(k1);
  l.fill(0);
  return { k1, k2 };
}

/** The CBC-MAC of complete, already prepared blocks: the last block of their CBC encryption. */
function cbcMacLast(key: Uint8Array, blocks: Uint8Array): Buffer {
  const enc = aesCbcEncrypt(key, ZERO_IV, blocks);
  return Buffer.from(enc.subarray(enc.length - BLOCK));
}

/**
 * Prepares a message as CMAC does: when it already fills its blocks (or exactly `paddedLength`), the last
 * block is xored with K1; otherwise it is padded with 0x80 00.. (to the next block boundary, or to
 * `paddedLength`) and the last block xored with K2.
 */
function cmacPrepare(key: Uint8Array, message: Uint8Array, paddedLength?: number): Buffer {
  const full =
    paddedLength === undefined
      ? message.length > 0 && message.length % BLOCK === 0
      : message.length === paddedLength;
  const length = full ? message.length : (paddedLength ?? Math.ceil((message.length + 1) / BLOCK) * BLOCK);
  if (length % BLOCK !== 0 || length < message.length + (full ? 0 : 1)) {
    throw new RangeError(`cmac: cannot pad ${message.length} bytes to ${length}`);
  }
  const blocks = Buffer.alloc(length);
  blocks.set(message);
  if (!full) blocks[message.length] = 0x80;
  const { k1, k2 } = cmacSubkeys(key);
  const sub = full ? k1 : k2;
  for (let i = 0; i < BLOCK; i++) blocks[length - BLOCK + i]! ^= sub[i]!;
  k1.fill(0);
  k2.fill(0);
  return blocks;
}

/** AES-CMAC of `message` under `key` (16-byte tag; truncate where a protocol says so). */
export function aesCmac(key: Uint8Array, message: Uint8Array): Buffer {
  return cbcMacLast(key, cmacPrepare(key, message));
}

/**
 * AES-CMAC over a message first padded to `paddedLength` bytes, as AN10922 requires (it always pads
 * the diversification input to 32 bytes, so a short input gives another answer than plain CMAC).
 */
export function aesCmacPadded(key: Uint8Array, message: Uint8Array, paddedLength: number): Buffer {
  return cbcMacLast(key, cmacPrepare(key, message, paddedLength));
}
