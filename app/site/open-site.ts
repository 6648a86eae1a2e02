import fs from 'node:fs';
import { fsyncDir } from '../keys/atomic-file.js';
import { KeyCustodyError } from '../keys/errors.js';
import { kekId, type KekKind, type KekSource } from '../keys/kek.js';
import { readKeyring, unwrapDbKey, writeKeyring, type KeyringWrap } from '../keys/keyring.js';
import { StoreError } from '../store/errors.js';
import { assertKnownSchema } from '../store/migrations/index.js';
import { SecretStore } from '../store/secrets.js';
import { integrityProblems, openEncrypted, tune, type Db } from '../store/sqlite.js';
import { acquireSiteLock } from './lock.js';
import { sitePaths } from './paths.js';
import type { OpenSite } from './site.js';

/** How to open a site. */
export interface OpenOptions {
  dataDir: string;
  source: KekSource;
  /** A reader (backup, verify) takes no lock, writes nothing and settles no interrupted work. */
  readonly?: boolean;
  /** Named in the lock file, so a second writer is told who holds the site. */
  purpose?: string;
  /** Run SQLite's quick_check before use (the service does; it costs a read of every page). */
  quickCheck?: boolean;
}

const HOW_TO_UNLOCK: Record<KekKind, string> = {
  'key-file': 'its key file (--key-file PATH)',
  passphrase: 'its passphrase (LINTEL_PASSPHRASE, --passphrase-file or the prompt)',
  'safe-storage': 'the desktop app (the key is in the OS keychain)',
};

function wrongKek(source: KekSource, held: Buffer[], wraps: KeyringWrap[]): KeyCustodyError {
  if (source.kind === 'passphrase') return new KeyCustodyError('WRONG_KEK', 'the passphrase is wrong');
  return new KeyCustodyError(
    'WRONG_KEK',
    `${source.label} does not open this site (its key id is ${held.map(kekId).join(', ')}; ` +
      `the site expects ${wraps.map((w) => w.kekId).join(' or ')}): use the key made for this site`,
  );
}

/**
 * Unlocks a site with a KEK source and opens its database. A wrong key, a damaged or truncated file, or
 * a database from a newer Lintel is refused with a message naming the problem before anything is
 * written. A writer also settles work that a crash interrupted (creation, either kind of rekey), using
 * the KEK recorded in the database as the authority on which keys are current.
 */
