import fs from 'node:fs';
import type { KekSource } from '../keys/kek.js';
import { KeyFileSource } from '../keys/key-file.js';
import { readKeyring } from '../keys/keyring.js';
import { PassphraseSource } from '../keys/passphrase.js';
import { defaultDataDir, defaultKeyFile, sitePaths } from '../site/paths.js';
import { passphraseGetter } from './passphrase-input.js';

/** The options every command that unlocks a site takes. */
export interface SiteOptions {
  dataDir?: string;
  keyFile?: string;
  passphraseFile?: string;
  passphrase?: boolean;
}

/** The data folder a command works on. */
export function resolveDataDir(opts: SiteOptions): string {
  return opts.dataDir ?? defaultDataDir();
}

/**
 * The KEK source for a site: a passphrase when asked for (flag, file or LINTEL_PASSPHRASE) or when the
 * keyring says the site is locked with one; otherwise its key file (--key-file, LINTEL_KEY_FILE, or
 * the default beside the user's config).
 */
export function kekSourceFor(opts: SiteOptions, dataDir: string): KekSource {
  const keyringFile = sitePaths(dataDir).keyring;
  const lockedWithPassphrase =
    !opts.keyFile &&
    fs.existsSync(keyringFile) &&
    readKeyringKinds(keyringFile).every((k) => k === 'passphrase');
  if (opts.passphrase || opts.passphraseFile || process.env.LINTEL_PASSPHRASE || lockedWithPassphrase) {
    return new PassphraseSource(
      passphraseGetter({
        file: opts.passphraseFile,
        envVar: 'LINTEL_PASSPHRASE',
        prompt: 'Site passphrase: ',
        confirm: !fs.existsSync(keyringFile),
      }),
    );
  }
  return new KeyFileSource(opts.keyFile ?? defaultKeyFile(dataDir));
}

function readKeyringKinds(file: string): string[] {
  try {
    return readKeyring(file).wraps.map((w) => w.kek.kind);
  } catch {
    return [];
  }
}
