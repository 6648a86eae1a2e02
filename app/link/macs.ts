import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { blake2s } from '@noble/hashes/blake2.js';
import { COOKIE_SECRET_LIFETIME, LABEL_COOKIE, LABEL_MAC1 } from './constants.js';
import { MAC_BYTES, macOffset } from './formats.js';

/**
 * mac1, mac2 and the cookie reply (WireGuard whitepaper section 5.4.4 and 5.4.7). MAC is keyed
 * BLAKE2s with a 16-byte output: node:crypto has no keyed BLAKE2s (only HMAC), hence @noble/hashes here.
 */

/** A UDP source: the cookie binds to it, so a spoofer never sees the cookie for an address it does not own. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** An endpoint as people write it: HOST:PORT, an IPv6 address in brackets. */
export const hostPort = (e: Endpoint): string =>
  e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;

/** Keyed BLAKE2s-128 (WireGuard's MAC). */
export function mac(key: Uint8Array, data: Uint8Array): Buffer {
  return Buffer.from(blake2s(data, { key, dkLen: MAC_BYTES }));
}

function labelled(label: string, staticPublic: Uint8Array): Buffer {
  return createHash('blake2s256').update(label, 'utf8').update(staticPublic).digest();
}

/** The mac1 key for messages sent to the owner of `receiverStatic`: HASH(LABEL_MAC1 ‖ S_pub). */
export function mac1Key(receiverStatic: Uint8Array): Buffer {
  return labelled(LABEL_MAC1, receiverStatic);
}

/** The key that seals cookie replies sent by the owner of `senderStatic`: HASH(LABEL_COOKIE ‖ S_pub). */
export function cookieKey(senderStatic: Uint8Array): Buffer {
  return labelled(LABEL_COOKIE, senderStatic);
}

/** Fills mac1 (and mac2 when a fresh cookie is known; zeros otherwise) in a handshake message. */
export function writeMacs(message: Buffer, key1: Uint8Array, cookie: Uint8Array | undefined): void {
  const at = macOffset(message);
  message.set(mac(key1, message.subarray(0, at)), at);
  const mac2 = cookie ? mac(cookie, message.subarray(0, at + MAC_BYTES)) : Buffer.alloc(MAC_BYTES);
  message.set(mac2, at + MAC_BYTES);
}

/** Constant-time check of mac1: the first and cheapest gate a handshake message passes. */
export function mac1Valid(message: Uint8Array, key1: Uint8Array): boolean {
  const at = macOffset(message);
  return timingSafeEqual(mac(key1, message.subarray(0, at)), message.subarray(at, at + MAC_BYTES));
}

function endpointBytes(source: Endpoint): Buffer {
  const port = Buffer.alloc(2);
  port.writeUInt16BE(source.port);
  return Buffer.concat([Buffer.from(source.address, 'utf8'), port]);
}

/**
 * The responder's cookie machinery. The secret is random and replaced every two minutes, so a cookie
 * expires with it; a cookie is MAC(secret, source address ‖ port), so it only helps from that source.
 */
export class CookieChecker {
  private secret = randomBytes(32);
  private bornAt = Number.NEGATIVE_INFINITY;
  private readonly sealKey: Buffer;

  constructor(ownStatic: Uint8Array) {
    this.sealKey = cookieKey(ownStatic);
  }

  private cookie(source: Endpoint, now: number): Buffer {
    if (now - this.bornAt >= COOKIE_SECRET_LIFETIME) {
      this.secret = randomBytes(32);
      this.bornAt = now;
    }
    return mac(this.secret, endpointBytes(source));
  }

  /** True when mac2 proves the sender received our cookie at this source address and port. */
  mac2Valid(message: Uint8Array, source: Endpoint, now: number): boolean {
    const at = macOffset(message) + MAC_BYTES;
    const expected = mac(this.cookie(source, now), message.subarray(0, at));
    return timingSafeEqual(expected, message.subarray(at, at + MAC_BYTES));
  }

  /** The sealed cookie for a reply: random 24-byte nonce, AD = the mac1 of the message it answers. */
  seal(source: Endpoint, mac1: Uint8Array, now: number): { nonce: Buffer; sealedCookie: Buffer } {
    const nonce = randomBytes(24);
    const sealed = xchacha20poly1305(this.sealKey, nonce, mac1).encrypt(this.cookie(source, now));
    return { nonce, sealedCookie: Buffer.from(sealed) };
  }
}

/** Opens a cookie reply from the owner of `responderStatic`; undefined when it does not authenticate. */
export function openCookie(
  responderStatic: Uint8Array,
  nonce: Uint8Array,
  sealedCookie: Uint8Array,
  lastMac1: Uint8Array,
): Buffer | undefined {
  try {
    return Buffer.from(xchacha20poly1305(cookieKey(responderStatic), nonce, lastMac1).decrypt(sealedCookie));
  } catch {
    return undefined;
  }
}
