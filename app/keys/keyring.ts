import fs from 'node:fs';
import { z } from 'zod';
import { open, seal } from '../crypto/aead.js';
import { writeFileAtomic } from './atomic-file.js';
import { KeyCustodyError } from './errors.js';
import { KekParams, kekId } from './kek.js';

/** The database key (version `dbKeyVersion`) sealed under one KEK. */
export const KeyringWrap = z.object({
  kekId: z.string().regex(/^[0-9a-f]{16}$/),
  kek: KekParams,
  dbKeyVersion: z.number().int().positive(),
  wrappedDbKey: z.base64url(),
  createdAt: z.iso.datetime(),
});
/** The database key (version `dbKeyVersion`) sealed under one KEK. */
export type KeyringWrap = z.infer<typeof KeyringWrap>;

/**
 * The keyring file beside the database. It holds only sealed keys: the database key is random and
 * never written anywhere in clear. Normally one wrap; two while a rekey is in flight (old and new), so
 * that a crash at any step leaves a site that opens.
 */
export const Keyring = z.object({
  format: z.literal('lintel-keyring'),
  version: z.literal(1),
  siteId: z.uuid(),
  cipher: z.literal('chacha20'),
  wraps: z.array(KeyringWrap).min(1),
});
/** The keyring file beside the database. */
export type Keyring = z.infer<typeof Keyring>;

function dbKeyAad(siteId: string, dbKeyVersion: number): string {
  return `lintel/db-key/v1|site=${siteId}|version=${dbKeyVersion}`;
}

/** Seals a database key under a KEK, bound to the site and the key version. */
export function wrapDbKey(
  kek: Buffer,
  params: KekParams,
  dbKey: Buffer,
  siteId: string,
  dbKeyVersion: number,
  now: Date,
): KeyringWrap {
  return {
    kekId: kekId(kek),
    kek: params,
    dbKeyVersion,
    wrappedDbKey: seal(kek, dbKey, dbKeyAad(siteId, dbKeyVersion)).toString('base64url'),
    createdAt: now.toISOString(),
  };
}

/** Opens a wrapped database key; an authentication failure means the keyring was altered. */
export function unwrapDbKey(kek: Buffer, wrap: KeyringWrap, siteId: string): Buffer {
  try {
    return open(kek, Buffer.from(wrap.wrappedDbKey, 'base64url'), dbKeyAad(siteId, wrap.dbKeyVersion));
  } catch {
    throw new KeyCustodyError(
      'KEYRING_INVALID',
      'the keyring entry matches this key but does not open: the keyring file was altered',
    );
  }
}

/** Reads and validates the keyring file. */
export function readKeyring(file: string): Keyring {
  if (!fs.existsSync(file)) {
    throw new KeyCustodyError(
      'KEYRING_MISSING',
      `keyring ${file} is missing: this folder holds no Lintel site`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    throw new KeyCustodyError('KEYRING_INVALID', `keyring ${file} is not valid JSON (damaged?)`);
  }
  const parsed = Keyring.safeParse(json);
  if (!parsed.success) {
    throw new KeyCustodyError(
      'KEYRING_INVALID',
      `keyring ${file} is not a Lintel keyring: ${parsed.error.issues[0]?.message}`,
    );
  }
  return parsed.data;
}

/** Writes the keyring atomically (mode 0600). */
export function writeKeyring(file: string, keyring: Keyring): void {
  writeFileAtomic(file, `${JSON.stringify(Keyring.parse(keyring), null, 2)}\n`, 0o600);
}
