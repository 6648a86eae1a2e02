import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FramingError,
  Framer,
  MAX_MESSAGE,
  REPORT_SIZE,
  Reassembler,
  type ReassemblyResult,
} from './hid-framing.js';

function feed(r: Reassembler, reports: Uint8Array[]): ReassemblyResult[] {
  return reports.map((x) => r.push(x));
}

function messages(results: ReassemblyResult[]): Uint8Array[] {
  return results.flatMap((x) => (x.kind === 'message' ? [x.message] : []));
}

function errors(results: ReassemblyResult[]): string[] {
  return results.flatMap((x) => (x.kind === 'error' ? [x.error.reason] : []));
}

const message = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('hid-framing', () => {
  it('splits any message up to 4 KiB into 64-byte reports and puts it back together', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: MAX_MESSAGE }), fc.nat(255), (m, skip) => {
        const framer = new Framer();
        for (let i = 0; i < skip; i++) framer.frame(new Uint8Array(0)); // any starting sequence number
        const reports = framer.frame(m);
        expect(reports.every((r) => r.length === REPORT_SIZE)).toBe(true);
        const results = feed(new Reassembler(), reports);
        expect(results.slice(0, -1).every((x) => x.kind === 'partial')).toBe(true);
        expect(messages(results)).toEqual([m]);
      }),
      { numRuns: 200 },
    );
  });

  it('uses one report for short messages and numbers reports across messages', () => {
    const framer = new Framer();
    expect(framer.frame(message(55))).toHaveLength(1);
    expect(framer.frame(message(56))).toHaveLength(2);
    const r = new Reassembler();
    for (let i = 0; i < 300; i++)
      expect(messages(feed(r, framer.frame(message(i % 130, i))))).toHaveLength(1);
  });

  it('refuses reordered, repeated and lost reports, and drops only the partial message', () => {
    const framer = new Framer();
    const [a, b, c] = framer.frame(message(150));
    const r = new Reassembler();
    expect(errors(feed(r, [a!, c!]))).toEqual(['out-of-order']);
    expect(r.pending).toBe(false);
    expect(errors(feed(r, [a!, b!, b!]))).toEqual(['out-of-order']);
    expect(errors(feed(r, [b!]))).toEqual(['orphan']);
    // The next message goes through untouched.
    expect(messages(feed(r, framer.frame(message(100, 7))))).toEqual([message(100, 7)]);
    expect(r.stats.refused).toBe(3);
  });

  it('refuses a garbled message by its CRC', () => {
    const reports = new Framer().frame(message(120));
    reports[1]![10]! ^= 0x01;
    const results = feed(new Reassembler(), reports);
    expect(errors(results)).toEqual(['crc']);
    const error = results.find((x) => x.kind === 'error');
    expect(error?.kind === 'error' && error.error).toBeInstanceOf(FramingError);
    expect(error?.kind === 'error' && error.error.message).toMatch(/CRC mismatch/);
  });

  it('refuses oversized announcements, truncated and malformed reports', () => {
    const r = new Reassembler(100);
    const big = new Framer().frame(message(101));
    expect(errors(feed(r, [big[0]!]))).toEqual(['oversized']);
    const [one] = new Framer().frame(message(20));
    expect(errors(feed(r, [one!.subarray(0, 2)]))).toEqual(['malformed']); // shorter than a header
    expect(errors(feed(r, [one!.subarray(0, 20)]))).toEqual(['malformed']); // fragment cut off
    expect(errors(feed(r, [Uint8Array.of(0xc2, 0, 4, 0, 4, 0, 0, 0, 0)]))).toEqual(['malformed']); // version 2
    expect(errors(feed(r, [new Uint8Array(65)]))).toEqual(['malformed']);
    expect(messages(feed(r, [one!]))).toEqual([message(20)]);
  });

  it('starts over when a new message begins mid-message (the sender gave up on the last one)', () => {
    const framer = new Framer();
    const [first] = framer.frame(message(200));
    const r = new Reassembler();
    feed(r, [first!]);
    expect(messages(feed(r, framer.frame(message(10))))).toEqual([message(10)]);
    expect(r.stats.abandoned).toBe(1);
  });

  it('fuzz: arbitrary reports give a message, a partial or a FramingError, never an exception', () => {
    const framer = new Framer();
    const valid = [...framer.frame(message(130)), ...framer.frame(message(3))];
    const report = fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      fc.constantFrom(...valid),
      fc.constantFrom(...valid).chain((v) =>
        fc.tuple(fc.nat(v.length - 1), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
          const copy = Uint8Array.from(v);
          copy[i]! ^= x;
          return copy;
        }),
      ),
    );
    fc.assert(
      fc.property(fc.array(report, { maxLength: 40 }), (reports) => {
        const r = new Reassembler();
        for (const x of reports) {
          const result = r.push(x);
          expect(['message', 'partial', 'error']).toContain(result.kind);
          if (result.kind === 'error') {
            expect(result.error).toBeInstanceOf(FramingError);
            expect(r.pending).toBe(false);
          }
          if (result.kind === 'message') expect(result.message.length).toBeLessThanOrEqual(MAX_MESSAGE);
        }
        // Whatever came before, a whole message still goes through.
        expect(messages(feed(r, new Framer().frame(message(77))))).toEqual([message(77)]);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses to frame a message over the limit', () => {
    expect(() => new Framer().frame(new Uint8Array(MAX_MESSAGE + 1))).toThrow(/exceeds 4096 bytes/);
  });
});
