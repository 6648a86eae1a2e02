import { keyPairFromPrivate, type KeyPair } from './noise/suite.js';

/** Fixed test identities (tests only): derived from constant bytes so failures are reproducible. */
export function testKey(byte: number): KeyPair {
  return keyPairFromPrivate(Buffer.alloc(32, byte));
}
