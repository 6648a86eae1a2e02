/**
 * Byte helpers shared by the DESFire codec, the card emulator and the client. DESFire sends every
 * multi-byte number least significant byte first, so only little-endian readers and writers live here.
 */

/** Concatenates byte arrays into one Buffer. */
export function concat(...parts: readonly Uint8Array[]): Buffer {
  return Buffer.concat(parts);
}

/** A 3-byte little-endian number (offsets, lengths, sizes, AIDs). */
export function u24(value: number): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffff) {
    throw new RangeError(`u24: ${value} does not fit in 3 bytes`);
  }
  return Buffer.from([value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff]);
}

/** Reads a 3-byte little-endian number; the caller has checked the length. */
export function readU24(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);
}

/** A 2-byte little-endian number (the command counter, access rights). */
export function u16(value: number): Buffer {
  return Buffer.from([value & 0xff, (value >> 8) & 0xff]);
}

/** Reads a 2-byte little-endian number; the caller has checked the length. */
export function readU16(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8);
}

/** Rotates left by one byte, as EV2 authentication turns RndA into RndA' and RndB into RndB'. */
export function rotateLeft(bytes: Uint8Array): Buffer {
  return Buffer.concat([bytes.subarray(1), bytes.subarray(0, 1)]);
}

/** Xors two arrays of the same length. */
export function xor(a: Uint8Array, b: Uint8Array): Buffer {
  if (a.length !== b.length) throw new RangeError('xor: lengths differ');
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}
