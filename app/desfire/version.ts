import { DesfireError } from './status.js';

/**
 * GetVersion (0x60) as DESFire answers it, in three frames: hardware (7 bytes), software (7 bytes),
 * then UID (7) ‖ batch number (5) ‖ production week ‖ production year (BCD). Newer parts add bytes to
 * the third frame; the decoder ignores one trailing byte so an EV3 answer parses too.
 */

/** One of the two version blocks (hardware or software). */
export interface VersionBlock {
  vendorId: number;
  type: number;
  subType: number;
  majorVersion: number;
  minorVersion: number;
  /** The raw storage-size byte: 2^(n/2) bytes, or a little more when bit 0 is set. */
  storageSize: number;
  protocol: number;
}

/** GetVersion, decoded. */
export interface CardVersion {
  hardware: VersionBlock;
  software: VersionBlock;
  uid: Uint8Array;
  batch: Uint8Array;
  production: { week: number; year: number };
  /** The storage size in bytes, from the hardware storage-size byte (its lower bound when bit 0 is set). */
  storageBytes: number;
}

function block(b: VersionBlock): Buffer {
  return Buffer.from([
    b.vendorId,
    b.type,
    b.subType,
    b.majorVersion,
    b.minorVersion,
    b.storageSize,
    b.protocol,
  ]);
}

function bcd(value: number): number {
  return ((Math.floor(value / 10) % 10) << 4) | (value % 10);
}

/** The three GetVersion frames of a card. */
export function encodeVersion(v: CardVersion): [Buffer, Buffer, Buffer] {
  const third = Buffer.alloc(14);
  third.set(v.uid.subarray(0, 7), 0);
  third.set(v.batch.subarray(0, 5), 7);
  third[12] = bcd(v.production.week);
  third[13] = bcd(v.production.year % 100);
  return [block(v.hardware), block(v.software), third];
}

function decodeBlock(data: Uint8Array, at: number): VersionBlock {
  return {
    vendorId: data[at]!,
    type: data[at + 1]!,
    subType: data[at + 2]!,
    majorVersion: data[at + 3]!,
    minorVersion: data[at + 4]!,
    storageSize: data[at + 5]!,
    protocol: data[at + 6]!,
  };
}

function fromBcd(byte: number, what: string): number {
  const hi = byte >> 4;
  const lo = byte & 0xf;
  if (hi > 9 || lo > 9) throw DesfireError.client('MALFORMED_RESPONSE', `GetVersion: ${what} is not BCD`);
  return hi * 10 + lo;
}

/** Decodes the concatenated GetVersion frames (28 bytes, or 29 from newer parts). */
export function decodeVersion(data: Uint8Array): CardVersion {
  if (data.length !== 28 && data.length !== 29) {
    throw DesfireError.client('MALFORMED_RESPONSE', `GetVersion: ${data.length} bytes, expected 28`);
  }
  const hardware = decodeBlock(data, 0);
  const software = decodeBlock(data, 7);
  return {
    hardware,
    software,
    uid: Buffer.from(data.subarray(14, 21)),
    batch: Buffer.from(data.subarray(21, 26)),
    production: { week: fromBcd(data[26]!, 'the week'), year: 2000 + fromBcd(data[27]!, 'the year') },
    storageBytes: 2 ** (hardware.storageSize >> 1),
  };
}
