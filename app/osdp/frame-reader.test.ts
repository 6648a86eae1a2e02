import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame } from './frame.js';
import { FrameReader } from './frame-reader.js';
import { arbFrame } from './test-support.js';

const garbage = fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b));

/** Splits a buffer into chunks, as a serial port delivers it. */
function chunks(b: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...at, b.length]) {
    out.push(b.subarray(prev, c));
    prev = c;
  }
  return out;
}

describe('FrameReader', () => {
  it('turns any byte stream into frames or counted drops, never an exception', () => {
    fc.assert(
      fc.property(garbage, fc.array(fc.nat(), { maxLength: 6 }), (g, cuts) => {
        const r = new FrameReader(64);
        let frames = 0;
        for (const c of chunks(g, cuts)) frames += r.push(c).length;
        const s = r.stats;
        expect(s.frames).toBe(frames);
        r.reset();
        // Every byte is accounted for: in a frame or dropped.
        expect(s.garbageBytes + s.frameBytes).toBe(g.length);
        expect(r.pending).toBe(0);
      }),
    );
  });

  it('finds a valid frame embedded in garbage, delivered in any chunks', () => {
    fc.assert(
      fc.property(garbage, arbFrame, garbage, fc.array(fc.nat(), { maxLength: 6 }), (pre, f, post, cuts) => {
        const frame = encodeFrame(f);
        // A bogus LEN in the garbage before can hold the reader until that many bytes arrived:
        // on the wire the inter-character timeout ends it, here enough trailing bytes do.
        const tail = Buffer.concat([post, Buffer.alloc(160)]);
        const r = new FrameReader(160);
        const got = chunks(Buffer.concat([pre, frame, tail]), cuts).flatMap((c) => r.push(c));
        expect(got.some((x) => x.raw.equals(frame))).toBe(true);
      }),
    );
  });

  it('drops and counts a frame with a bad CRC, then finds the next one', () => {
    const a = encodeFrame({
      address: 1,
      reply: false,
      sequence: 1,
      useCrc: true,
      code: 0x60,
      data: Buffer.alloc(0),
    });
    const b = encodeFrame({
      address: 1,
      reply: false,
      sequence: 2,
      useCrc: true,
      code: 0x61,
      data: Buffer.of(0),
    });
    const bad = Buffer.from(a);
    bad[bad.length - 1]! ^= 1;
    const r = new FrameReader();
    const got = r.push(Buffer.concat([bad, b]));
    expect(got.map((x) => x.frame.code)).toEqual([0x61]);
    expect(r.stats.badCheck).toBe(1);
    expect(r.stats.frames).toBe(1);
  });

  it('bounds the frame length it waits for', () => {
    const r = new FrameReader(100);
    expect(r.push(Buffer.of(0x53, 0x01, 0xff, 0xff, 0x04))).toEqual([]);
    expect(r.stats.badLength).toBe(1);
    expect(r.pending).toBe(0);
  });
});
