import { DEFAULT_BACKOFF, FailureBackoff } from './rate-limiter.js';

/**
 * Login back-off at three levels, so that guessing is slow but nobody can lock an operator out from
 * afar for long:
 * - per account and address: 5 free failures, then 1 s doubling up to 15 minutes (one guesser);
 * - per account from anywhere: 10 free failures, then doubling up to 5 minutes (a spread-out guesser;
 *   capped lower because anyone can trigger it);
 * - per address over all accounts: 20 free failures, then doubling up to 15 minutes (password spraying).
 * Unknown usernames are counted exactly like real ones, so the answers tell nothing about which exist.
 */
export class LoginGuard {
  private readonly accountAddress: FailureBackoff;
  private readonly account: FailureBackoff;
  private readonly address: FailureBackoff;

  constructor(now: () => number = Date.now) {
    this.accountAddress = new FailureBackoff(DEFAULT_BACKOFF, now);
    this.account = new FailureBackoff({ ...DEFAULT_BACKOFF, free: 10, maxDelayMs: 5 * 60_000 }, now);
    this.address = new FailureBackoff({ ...DEFAULT_BACKOFF, free: 20 }, now);
  }

  private static keys(username: string, address: string) {
    const user = username.toLowerCase();
    return { pair: `${user}\n${address}`, user, address };
  }

  /** Seconds before this username may try again from this address (0: now). */
  retryAfterSeconds(username: string, address: string): number {
    const k = LoginGuard.keys(username, address);
    return Math.max(
      this.accountAddress.retryAfterSeconds(k.pair),
      this.account.retryAfterSeconds(k.user),
      this.address.retryAfterSeconds(k.address),
    );
  }

  /** Records a failed login. */
  failed(username: string, address: string): void {
    const k = LoginGuard.keys(username, address);
    this.accountAddress.fail(k.pair);
    this.account.fail(k.user);
    this.address.fail(k.address);
  }

  /**
   * Clears the account after a success. The address keeps its count: one valid account must not
   * reset the counter of someone spraying the others.
   */
  succeeded(username: string, address: string): void {
    const k = LoginGuard.keys(username, address);
    this.accountAddress.succeed(k.pair);
    this.account.succeed(k.user);
  }

  /** How long the account is held back from anywhere (what the operators list shows as locked). */
  lockedForSeconds(username: string): number {
    return this.account.retryAfterSeconds(username.toLowerCase());
  }

  /** Clears an account's back-off from every address (an administrator's unlock). */
  unlock(username: string): void {
    const user = username.toLowerCase();
    this.account.succeed(user);
    this.accountAddress.forget((key) => key.startsWith(`${user}\n`));
  }
}
