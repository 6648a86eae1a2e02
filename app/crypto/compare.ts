import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two secrets in time independent of where they differ. Hashing first makes the inputs the
 * same length, so the length of the expected value does not leak either.
 */
export function secretsEqual(a: Uint8Array | string, b: Uint8Array | string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
