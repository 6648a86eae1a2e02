import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';

/** Argon2id cost parameters. */
export interface Argon2Params {
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}

/**
 * RFC 9106 §4, second recommended option (for memory-constrained settings): Argon2id, t=3,
 * m=64 MiB, p=4, 128-bit salt, 256-bit tag. It is stronger than OWASP's minimum (m=19 MiB, t=2, p=1)
 * and costs about a quarter of a second on the 2-core CI machine (docs/security.md records the time).
 */
export const RFC9106_SECOND_OPTION: Argon2Params = { memoryKiB: 65536, iterations: 3, parallelism: 4 };

/** Derives a 32-byte key from a passphrase with Argon2id (version 0x13). */
export async function argon2idKey(
  passphrase: string | Buffer,
  salt: Buffer,
  params: Argon2Params,
  extra: { secret?: Buffer; associatedData?: Buffer; length?: number } = {},
): Promise<Buffer> {
  return argon2.hash(passphrase, {
    type: argon2.argon2id,
    version: 0x13,
    raw: true,
    salt,
    memoryCost: params.memoryKiB,
    timeCost: params.iterations,
    parallelism: params.parallelism,
    hashLength: extra.length ?? 32,
    ...(extra.secret ? { secret: extra.secret } : {}),
    ...(extra.associatedData ? { associatedData: extra.associatedData } : {}),
  });
}

/** A fresh 128-bit salt. */
export function newSalt(): Buffer {
  return randomBytes(16);
}
