import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzCodec, nearMisses } from '../../test/helpers/codec-fuzz.js';
import { readVectors } from '../../test/helpers/temp-site.js';
import { CcmStarError } from './ccm-star.js';
import {
  decodeMacFrame,
  encodeDecodedMacFrame,
  encodeMacFrame,
  fcs16,
  MAX_PSDU,
  type MacAddress,
  type MacFrame,
  MacFrameError,
  unsecureBody,
} from './mac-frame.js';

const hex = (s: string) => Buffer.from(s, 'hex');

interface AnnexC {
  frames: {
    name: string;
    key: string;
    security_level: number;
    plaintext_m_data: string;
    aad_a_data: string;
    secured_frame_without_fcs: string;
  }[];
}

/** The PSDU: the frame and its FCS, LSB first. */
function withFcs(bytes: Buffer): Buffer {
  const fcs = Buffer.alloc(2);
  fcs.writeUInt16LE(fcs16(bytes));
  return Buffer.concat([bytes, fcs]);
}

describe('FCS', () => {
  it('is CRC-16/KERMIT (check value of "123456789" is 0x2189)', () => {
    expect(fcs16(Buffer.from('123456789'))).toBe(0x2189);
  });
});

describe('802.15.4 Annex C.2 frames through the frame codec', () => {
  const v = readVectors<AnnexC>('ieee802154-ccm-star-annexC.json');

  it.each(v.frames.map((x) => [x.name, x] as const))('%s', (_n, x) => {
    const psdu = withFcs(hex(x.secured_frame_without_fcs));
    const d = decodeMacFrame(psdu);
    expect(d.secured?.level).toBe(x.security_level);
    expect(d.secured?.frameCounter).toBe(5);
    expect(d.frame.src).toEqual({ mode: 'ext', ext: 'ACDE480000000001' });
    const key = hex(x.key);
    // The payload in clear: for a command frame the identifier (in clear on the air) ‖ the command
    // payload; for the beacon, the whole beacon (MIC only).
    const payload = unsecureBody(d, key);
    const expected = Buffer.concat([
      hex(x.aad_a_data).subarray(d.headerBytes.length),
      hex(x.plaintext_m_data),
    ]);
    expect(payload.toString('hex')).toBe(expected.toString('hex'));
    // Re-encoded from the header fields and the payload in clear: byte-identical.
    const again = encodeMacFrame(
      { ...d.frame, payload },
      {
        key,
        level: d.secured!.level,
        frameCounter: d.secured!.frameCounter,
        keyIdMode: d.secured!.keyIdMode,
      },
    );
    expect(again.toString('hex')).toBe(psdu.toString('hex'));
    expect(encodeDecodedMacFrame(d).equals(psdu)).toBe(true);
    // A flipped bit anywhere but the FCS (re-computed) fails the MIC where there is one.
    if (x.security_level !== 4) {
      for (let i = 0; i < psdu.length - 2; i++) {
        const bad = Buffer.from(psdu.subarray(0, psdu.length - 2));
        bad[i]! ^= 0x01;
        let decoded;
        try {
          decoded = decodeMacFrame(withFcs(bad));
        } catch (err) {
          expect(err).toBeInstanceOf(MacFrameError);
          continue;
        }
        expect(() => unsecureBody(decoded, key, 'ACDE480000000001')).toThrow(CcmStarError);
      }
    }
  });

  it('refuses a frame with a bad FCS', () => {
    const psdu = withFcs(hex(v.frames[2]!.secured_frame_without_fcs));
    psdu[psdu.length - 1]! ^= 0x80;
    expect(() => decodeMacFrame(psdu)).toThrow(expect.objectContaining({ code: 'FCS' }));
  });
});

const eui = fc
  .uint8Array({ minLength: 8, maxLength: 8 })
  .map((b) => Buffer.from(b).toString('hex').toUpperCase());
const address: fc.Arbitrary<MacAddress> = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((short) => ({ mode: 'short' as const, short })),
  eui.map((ext) => ({ mode: 'ext' as const, ext })),
);

