import { RFC9106_SECOND_OPTION, argon2idKey, newSalt, type Argon2Params } from '../crypto/argon2.js';
import { KeyCustodyError } from './errors.js';
import type { KekParams, KekSource } from './kek.js';

/** The shortest passphrase accepted for a new KEK: it is the only secret between a stolen disk and the site. */
export const MIN_PASSPHRASE_LENGTH = 12;

/**
 * A KEK derived from an operator passphrase with Argon2id (headless sites without a key file). The
 * salt and cost are stored beside each wrap, so the cost can be raised at the next rekey.
 */
export class PassphraseSource implements KekSource {
  readonly kind = 'passphrase' as const;
  readonly label = 'the site passphrase';
  private cache = new Map<string, Buffer>();

  constructor(
    private readonly passphrase: () => Promise<string>,
    private readonly params: Argon2Params = RFC9106_SECOND_OPTION,
  ) {}

  async unlock(params: KekParams): Promise<Buffer> {
    if (params.kind !== 'passphrase') throw new Error('PassphraseSource.unlock: not a passphrase wrap');
    const cached = this.cache.get(params.kdf.salt);
    if (cached) return Buffer.from(cached); // a copy: callers wipe the keys they are given
    const key = await argon2idKey(await this.passphrase(), Buffer.from(params.kdf.salt, 'base64url'), {
      memoryKiB: params.kdf.memoryKiB,
      iterations: params.kdf.iterations,
      parallelism: params.kdf.parallelism,
    });
    this.cache.set(params.kdf.salt, key);
    return Buffer.from(key);
  }

  async generate(): Promise<{ key: Buffer; params: KekParams }> {
    const passphrase = await this.passphrase();
    if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
      throw new KeyCustodyError(
        'PASSPHRASE_WEAK',
        `the passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters long`,
      );
    }
    const salt = newSalt();
    const key = await argon2idKey(passphrase, salt, this.params);
    const params: KekParams = {
      kind: 'passphrase',
      kdf: { alg: 'argon2id', version: 19, ...this.params, salt: salt.toString('base64url') },
    };
    this.cache.set(params.kdf.salt, key);
    return { key: Buffer.from(key), params };
  }
}
