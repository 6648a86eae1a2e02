import { createDecipheriv, timingSafeEqual } from 'node:crypto';
import { aesCbcEncrypt, aesCmac } from '../crypto/index.js';
import { concat, u16 } from './bytes.js';

/**
 * EV2 secure messaging (NXP AN12196 section 4, AN12343 section 6; the same on DESFire EV2, DESFire
 * Light and NTAG 424 DNA). The card emulator and the client call these same functions, so both
 * sides agree by construction and the published examples pin both at once.
 *
 * - CmdCtr (2 bytes, little-endian) starts at 0 after AuthenticateEV2First and counts command/response
 *   pairs; a command uses the current value, its response the value plus one.
 * - The MAC is AES-CMAC under SesAuthMACKey truncated to the 8 odd-indexed bytes (1, 3, …, 15).
 * - Command MAC input: Cmd ‖ CmdCtr ‖ TI ‖ CmdHeader ‖ CmdData (CmdData already encrypted in full mode).
 * - Response MAC input: RC ‖ CmdCtr+1 ‖ TI ‖ RespData (RespData already encrypted in full mode).
 * - Full mode encrypts data padded with ISO/IEC 9797-1 method 2 (0x80 then zeros, always at least one
 *   byte) in AES-CBC under SesAuthENCKey, from IV = E(SesAuthENCKey, A5 5A ‖ TI ‖ CmdCtr ‖ 0^8) for
 *   commands and E(SesAuthENCKey, 5A A5 ‖ TI ‖ CmdCtr+1 ‖ 0^8) for responses.
 */

const BLOCK = 16;
const ZERO_IV = Buffer.alloc(BLOCK);

/** The length of a truncated EV2 MAC (MACt). */
export const MAC_LENGTH = 8;

/** The last command counter value a session may use before it has to authenticate again. */
export const MAX_CMD_CTR = 0xffff;

/** An EV2 secure-messaging session, as both the card and the PCD hold it after authentication. */
export interface SecureSession {
  /** The key number (of the selected application, or of the PICC) the session was authenticated with. */
  keyNo: number;
  /** SesAuthENCKey. */
  encKey: Buffer;
  /** SesAuthMACKey. */
  macKey: Buffer;
  /** Transaction identifier chosen by the card at AuthenticateEV2First (4 bytes). */
  ti: Buffer;
  /** Command counter, 0..0xFFFF. */
  cmdCtr: number;
}

/** Truncates a 16-byte CMAC to its 8 odd-indexed bytes, as EV2 does (AN12196 calls them "even-numbered"). */
export function truncateMac(cmac: Uint8Array): Buffer {
  const out = Buffer.alloc(MAC_LENGTH);
  for (let i = 0; i < MAC_LENGTH; i++) out[i] = cmac[2 * i + 1]!;
  return out;
}

/** The MACt of a command: `payload` is CmdHeader ‖ CmdData exactly as sent. */
export function commandMac(session: SecureSession, cmd: number, payload: Uint8Array): Buffer {
  const input = concat(Buffer.of(cmd), u16(session.cmdCtr), session.ti, payload);
  return truncateMac(aesCmac(session.macKey, input));
}

/** The MACt of a response: `payload` is RespData exactly as sent; uses CmdCtr + 1. */
export function responseMac(session: SecureSession, status: number, payload: Uint8Array): Buffer {
  const input = concat(Buffer.of(status), u16(session.cmdCtr + 1), session.ti, payload);
  return truncateMac(aesCmac(session.macKey, input));
}

/** Compares two MACs in constant time (a length difference is not secret: MACt is always 8 bytes). */
export function macEquals(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function iv(session: SecureSession, label: number, counter: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.writeUInt16BE(label, 0);
  session.ti.copy(block, 2);
  u16(counter).copy(block, 6);
  return aesCbcEncrypt(session.encKey, ZERO_IV, block);
}

/** IV for command data: E(SesAuthENCKey, A5 5A ‖ TI ‖ CmdCtr ‖ 0^8). */
export function commandIv(session: SecureSession): Buffer {
  return iv(session, 0xa55a, session.cmdCtr);
}

/** IV for response data: E(SesAuthENCKey, 5A A5 ‖ TI ‖ CmdCtr+1 ‖ 0^8). */
export function responseIv(session: SecureSession): Buffer {
  return iv(session, 0x5aa5, session.cmdCtr + 1);
}

/** ISO/IEC 9797-1 padding method 2: 0x80 then zeros to the next block, always at least one byte. */
export function padMethod2(data: Uint8Array): Buffer {
  const out = Buffer.alloc((Math.floor(data.length / BLOCK) + 1) * BLOCK);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

/**
 * Removes method 2 padding: the last 0x80 within the final block with only zeros after it. Returns
 * null when the padding is not there (a wrong key, a tampered or a truncated cryptogram).
 */
export function unpadMethod2(padded: Uint8Array): Buffer | null {
  if (padded.length === 0 || padded.length % BLOCK !== 0) return null;
  for (let i = padded.length - 1; i >= padded.length - BLOCK; i--) {
    if (padded[i] === 0x80) return Buffer.from(padded.subarray(0, i));
    if (padded[i] !== 0) return null;
  }
  return null;
}

function aesCbcDecrypt(key: Uint8Array, ivBlock: Uint8Array, data: Uint8Array): Buffer {
  const d = createDecipheriv('aes-128-cbc', key, ivBlock).setAutoPadding(false);
  return Buffer.concat([d.update(data), d.final()]);
}

/** Encrypts command data in full mode (padding included). */
export function encryptCommandData(session: SecureSession, plain: Uint8Array): Buffer {
  return aesCbcEncrypt(session.encKey, commandIv(session), padMethod2(plain));
}

/** Decrypts full-mode command data; null when the length or the padding is wrong. */
export function decryptCommandData(session: SecureSession, cipher: Uint8Array): Buffer | null {
  if (cipher.length === 0 || cipher.length % BLOCK !== 0) return null;
  return unpadMethod2(aesCbcDecrypt(session.encKey, commandIv(session), cipher));
}

/** Encrypts response data in full mode (padding included). */
export function encryptResponseData(session: SecureSession, plain: Uint8Array): Buffer {
  return aesCbcEncrypt(session.encKey, responseIv(session), padMethod2(plain));
}

/** Decrypts full-mode response data; null when the length or the padding is wrong. */
export function decryptResponseData(session: SecureSession, cipher: Uint8Array): Buffer | null {
  if (cipher.length === 0 || cipher.length % BLOCK !== 0) return null;
  return unpadMethod2(aesCbcDecrypt(session.encKey, responseIv(session), cipher));
}

/** AES-128-CBC from a zero IV, as AuthenticateEV2First/NonFirst encrypt their challenges. */
export function encryptZeroIv(key: Uint8Array, data: Uint8Array): Buffer {
  return aesCbcEncrypt(key, ZERO_IV, data);
}

/** The inverse of encryptZeroIv; `data` is whole blocks. */
export function decryptZeroIv(key: Uint8Array, data: Uint8Array): Buffer {
  return aesCbcDecrypt(key, ZERO_IV, data);
}
