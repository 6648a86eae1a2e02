import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readVectors } from '../../test/helpers/temp-site.js';
import { checksum8, crc16, decodeFrame, encodeFrame, nextSequence, OsdpFrameError } from './frame.js';
import { arbFrame, hex } from './test-support.js';

interface Vectors {
  crc16: { name: string; message: string; crc_le_bytes: string }[];
  checksum: { name: string; message: string; checksum: string }[];
}
const v = readVectors<Vectors>('osdp-secure-channel-annexE.json');

describe('OSDP check characters (Annex E)', () => {
  it.each(v.crc16.map((x) => [x.name, x] as const))('CRC-16: %s', (_n, x) => {
    const crc = crc16(hex(x.message));
    expect(Buffer.of(crc & 0xff, crc >> 8).toString('hex')).toBe(x.crc_le_bytes);
    // The message is a whole frame minus its CRC, so it decodes once the CRC is appended.
    const f = decodeFrame(Buffer.concat([hex(x.message), hex(x.crc_le_bytes)]));
    expect(f.useCrc).toBe(true);
  });

  it.each(v.checksum.map((x) => [x.name, x] as const))('checksum: %s', (_n, x) => {
    expect(checksum8(hex(x.message)).toString(16).padStart(2, '0')).toBe(x.checksum);
    expect(decodeFrame(Buffer.concat([hex(x.message), hex(x.checksum)])).useCrc).toBe(false);
  });

  it('encodes the Annex E COMSET example byte for byte', () => {
    const frame = encodeFrame({
      address: 0x7f,
      reply: false,
      sequence: 0,
      useCrc: true,
      code: 0x6e,
      data: hex('0080250000'),
    });
    expect(frame.toString('hex')).toBe(v.crc16[0]!.message + v.crc16[0]!.crc_le_bytes);
  });
});

describe('frame codec', () => {
  it('round-trips every frame', () => {
    fc.assert(
      fc.property(arbFrame, (f) => {
        expect(decodeFrame(encodeFrame(f))).toEqual(f);
      }),
    );
  });

  it('refuses any single corrupted byte', () => {
    fc.assert(
      fc.property(arbFrame, fc.nat(), fc.integer({ min: 1, max: 255 }), (f, at, x) => {
        const b = encodeFrame(f);
        b[at % b.length]! ^= x;
        // The 8-bit checksum catches every single-byte error too; LEN changes are caught by length.
        expect(() => decodeFrame(b)).toThrow(OsdpFrameError);
      }),
    );
  });

  it('refuses a MAC where the SCB type has none, and the reverse', () => {
    const base = { address: 1, reply: false, sequence: 1, useCrc: true, code: 0x60, data: Buffer.alloc(0) };
    expect(() => encodeFrame({ ...base, scb: { type: 0x15, data: Buffer.alloc(0) } })).toThrow(
      OsdpFrameError,
    );
    expect(() => encodeFrame({ ...base, mac: Buffer.alloc(4) })).toThrow(OsdpFrameError);
    expect(() => encodeFrame({ ...base, sequence: 4 })).toThrow(OsdpFrameError);
    expect(() => encodeFrame({ ...base, address: 0x80 })).toThrow(OsdpFrameError);
  });

  it('counts sequence numbers 1, 2, 3, 1', () => {
    expect([0, 1, 2, 3].map(nextSequence)).toEqual([1, 2, 3, 1]);
  });

  it('decodes arbitrary bytes to a frame or an OsdpFrameError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
        try {
          decodeFrame(b);
        } catch (e) {
          expect(e).toBeInstanceOf(OsdpFrameError);
        }
      }),
    );
  });
});
