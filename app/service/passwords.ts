import { dictionary } from '@zxcvbn-ts/language-common';
import argon2 from 'argon2';
import os from 'node:os';
import { RFC9106_SECOND_OPTION, type Argon2Params } from '../crypto/argon2.js';

/** The shortest operator password accepted (NIST SP 800-63B asks for at least 8; an admin console gets more). */
export const MIN_PASSWORD_LENGTH = 12;

let common: ReadonlySet<string> | undefined;

/**
 * The 49,000 most common passwords of the zxcvbn-ts dictionary (from leaked-password corpora), lower-cased,
 * loaded on first use.
 */
function commonPasswords(): ReadonlySet<string> {
  common ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  return common;
}

/** The password without the digits and symbols people put around a word to pass a policy. */
function core(password: string): string {
  return password.toLowerCase().replace(/^[\d\W_]+|[\d\W_]+$/gu, '');
}

/**
 * Why a new password is refused, or undefined when it is acceptable. The rules follow NIST SP 800-63B
 * §5.1.1.2: a minimum length, no composition rules, and a check against known-common passwords —
 * including a common word dressed up with digits and symbols ("Password2024!").
 */
export function passwordProblem(password: string, username: string): string | undefined {
  if ([...password].length < MIN_PASSWORD_LENGTH)
    return `must be at least ${MIN_PASSWORD_LENGTH} characters long`;
  if (username.length >= 3 && password.toLowerCase().includes(username.toLowerCase()))
    return 'must not contain the username';
  if (/^(.{1,4})\1+$/su.test(password)) return 'must not repeat a short pattern';
  const list = commonPasswords();
  const c = core(password);
  if (
    list.has(password.toLowerCase()) ||
    (c.length >= 4 && list.has(c)) ||
    (c.length >= 8 && /^(.+)\1$/u.test(c) && list.has(c.slice(0, c.length / 2)))
  )
    return 'is too common: choose a longer phrase of unrelated words';
  return undefined;
}

/** Thrown when more logins wait for a hash than the service queues. */
export class HasherBusyError extends Error {
  constructor() {
    super('too many password checks are waiting');
    this.name = 'HasherBusyError';
  }
}

/** How many hashes run at once and how many may wait. */
export interface HasherLimits {
  concurrent: number;
  queued: number;
}

/**
 * Each Argon2id hash runs `parallelism` threads and holds its memory cost (64 MiB). Running no more
 * hash threads than the machine has cores keeps a burst of logins from starving the event loop (other
 * calls stay fast) and bounds memory; on a 2-core machine that is one hash at a time. Beyond 64 waiting
 * logins the service answers "busy, retry" at once instead of queueing without end.
 */
export function defaultHasherLimits(params: Argon2Params): HasherLimits {
  return { concurrent: Math.max(1, Math.floor(os.availableParallelism() / params.parallelism)), queued: 64 };
}

/** Hashes and verifies operator passwords with Argon2id (PHC strings carry their own parameters). */
export class PasswordHasher {
  private dummy: Promise<string> | undefined;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly params: Argon2Params = RFC9106_SECOND_OPTION,
    private readonly limits: HasherLimits = defaultHasherLimits(params),
  ) {}

  /** Runs `work` when a slot is free; refuses at once when the queue is full. */
  private async slot<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.limits.concurrent) {
      if (this.waiting.length >= this.limits.queued) throw new HasherBusyError();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter; only when none waits is it freed.
      if (next) next();
      else this.running--;
    }
  }

  /** A PHC-format Argon2id hash with a fresh salt. */
  hash(password: string): Promise<string> {
    return this.slot(() =>
      argon2.hash(password, {
        type: argon2.argon2id,
        memoryCost: this.params.memoryKiB,
        timeCost: this.params.iterations,
        parallelism: this.params.parallelism,
      }),
    );
  }

  /**
   * Verifies a password. With no hash (unknown user, disabled account) it verifies against a dummy hash
   * anyway, so the answer takes as long as for a real account and tells nothing about which exist.
   */
  async verify(hash: string | undefined, password: string): Promise<boolean> {
    if (!hash) {
      this.dummy ??= this.hash('lintel-dummy-password-for-timing');
      const dummy = await this.dummy;
      await this.slot(() => argon2.verify(dummy, password));
      return false;
    }
    try {
      return await this.slot(() => argon2.verify(hash, password));
    } catch (err) {
      if (err instanceof HasherBusyError) throw err;
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
