import { crc32 } from 'node:zlib';
import { CardFormatError } from './format-error.js';

/**
 * Byte-level helpers shared by the card file encoders and decoders. Every multi-byte integer of the
 * Lintel card format is unsigned big-endian: lock firmware reads it byte by byte, so the order costs
 * nothing, and big-endian reads the same as the tables in docs/card-format.md.
 */

export const MAX_U16 = 0xffff;
export const MAX_U32 = 0xffff_ffff;

/** CRC-32 (IEEE 802.3, as zlib and PNG compute it) of `bytes`. */
export function crc32Of(bytes: Uint8Array): number {
  return crc32(bytes) >>> 0;
}

/**
 * CRC-8 with polynomial 0x07, initial value 0, no reflection (CRC-8/SMBUS): for the 16-byte audit
 * records, where four bytes of CRC-32 would cost a quarter of the record. Bitwise, because lock
 * firmware computes it the same way without a table.
 */
export function crc8(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

/** Reads fields in order; running out of bytes is a TRUNCATED error naming the file and the field. */
export class ByteReader {
  private pos = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {}

  get offset(): number {
    return this.pos;
  }

  private take(n: number, field: string): number {
    if (this.pos + n > this.bytes.length) {
      throw new CardFormatError(
        'TRUNCATED',
        `${this.what}: ${this.bytes.length} bytes end before ${field} (byte ${this.pos}, ${n} bytes)`,
      );
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(field: string): number {
    return this.bytes[this.take(1, field)]!;
  }

  u16(field: string): number {
    const at = this.take(2, field);
    return (this.bytes[at]! << 8) | this.bytes[at + 1]!;
  }

  u32(field: string): number {
    const at = this.take(4, field);
    return (
      ((this.bytes[at]! << 24) |
        (this.bytes[at + 1]! << 16) |
        (this.bytes[at + 2]! << 8) |
        this.bytes[at + 3]!) >>>
      0
    );
  }

  raw(n: number, field: string): Buffer {
    const at = this.take(n, field);
    return Buffer.from(this.bytes.subarray(at, at + n));
  }
}

/** Appends fields in order into a buffer of known final size. */
export class ByteWriter {
  private pos = 0;
  readonly buf: Buffer;

  constructor(size: number) {
    this.buf = Buffer.alloc(size);
  }

  get offset(): number {
    return this.pos;
  }

  u8(v: number): this {
    this.buf.writeUInt8(v, this.pos);
    this.pos += 1;
    return this;
  }

  u16(v: number): this {
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  u32(v: number): this {
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  raw(bytes: Uint8Array): this {
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }
}

/** Whether every byte is zero: how DESFire creates a data file, so how a never-written file reads. */
export function allZero(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0) return false;
  return true;
}

/**
 * The checks every versioned file of the format starts and ends with: not empty, a known version first;
 * then (after the body was read) a CRC-32 over everything before it and only zero bytes after it, up to
 * the end of what was read (files are read whole, and the encoders pad with zeros).
 */
export function checkVersion(bytes: Uint8Array, what: string, known: number): void {
  if (bytes.length === 0) throw new CardFormatError('TRUNCATED', `${what}: no bytes at all`);
  if (allZero(bytes))
    throw new CardFormatError('EMPTY', `${what}: the file was never written (all zero bytes)`);
  if (bytes[0] !== known) {
    throw new CardFormatError(
      'UNKNOWN_VERSION',
      `${what}: version ${bytes[0]} is not one this Lintel reads (it reads version ${known}): ` +
        'the card was written by a newer Lintel, or the bytes are not Lintel data',
    );
  }
}

/** Reads the CRC-32 that follows the body and checks it and the zero padding after it. */
export function checkCrcAndPadding(bytes: Uint8Array, reader: ByteReader, what: string): void {
  const bodyEnd = reader.offset;
  const stored = reader.u32('the CRC-32');
  if (stored !== crc32Of(bytes.subarray(0, bodyEnd))) {
    throw new CardFormatError('CHECKSUM', `${what}: the CRC-32 does not match: the bytes are damaged`);
  }
  if (!allZero(bytes.subarray(reader.offset))) {
    throw new CardFormatError(
      'INVALID',
      `${what}: non-zero bytes after the data (from byte ${reader.offset}): the file is damaged`,
    );
  }
}

/** Whole seconds since the epoch that fit an unsigned 32-bit field (until 2106), or an encoder error. */
export function checkU32(value: number, field: string, min = 0): number {
  if (!Number.isInteger(value) || value < min || value > MAX_U32) {
    throw new CardFormatError(
      'INVALID_VALUE',
      `${field} must be a whole number from ${min} to ${MAX_U32} to fit the card, not ${value}`,
    );
  }
  return value;
}
