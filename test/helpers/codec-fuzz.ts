import fc from 'fast-check';
import { expect } from 'vitest';

/**
 * Fuzzing a binary codec: arbitrary bytes, and near-misses of valid encodings (a byte changed, the
 * end cut off, bytes added), which reach deeper into a decoder than random bytes do.
 */

/** Normalises Buffers and Uint8Arrays to arrays so encoded and decoded values compare equal. */
export function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return [...v];
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** Arbitrary bytes up to `maxLength`, and near-misses of `valid` encodings. */
export function nearMisses(valid: fc.Arbitrary<Uint8Array>, maxLength: number): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength }),
    fc.tuple(valid, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([v, i, x]) => {
      const c = Uint8Array.from(v);
      if (c.length) c[i % c.length]! ^= x;
      return c;
    }),
    fc.tuple(valid, fc.nat()).map(([v, n]) => v.subarray(0, n % (v.length + 1))),
    fc
      .tuple(valid, fc.uint8Array({ minLength: 1, maxLength: 4 }))
      .map(([v, extra]) => Uint8Array.from([...v, ...extra])),
  );
}

/**
 * Checks that decoding any input gives a value that encodes back to the same bytes, or throws an
 * instance of `errorClass` — never another error, never a value that is not what the bytes say.
 */
export function fuzzCodec<T>(
  decode: (b: Uint8Array) => T,
  encode: (v: T) => Uint8Array,
  inputs: fc.Arbitrary<Uint8Array>,
  errorClass: abstract new (...args: never[]) => Error,
): void {
  fc.assert(
    fc.property(inputs, (input) => {
      let value: T;
      try {
        value = decode(input);
      } catch (err) {
        expect(err).toBeInstanceOf(errorClass);
        return;
      }
      expect([...encode(value)]).toEqual([...input]);
    }),
    { numRuns: 1000 },
  );
}
