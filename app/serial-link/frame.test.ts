import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FRAME_OVERHEAD, FrameReader, MAX_FRAME_PAYLOAD, type Frame } from './frame.js';

const frameArb = fc.record({
  kind: fc.constantFrom<Frame['kind']>('request', 'response'),
  seq: fc.integer({ min: 0, max: 255 }),
  payload: fc.uint8Array({ maxLength: MAX_FRAME_PAYLOAD }).map((a) => Buffer.from(a)),
});

/** Cuts bytes into chunks at the given points. */
function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of points) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  out.push(bytes.subarray(at));
  return out;
}

describe('serial frames', () => {
  it('round-trips any frames however the line cuts them into chunks (property)', () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (frames, cuts) => {
          const reader = new FrameReader();
          const got = chunked(Buffer.concat(frames.map(encodeFrame)), cuts).flatMap((c) => reader.push(c));
          expect(got).toEqual(frames);
          expect(reader.stats).toEqual({ skippedBytes: 0, crcErrors: 0 });
        },
      ),
    );
  });

  it('finds every intact frame among arbitrary garbage, and never invents one from garbage alone (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 40 }), frameArb), { maxLength: 6 }),
        (pieces) => {
          const reader = new FrameReader();
          // Garbage first, then a frame: the frame must come out unless the garbage itself held a
          // frame-shaped prefix that swallowed it — so check the frames found are a superset in order.
          const got = reader.push(
            Buffer.concat(
              pieces.flatMap(([junk, f]) => [Buffer.from(junk.filter((b) => b !== 0xa5)), encodeFrame(f)]),
            ),
          );
          expect(got).toEqual(pieces.map(([, f]) => f));
        },
      ),
    );
  });

  it('turns arbitrary bytes into no frame or CRC-valid ones only, without throwing (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 10 }), (chunks) => {
        const reader = new FrameReader();
        for (const c of chunks)
          for (const f of reader.push(c))
            expect(encodeFrame(f).length).toBe(FRAME_OVERHEAD + f.payload.length);
      }),
    );
  });

  it('drops a frame with a flipped bit and still reads the next one', () => {
    const a = encodeFrame({ kind: 'request', seq: 1, payload: Buffer.from('first') });
    const b = encodeFrame({ kind: 'request', seq: 2, payload: Buffer.from('second') });
    a[7]! ^= 0x10;
    const reader = new FrameReader();
    expect(reader.push(Buffer.concat([a, b]))).toEqual([
      { kind: 'request', seq: 2, payload: Buffer.from('second') },
    ]);
    expect(reader.stats.crcErrors).toBe(1);
  });

  it('refuses to encode a payload over the limit or a sequence number over a byte', () => {
    expect(() =>
      encodeFrame({ kind: 'request', seq: 0, payload: Buffer.alloc(MAX_FRAME_PAYLOAD + 1) }),
    ).toThrow(RangeError);
    expect(() => encodeFrame({ kind: 'request', seq: 256, payload: Buffer.alloc(1) })).toThrow(/sequence/);
  });
});
