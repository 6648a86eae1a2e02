import fs from 'node:fs';
import { openOrCreateSite } from '../app/host/site-host.js';
import { KeyCustodyError } from '../app/keys/errors.js';
import type { KekKind, KekSource } from '../app/keys/kek.js';
import { KeyFileSource } from '../app/keys/key-file.js';
import { readKeyring } from '../app/keys/keyring.js';
import { PassphraseSource } from '../app/keys/passphrase.js';
import { SafeStorageSource, safeStorageRefusal, type SafeStoragePort } from '../app/keys/safe-storage.js';
import type { Log } from '../app/log.js';
import { rekeySite, type RekeyStep } from '../app/site/rekey-site.js';
import { sitePaths } from '../app/site/paths.js';
import type { Clock, OpenSite } from '../app/site/site.js';

/** What the desktop app's key custody needs; the Electron parts (safeStorage, platform) are injected. */
export interface DesktopCustodyOptions {
  dataDir: string;
  /** The key file that desktop sites were locked with before the keychain (the folder's default). */
  keyFile: string;
  /**
   * Development pointed the app at a site or key with LINTEL_DATA_DIR / LINTEL_KEY_FILE: that site is
   * likely shared with `lintel serve`, so its key file is used as it is, never moved into the keychain.
   */
  keepKeyFile: boolean;
  safeStorage: SafeStoragePort;
  platform: NodeJS.Platform;
  /**
   * Asks the operator for the site passphrase; absent where the app has no way to ask. It may be asked
   * more than once in one open (a keyring holding two passphrase wraps): each ask of one attempt wants
   * the same passphrase.
   */
  askPassphrase?: (prompt: PassphrasePrompt) => Promise<string>;
  log: Log;
  now: Clock;
  /** Test seam: called after each durable step of the move into the keychain (see rekeySite). */
  step?: (step: RekeyStep) => void;
}

/** What the operator is asked for, so that the prompt can say it. */
export interface PassphrasePrompt {
  /** A new site: the operator chooses its passphrase. */
  creating: boolean;
  /** Why the passphrase is needed rather than the OS keychain, in words for the operator. */
  reason: string;
}

/** Why an existing passphrase site asks for its passphrase even where a keychain is usable now. */
const LOCKED_WITH_PASSPHRASE =
  'this site was locked with a passphrase when it was created, so only that passphrase opens it';

/** The open site and how its key is held. */
export interface DesktopSite {
  site: OpenSite;
  created: boolean;
  custody: KekKind;
  /** The site was moved from the key file into the keychain during this start. */
  migrated: boolean;
}

const PURPOSE = 'Lintel desktop';

/**
 * Opens (or creates) the desktop site with the best key custody this machine offers: the OS keychain
 * through safeStorage when it is real custody; otherwise a passphrase, if the app can ask for one. A
 * site still locked with the old default key file is moved into the keychain at start (new database
 * key and new KEK, so a copy of the old key file opens nothing current) and only then is the key file
 * removed. A move that stops at any point leaves a site that the next start opens and finishes moving.
 */
export async function openDesktopSite(opts: DesktopCustodyOptions): Promise<DesktopSite> {
  const keyFile = new KeyFileSource(opts.keyFile);
  if (opts.keepKeyFile) return open(opts, keyFile);

  const keyringFile = sitePaths(opts.dataDir).keyring;
  const kinds = new Set(
    fs.existsSync(keyringFile) ? readKeyring(keyringFile).wraps.map((w) => w.kek.kind) : [],
  );
  const refusal = safeStorageRefusal(opts.safeStorage, opts.platform);
  const keychain = new SafeStorageSource(opts.safeStorage, opts.platform);

  if (kinds.has('key-file')) return fromKeyFile(opts, keyFile, keychain, kinds.has('safe-storage'), refusal);
  if (kinds.has('safe-storage')) {
    // A keychain site with an unusable keychain is refused by the source itself, with the reason.
    const opened = await open(opts, keychain);
    removeKeyFile(opts, keyFile); // left behind if the last start stopped right after the move
    return opened;
  }
  if (kinds.has('passphrase')) {
    return open(opts, passphraseSource(opts, undefined, { creating: false, reason: LOCKED_WITH_PASSPHRASE }));
  }
  // A new site (or a database without its keyring, which openOrCreateSite refuses with its own message).
  if (!refusal) return open(opts, keychain);
  return open(opts, passphraseSource(opts, refusal, { creating: true, reason: refusal.message }));
}

