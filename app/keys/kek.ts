import { createHmac } from 'node:crypto';
import { z } from 'zod';

/** Where a key-encryption key comes from, as recorded beside each wrapped database key. */
export const KekParams = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('key-file') }),
  z.object({
    kind: z.literal('passphrase'),
    kdf: z.object({
      alg: z.literal('argon2id'),
      version: z.literal(19),
      memoryKiB: z.number().int().min(8192).max(4_194_304),
      iterations: z.number().int().min(1).max(64),
      parallelism: z.number().int().min(1).max(64),
      salt: z.base64url().min(22),
    }),
  }),
  z.object({
    kind: z.literal('safe-storage'),
    blob: z.base64(),
    // The Linux keychain (safeStorage backend) that sealed the blob, so a changed desktop keyring is
    // named instead of failing as an undecryptable blob. Absent on macOS and Windows.
    backend: z
      .string()
      .regex(/^[a-z0-9_]{1,32}$/)
      .optional(),
  }),
]);
/** Where a key-encryption key comes from, as recorded beside each wrapped database key. */
export type KekParams = z.infer<typeof KekParams>;
/** The kinds of KEK source. */
export type KekKind = KekParams['kind'];

/**
 * A source of key-encryption keys (a port): a key file, an operator passphrase, or (in the desktop
 * app) the OS keychain through Electron safeStorage. The keyring asks it to unlock a stored wrap or
 * to make a new KEK; sources that keep the key outside the keyring (key files) also take part in the
 * two-phase rekey through `stage`/`commit`/`discardStaged`.
 */
export interface KekSource {
  readonly kind: KekKind;
  /** Names the source in messages ("key file /home/a/.config/lintel/keys/x.key"). */
  readonly label: string;
  /** Produces the KEK for a wrap made by this kind of source. */
  unlock(params: KekParams): Promise<Buffer>;
  /** Makes a brand-new KEK and the params to store with wraps under it. */
  generate(): Promise<{ key: Buffer; params: KekParams }>;
  /** Writes a new KEK where it will live, without replacing the current one yet. */
  stage?(key: Buffer): Promise<void>;
  /** Makes the staged KEK the current one. */
  commit?(): Promise<void>;
  /** Forgets a staged KEK. */
  discardStaged?(): Promise<void>;
  /** A KEK staged by an interrupted rekey, if any. */
  staged?(): Promise<Buffer | undefined>;
}

/**
 * A public identifier for a KEK: HMAC-SHA256(KEK, label) cut to 8 bytes. It names which KEK a wrap or
 * secret is under (and so tells a wrong key apart from a corrupt file) without revealing the key.
 */
export function kekId(key: Uint8Array): string {
  return createHmac('sha256', key).update('lintel/kek-id/v1').digest().subarray(0, 8).toString('hex');
}