export async function openSite(opts: OpenOptions): Promise<OpenSite> {
  const paths = sitePaths(opts.dataDir);
  const readonly = opts.readonly ?? false;
  if (!fs.existsSync(paths.keyring)) {
    if (fs.existsSync(paths.db)) {
      throw new KeyCustodyError(
        'KEYRING_MISSING',
        `${paths.keyring} is missing, so ${paths.db} cannot be decrypted: restore the keyring from the backup made with it`,
      );
    }
    throw new StoreError(
      'DB_MISSING',
      `no Lintel site in ${paths.dataDir} (run: lintel db init --data-dir ${paths.dataDir})`,
    );
  }
  const release = readonly ? () => {} : acquireSiteLock(paths.lock, opts.purpose ?? 'lintel');
  try {
    const keyring = readKeyring(paths.keyring);
    if (!fs.existsSync(paths.db)) {
      if (readonly || !fs.existsSync(paths.dbCreating)) {
        throw new StoreError(
          'DB_MISSING',
          `${paths.db} is missing: restore it from a backup (lintel db restore)`,
        );
      }
      fs.renameSync(paths.dbCreating, paths.db); // site creation stopped just before this step
      fsyncDir(paths.dataDir);
    }
    const wraps = keyring.wraps.filter((w) => w.kek.kind === opts.source.kind);
    if (wraps.length === 0) {
      const kinds = [...new Set(keyring.wraps.map((w) => w.kek.kind))];
      throw new KeyCustodyError(
        'WRONG_SOURCE',
        `this site is not locked with ${opts.source.label}; open it with ${kinds.map((k) => HOW_TO_UNLOCK[k]).join(' or ')}`,
      );
    }

    const staged = await opts.source.staged?.();
    const held: Buffer[] = staged ? [staged] : [];
    for (const w of wraps) {
      try {
        held.push(await opts.source.unlock(w.kek));
      } catch (err) {
        if (staged && err instanceof KeyCustodyError && err.code === 'KEY_FILE_MISSING') continue;
        throw err;
      }
    }
    const usable = wraps
      .map((w) => ({ wrap: w, kek: held.find((k) => kekId(k) === w.kekId) }))
      .filter((u): u is { wrap: KeyringWrap; kek: Buffer } => u.kek !== undefined)
      .sort((a, b) => b.wrap.dbKeyVersion - a.wrap.dbKeyVersion);
    if (usable.length === 0) throw wrongKek(opts.source, held, wraps);

    let db: Db | undefined;
    let chosen: { wrap: KeyringWrap; kek: Buffer; dbKey: Buffer } | undefined;
    let lastError: unknown;
    for (const u of usable) {
      const dbKey = unwrapDbKey(u.kek, u.wrap, keyring.siteId);
      try {
        db = openEncrypted(paths.db, dbKey, { readonly });
        chosen = { ...u, dbKey };
        break;
      } catch (err) {
        lastError = err;
        if (!(err instanceof StoreError && err.code === 'DB_UNREADABLE')) break;
      }
    }
    if (!db || !chosen) {
      if (lastError instanceof StoreError && lastError.code === 'DB_UNREADABLE') {
        throw new StoreError(
          'DB_UNREADABLE',
          `${paths.db} does not decrypt with the site key although the key is right: ` +
            'its first page is damaged or the file was replaced; restore it from a backup',
        );
      }
      throw lastError;
    }

    try {
      const version = assertKnownSchema(db);
      if (version === 0) {
        throw new StoreError(
          'DB_EMPTY',
          `${paths.db} is empty: it was truncated or replaced; restore it from a backup`,
        );
      }
      if (opts.quickCheck) {
        const problems = integrityProblems(db, true);
        if (problems.length) {
          throw new StoreError(
            'DB_CORRUPT',
            `${paths.db} is damaged: ${problems.slice(0, 3).join('; ')} (run lintel db verify)`,
          );
        }
      }
      const custody = db.prepare('SELECT kek_id FROM key_custody WHERE id = 1').get() as
        { kek_id: string } | undefined;
      const kek = custody && held.find((k) => kekId(k) === custody.kek_id);
      if (!custody || !kek) {
        // The keyring lists the old KEK's wrap before the new one, so the order tells which way to go.
        const order = (id: string | undefined) => keyring.wraps.findIndex((w) => w.kekId === id);
        const newer = order(chosen.wrap.kekId) > order(custody?.kek_id);
        const kind = keyring.wraps.find((w) => w.kekId === custody?.kek_id)?.kek.kind;
        const what = kind === 'passphrase' ? 'passphrase' : kind === 'key-file' ? 'key file' : 'key';
        throw new KeyCustodyError(
          'REKEY_INTERRUPTED',
          newer
            ? `this key comes from a rekey that did not finish; open the site with its previous ${what} (key id ${custody?.kek_id ?? '?'}) to roll it back`
            : `a rekey was interrupted after the site's secrets moved to a new key (key id ${custody?.kek_id ?? '?'}); open the site with the new ${what} to finish it`,
        );
      }
      if (!readonly) {
        if (staged && kekId(staged) === custody.kek_id) await opts.source.commit?.();
        else if (staged) await opts.source.discardStaged?.();
        const keep = keyring.wraps.filter(
          (w) => w.kekId === custody.kek_id && w.dbKeyVersion === chosen.wrap.dbKeyVersion,
        );
        if (keep.length > 0 && keep.length !== keyring.wraps.length) {
          keyring.wraps = keep;
          writeKeyring(paths.keyring, keyring);
        }
        fs.rmSync(paths.dbRekeying, { force: true });
      }
      tune(db, readonly);
      const site: OpenSite = {
        paths,
        siteId: keyring.siteId,
        db,
        readonly,
        kek,
        kekId: custody.kek_id,
        dbKey: chosen.dbKey,
        dbKeyVersion: chosen.wrap.dbKeyVersion,
        keyring,
        secrets: new SecretStore(db, keyring.siteId, kek),
        close() {
          if (site.db.open) site.db.close();
          site.kek.fill(0);
          site.dbKey.fill(0);
          release();
        },
      };
      return site;
    } catch (err) {
      db.close();
      throw err;
    }
  } catch (err) {
    release();
    throw err;
  }
}