/** Frames the encoder accepts (ACKs, beacons, data, commands; secured or not). */
const frames = fc
  .record({
    type: fc.constantFrom('beacon', 'data', 'ack', 'command') as fc.Arbitrary<MacFrame['type']>,
    framePending: fc.boolean(),
    ackRequest: fc.boolean(),
    compress: fc.boolean(),
    seq: fc.integer({ min: 0, max: 255 }),
    dstPan: fc.integer({ min: 0, max: 0xffff }),
    srcPan: fc.integer({ min: 0, max: 0xffff }),
    dst: fc.option(address),
    src: fc.option(address),
    payload: fc.uint8Array({ maxLength: 40 }),
    secure: fc.option(
      fc.record({
        level: fc.integer({ min: 1, max: 7 }),
        frameCounter: fc.nat({ max: 0xffff_ffff }),
        keyIdMode: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<0 | 1 | 2 | 3>,
        keyIndex: fc.integer({ min: 0, max: 255 }),
        keySource: fc.uint8Array({ minLength: 8, maxLength: 8 }),
      }),
    ),
  })
  .map(({ compress, secure, ...r }) => {
    const ack = r.type === 'ack';
    const dst = ack ? null : r.dst;
    const src = ack ? null : (r.src ?? { mode: 'ext' as const, ext: '0011223344556677' });
    const panIdCompression = compress && !!dst && !!src;
    const payload = ack
      ? Buffer.alloc(0)
      : Buffer.from(r.type === 'data' ? r.payload : [1, 0, 0, 0, ...r.payload]);
    const frame: MacFrame = {
      type: r.type,
      framePending: r.framePending,
      ackRequest: r.ackRequest,
      panIdCompression,
      version: secure && !ack ? 1 : 0,
      seq: r.seq,
      dstPan: dst ? r.dstPan : null,
      dst,
      srcPan: src ? (panIdCompression ? r.dstPan : r.srcPan) : null,
      src,
      payload,
    };
    if (!secure || ack) return encodeMacFrame(frame);
    return encodeMacFrame(frame, {
      key: Buffer.alloc(16, 7),
      level: secure.level,
      frameCounter: secure.frameCounter,
      keyIdMode: secure.keyIdMode,
      keyIndex: secure.keyIdMode ? secure.keyIndex : undefined,
      keySource:
        secure.keyIdMode === 2
          ? secure.keySource.subarray(0, 4)
          : secure.keyIdMode === 3
            ? secure.keySource
            : undefined,
      nonceSource: '0011223344556677',
    });
  })
  .map((b) => Uint8Array.from(b));

describe('decodeMacFrame fuzz', () => {
  it('decodes what the encoder makes back to the same bytes', () => {
    fc.assert(
      fc.property(frames, (psdu) => {
        expect([...encodeDecodedMacFrame(decodeMacFrame(psdu))]).toEqual([...psdu]);
      }),
      { numRuns: 500 },
    );
  });

  it('takes any bytes, near-misses of valid frames (FCS fixed up or not): a frame that re-encodes, or MacFrameError', () => {
    const fixed = nearMisses(frames, MAX_PSDU + 4).map((b) =>
      b.length >= 2 ? Uint8Array.from(withFcs(Buffer.from(b.subarray(0, b.length - 2)))) : b,
    );
    fuzzCodec(decodeMacFrame, encodeDecodedMacFrame, nearMisses(frames, MAX_PSDU + 4), MacFrameError);
    fuzzCodec(decodeMacFrame, encodeDecodedMacFrame, fixed, MacFrameError);
  });

  it('refuses frames over 127 bytes on both sides', () => {
    const big: MacFrame = {
      type: 'data',
      framePending: false,
      ackRequest: false,
      panIdCompression: false,
      version: 0,
      seq: 0,
      dstPan: 1,
      dst: { mode: 'short', short: 2 },
      srcPan: 1,
      src: { mode: 'short', short: 3 },
      payload: Buffer.alloc(MAX_PSDU),
    };
    expect(() => encodeMacFrame(big)).toThrow(expect.objectContaining({ code: 'TOO_LONG' }));
    expect(() => decodeMacFrame(Buffer.alloc(MAX_PSDU + 1))).toThrow(MacFrameError);
  });
});
