/**
 * Enrolment attempts per client address: at most `max` in any `windowMs` (a sliding window of attempt
 * times). Invitation codes are 256-bit, so this is not what keeps them from being guessed; it keeps a
 * client from hammering the store and the logs. The clock is passed in, so tests need no waiting.
 */
export class EnrolRateLimit {
  private readonly attempts = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    /** Addresses remembered at most; the oldest is forgotten beyond it, so memory stays bounded. */
    private readonly maxAddresses = 10_000,
  ) {}

  /** Counts an attempt from `address`; false when it is over the limit (the attempt is refused). */
  allow(address: string, now: number): boolean {
    const recent = (this.attempts.get(address) ?? []).filter((t) => t > now - this.windowMs);
    this.attempts.delete(address);
    if (recent.length >= this.max) {
      this.attempts.set(address, recent);
      return false;
    }
    recent.push(now);
    this.attempts.set(address, recent);
    if (this.attempts.size > this.maxAddresses) this.attempts.delete(this.attempts.keys().next().value!);
    return true;
  }

  /** Seconds until `address` may try again. */
  retryAfterSeconds(address: string, now: number): number {
    const oldest = this.attempts.get(address)?.[0];
    return oldest === undefined ? 0 : Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000));
  }
}
