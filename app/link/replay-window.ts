import { REJECT_AFTER_MESSAGES, REPLAY_BITMAP_BITS, REPLAY_WINDOW } from './constants.js';

const WORDS = REPLAY_BITMAP_BITS / 32;
const WINDOW = BigInt(REPLAY_WINDOW);
// WORDS is a power of two, so the ring index is a mask: shifts and masks are the cheap BigInt operations.
const WORD_MASK = BigInt(WORDS - 1);

/**
 * Anti-replay sliding window (RFC 6479): a ring of 32-bit words. Moving the window forward clears
 * whole words instead of shifting bits, so the cost per datagram does not grow with the window.
 * The ring is one word larger than the window so the word being cleared never holds live bits.
 *
 * check() never changes state: the session calls it before decrypting (cheap refusal) and mark()
 * only after the datagram authenticated, so a forged datagram cannot move the window.
 */
export class ReplayWindow {
  private readonly words = new Uint32Array(WORDS);
  /** The highest counter accepted so far; -1 before the first. */
  private highest = -1n;

  /** Accepted iff below the reject limit, never seen, and not more than the window behind the highest. */
  check(counter: bigint): boolean {
    if (counter < 0n || counter >= REJECT_AFTER_MESSAGES) return false;
    if (counter > this.highest) return true;
    if (this.highest - counter >= WINDOW) return false;
    return (this.words[this.wordOf(counter)]! & this.bitOf(counter)) === 0;
  }

  /** Records an authenticated counter; returns false (and changes nothing) if check() refuses it. */
  mark(counter: bigint): boolean {
    if (!this.check(counter)) return false;
    if (counter > this.highest) {
      const current = this.highest >> 5n; // -1 before the first counter (arithmetic shift)
      const steps = (counter >> 5n) - current;
      const clear = steps > BigInt(WORDS) ? WORDS : Number(steps);
      const first = Number((current + 1n) & WORD_MASK);
      for (let i = 0; i < clear; i++) this.words[(first + i) % WORDS] = 0;
      this.highest = counter;
    }
    this.words[this.wordOf(counter)]! |= this.bitOf(counter);
    return true;
  }

  private wordOf(counter: bigint): number {
    return Number((counter >> 5n) & WORD_MASK);
  }

  private bitOf(counter: bigint): number {
    return (1 << Number(counter & 31n)) >>> 0;
  }
}