async function open(opts: DesktopCustodyOptions, source: KekSource, migrated = false): Promise<DesktopSite> {
  const { site, created } = await openOrCreateSite({
    dataDir: opts.dataDir,
    source,
    log: opts.log,
    now: opts.now,
    purpose: PURPOSE,
  });
  return { site, created, custody: source.kind, migrated };
}

/** The passphrase source, or the refusal that says why there is neither a keychain nor a prompt. */
function passphraseSource(
  opts: DesktopCustodyOptions,
  refusal: KeyCustodyError | undefined,
  prompt: PassphrasePrompt,
): KekSource {
  const ask = opts.askPassphrase;
  if (ask) return new PassphraseSource(() => ask(prompt));
  // Only a host without a prompt gets here (the desktop app always passes one, main/locked-host.ts).
  const why = refusal
    ? `${refusal.message}. This program cannot ask for a passphrase instead`
    : 'this site is locked with a passphrase, and this program cannot ask for one';
  throw new KeyCustodyError(
    refusal?.code ?? 'PASSPHRASE_REQUIRED',
    `${why}: use lintel serve (the same console in a browser)`,
  );
}

/**
 * A site locked with the default key file. With a usable keychain it is moved there; without one it
 * keeps opening with its key file as before (a key file outside the data folder is no worse than
 * Chromium's built-in password). A keyring holding both kinds is a move that stopped part-way: opening
 * with the key file rolls it back unless the secrets had already moved, in which case the keychain
 * opens it and finishes.
 */
async function fromKeyFile(
  opts: DesktopCustodyOptions,
  keyFile: KeyFileSource,
  keychain: SafeStorageSource,
  movedPartWay: boolean,
  refusal: KeyCustodyError | undefined,
): Promise<DesktopSite> {
  let opened: DesktopSite;
  try {
    opened = await open(opts, keyFile);
  } catch (err) {
    const finishWithKeychain =
      movedPartWay &&
      err instanceof KeyCustodyError &&
      (err.code === 'REKEY_INTERRUPTED' || err.code === 'KEY_FILE_MISSING');
    if (!finishWithKeychain) throw err;
    const done = await open(opts, keychain, true);
    removeKeyFile(opts, keyFile);
    return done;
  }
  if (refusal) {
    opts.log.warn(
      { code: refusal.code, keyFile: keyFile.file },
      'main: the OS keychain cannot hold the site key; the site stays locked with its key file',
    );
    return opened;
  }
  const { site } = opened;
  try {
    const report = await rekeySite(site, { dbKey: true, kek: keychain }, opts.now, opts.step);
    opts.log.info(
      { kek: report.kek?.to, dbKeyVersion: site.dbKeyVersion },
      'main: site key moved into the OS keychain',
    );
  } catch (err) {
    site.close();
    throw err;
  }
  removeKeyFile(opts, keyFile);
  return { ...opened, custody: 'safe-storage', migrated: true };
}

/** Removes the old key file once no wrap in the keyring needs it. */
function removeKeyFile(opts: DesktopCustodyOptions, keyFile: KeyFileSource): void {
  if (!fs.existsSync(keyFile.file) && !fs.existsSync(`${keyFile.file}.next`)) return;
  if (readKeyring(sitePaths(opts.dataDir).keyring).wraps.some((w) => w.kek.kind === 'key-file')) return;
  fs.rmSync(keyFile.file, { force: true });
  fs.rmSync(`${keyFile.file}.next`, { force: true });
  opts.log.info({ keyFile: keyFile.file }, 'main: old key file removed');
}

/**
 * A passphrase given in advance: LINTEL_PASSPHRASE, read only when running from source (to exercise
 * the fallback without typing, e.g. with --password-store=basic). An installed app ignores the
 * environment and asks through the console's unlock screen (main/locked-host.ts).
 */
export function developmentPassphrase(opts: {
  isPackaged: boolean;
  env: Record<string, string | undefined>;
}): (() => Promise<string>) | undefined {
  const passphrase = opts.isPackaged ? undefined : opts.env.LINTEL_PASSPHRASE;
  return passphrase ? () => Promise.resolve(passphrase) : undefined;
}
