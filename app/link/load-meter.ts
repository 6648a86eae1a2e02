/**
 * Handshakes per second, for the responder's "under load" decision (WireGuard decides it from the
 * length of its handshake queue; Lintel handles each initiation as it arrives, so it counts them).
 * Two one-second buckets: the estimate is the current bucket plus the share of the previous one that
 * still lies inside the last second, so a burst is seen at once and forgotten within two seconds.
 */
export class RateMeter {
  private bucketStart = Number.NEGATIVE_INFINITY;
  private current = 0;
  private previous = 0;

  constructor(private readonly windowMs = 1_000) {}

  /** Counts one event at `now` (ms). */
  add(now: number): void {
    this.roll(now);
    this.current += 1;
  }

  /** Events in the last window, estimated. */
  rate(now: number): number {
    this.roll(now);
    const elapsed = (now - this.bucketStart) / this.windowMs;
    return this.current + this.previous * Math.max(0, 1 - elapsed);
  }

  private roll(now: number): void {
    const passed = now - this.bucketStart;
    if (passed < this.windowMs) return;
    this.previous = passed < 2 * this.windowMs ? this.current : 0;
    this.current = 0;
    this.bucketStart = passed < 2 * this.windowMs ? this.bucketStart + this.windowMs : now;
  }
}
