import { DesfireCard, type DesfireCardOptions } from './card-emulator.js';
import { DesfireClient, type DesfireClientOptions } from './desfire-client.js';

/**
 * Helpers for the DESFire tests (and for other engineers' tests that need a card and a client).
 * No test framework in here, so it is harmless in the build.
 */

/** Hex (spaces allowed) to bytes. */
export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

/** Bytes to uppercase hex, as the application notes print them. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

/** The all-zero AES-128 key of a blank card and of new applications. */
export const ZERO_KEY = Buffer.alloc(16);

/**
 * A random source that returns the given values in order, each for a request of its length: to
 * replay published exchanges (RndB, then TI, …). Throws when asked for anything else.
 */
export function scriptedRandom(...values: string[]): (length: number) => Uint8Array {
  const queue = values.map(hex);
  return (length) => {
    const next = queue.shift();
    if (!next || next.length !== length) throw new Error(`scriptedRandom: no ${length}-byte value queued`);
    return next;
  };
}

/** A client talking to `card` directly. */
export function connect(card: DesfireCard, options?: DesfireClientOptions): DesfireClient {
  return new DesfireClient(async (apdu) => card.transceive(apdu), options);
}

/** A card and a connected client. */
export function cardAndClient(options: DesfireCardOptions = {}): {
  card: DesfireCard;
  client: DesfireClient;
} {
  const card = new DesfireCard(options);
  return { card, client: connect(card, { frameSize: options.frameSize ?? 59 }) };
}

/** Access rights with every right given to `key`. */
export function allRights(key: number): { read: number; write: number; readWrite: number; change: number } {
  return { read: key, write: key, readWrite: key, change: key };
}
