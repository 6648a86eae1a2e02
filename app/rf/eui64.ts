import { z } from 'zod';

/**
 * EUI-64 (IEEE extended) addresses as the RF code passes them around: 16 upper-case hex digits, most
 * significant byte first, as printed on a device's label (the store keeps them the same way). On the
 * air they travel little-endian; only mac-frame.ts deals with that.
 */

/** 16 upper-case hex digits. */
export const Eui64 = z.string().regex(/^[0-9A-F]{16}$/, 'an EUI-64: 16 hex digits');
export type Eui64 = z.infer<typeof Eui64>;

/** Accepts either case and optional `:`/`-` separators; throws a message that says what is wanted. */
export function parseEui64(text: string): Eui64 {
  const hex = text.replace(/[:-]/g, '').toUpperCase();
  if (!/^[0-9A-F]{16}$/.test(hex)) throw new Error(`not an EUI-64: ${JSON.stringify(text)} (16 hex digits)`);
  return hex;
}

/** The 8 bytes, most significant first (the order of the CCM* nonce). */
export function euiBytes(eui: Eui64): Buffer {
  return Buffer.from(parseEui64(eui), 'hex');
}

/** From 8 bytes, most significant first. */
export function euiOf(bytes: Uint8Array): Eui64 {
  if (bytes.length !== 8) throw new Error(`an EUI-64 is 8 bytes, not ${bytes.length}`);
  return Buffer.from(bytes).toString('hex').toUpperCase();
}
