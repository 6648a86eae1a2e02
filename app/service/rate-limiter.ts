/** When failures start to cost time, and how much. */
export interface BackoffPolicy {
  /** Failures allowed within the window before any wait. */
  free: number;
  windowMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxKeys: number;
}

/** Five free failures in 15 minutes, then 1 s doubling up to 15 minutes. */
export const DEFAULT_BACKOFF: BackoffPolicy = {
  free: 5,
  windowMs: 15 * 60_000,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  maxKeys: 10_000,
};

/**
 * Failure back-off per key (an address, an account): after `free` failures within `windowMs`, each
 * further attempt must wait `baseDelayMs` doubled per extra failure, capped at `maxDelayMs`. Success
 * clears the key. Memory is bounded: the oldest keys are dropped past `maxKeys`.
 */
export class FailureBackoff {
  private failures = new Map<string, { count: number; first: number; last: number }>();

  constructor(
    private readonly opts: BackoffPolicy = DEFAULT_BACKOFF,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Seconds to wait before `key` may try again (0 when it may try now). */
  retryAfterSeconds(key: string): number {
    const f = this.failures.get(key);
    if (!f) return 0;
    const now = this.clock();
    if (now - f.last > this.opts.windowMs) {
      this.failures.delete(key);
      return 0;
    }
    if (f.count < this.opts.free) return 0;
    const delay = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** (f.count - this.opts.free));
    return Math.max(0, Math.ceil((f.last + delay - now) / 1000));
  }

  /** Records a failure. */
  fail(key: string): void {
    const now = this.clock();
    const f = this.failures.get(key);
    if (f && now - f.last <= this.opts.windowMs) {
      f.count++;
      f.last = now;
      this.failures.delete(key);
      this.failures.set(key, f); // keep insertion order = recency
    } else {
      this.failures.set(key, { count: 1, first: now, last: now });
    }
    if (this.failures.size > this.opts.maxKeys) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }

  /** Clears a key after a success. */
  succeed(key: string): void {
    this.failures.delete(key);
  }

  /** Clears every key that matches (an administrator unlocking an account from every address). */
  forget(matches: (key: string) => boolean): void {
    for (const key of [...this.failures.keys()]) if (matches(key)) this.failures.delete(key);
  }
}
