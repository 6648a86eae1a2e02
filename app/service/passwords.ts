import argon2 from 'argon2';
import { RFC9106_SECOND_OPTION, type Argon2Params } from '../crypto/argon2.js';

/** The shortest operator password accepted. */
export const MIN_PASSWORD_LENGTH = 12;

/** Why a new password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string, username: string): string | undefined {
  if ([...password].length < MIN_PASSWORD_LENGTH)
    return `must be at least ${MIN_PASSWORD_LENGTH} characters long`;
  if (password.toLowerCase().includes(username.toLowerCase())) return 'must not contain the username';
  if (/^(.)\1*$/.test(password)) return 'must not repeat one character';
  return undefined;
}

/** Hashes and verifies operator passwords with Argon2id (PHC strings carry their own parameters). */
export class PasswordHasher {
  private dummy: Promise<string> | undefined;

  constructor(private readonly params: Argon2Params = RFC9106_SECOND_OPTION) {}

  /** A PHC-format Argon2id hash with a fresh salt. */
  hash(password: string): Promise<string> {
    return argon2.hash(password, {
      type: argon2.argon2id,
      memoryCost: this.params.memoryKiB,
      timeCost: this.params.iterations,
      parallelism: this.params.parallelism,
    });
  }

  /**
   * Verifies a password. With no hash (unknown user) it verifies against a dummy hash anyway, so the
   * answer takes as long as for a real account and tells nothing about which usernames exist.
   */
  async verify(hash: string | undefined, password: string): Promise<boolean> {
    if (!hash) {
      this.dummy ??= this.hash('lintel-dummy-password-for-timing');
      await argon2.verify(await this.dummy, password);
      return false;
    }
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  /** Whether a stored hash was made with other parameters and should be replaced at this login. */
  needsRehash(hash: string): boolean {
    return argon2.needsRehash(hash, {
      memoryCost: this.params.memoryKiB,
      timeCost: this.params.iterations,
      parallelism: this.params.parallelism,
    });
  }
}
