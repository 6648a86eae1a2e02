import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir } from '../keys/atomic-file.js';
import { KeyCustodyError } from '../keys/errors.js';
import { kekId, type KekParams, type KekSource } from '../keys/kek.js';
import { unwrapDbKey, wrapDbKey, writeKeyring, type Keyring } from '../keys/keyring.js';
import { AuditRepo } from '../store/audit-repo.js';
import { StoreError } from '../store/errors.js';
import { assertKnownSchema, LATEST_SCHEMA_VERSION } from '../store/migrations/index.js';
import { SecretStore } from '../store/secrets.js';
import { integrityProblems, openEncrypted, type Db } from '../store/sqlite.js';
import { encodeBundleHead, type BundleHeader } from './bundle-format.js';
import {
  bundleMacKey,
  checkBundleMac,
  extractBundleDb,
  readBundleHead,
  writeBundleFile,
} from './bundle-io.js';
import { acquireSiteLock } from './lock.js';
import { assertRoomForNewSite } from './new-site-checks.js';
import { sitePaths } from './paths.js';
import type { Clock, OpenSite } from './site.js';

/**
 * A bundle's database gets a key of its own, and an imported site another one, so that the export
 * passphrase never opens the live database at either end, only the copy in the file.
 */
function reencrypt(file: string, from: Buffer, to: Buffer): void {
  const db = openEncrypted(file, from);
  try {
    db.pragma('journal_mode = DELETE'); // sqlite3mc cannot rekey in WAL mode; one file, no -wal
    db.pragma(`rekey="x'${to.toString('hex')}'"`);
  } finally {
    db.close();
  }
}

function removeSideFiles(file: string): void {
  for (const side of ['-wal', '-shm', '-journal']) fs.rmSync(`${file}${side}`, { force: true });
}

/** Takes back a folder this import made, unless something else has appeared in it meanwhile. */
function removeIfEmpty(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // not empty (or already gone): it is not ours to clear
  }
}

/** Full integrity, foreign keys, and every secret opening under `kek`; throws on the first problem. */
function assertSound(db: Db, siteId: string, kek: Buffer, what: string): void {
  const problems = [...integrityProblems(db), ...new SecretStore(db, siteId, kek).problems()];
  if (problems.length) throw new StoreError('DB_CORRUPT', `${what} failed its check: ${problems[0]}`);
}

/** How to export a site. */
export interface ExportOptions {
  out: string;
  /** The export passphrase (a PassphraseSource): it makes the KEK that seals the bundle. */
  passphrase: KekSource;
  now: Clock;
  lintelVersion: string;
}

/**
 * Exports an open site (a reader is enough, so it runs beside `lintel serve` or the desktop app) to one
 * file: a consistent snapshot (VACUUM INTO) re-encrypted under a fresh database key, its secrets
 * re-sealed under a KEK derived from the export passphrase, the keyring that opens it, and a MAC over
 * the whole. Nothing is written to the site; the file appears only once complete.
 */
export async function exportSite(
  site: OpenSite,
  opts: ExportOptions,
): Promise<{ file: string; bytes: number; siteId: string }> {
  if (opts.passphrase.kind !== 'passphrase')
    throw new Error('exportSite: the export KEK must be a passphrase');
  const file = path.resolve(opts.out);
  if (fs.existsSync(file)) throw new StoreError('DB_EXISTS', `${file} already exists; choose a new name`);
  const { key: exportKek, params } = await opts.passphrase.generate(); // refuses a weak passphrase first
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const work = fs.mkdtempSync(path.join(path.dirname(file), '.lintel-export-'));
  const copy = path.join(work, 'site.db');
  const bundleKey = randomBytes(32);
  try {
    site.db.exec(`VACUUM INTO '${copy.replace(/'/g, "''")}'`);
    fs.chmodSync(copy, 0o600);
    reencrypt(copy, site.dbKey, bundleKey);
    const now = opts.now();
    let siteName: string;
    let schemaVersion: number;
    const db = openEncrypted(copy, bundleKey);
    try {
      schemaVersion = assertKnownSchema(db);
      siteName = (db.prepare('SELECT name FROM site WHERE id = 1').get() as { name: string }).name;
      db.transaction(() => new SecretStore(db, site.siteId, site.kek).rewrapAll(exportKek, now))();
      assertSound(db, site.siteId, exportKek, 'the exported copy');
    } finally {
      db.close();
    }
    removeSideFiles(copy);
    const keyring: Keyring = {
      format: 'lintel-keyring',
      version: 1,
      siteId: site.siteId,
      cipher: 'chacha20',
      wraps: [wrapDbKey(exportKek, params, bundleKey, site.siteId, 1, now)],
    };
    const header: BundleHeader = {
      siteId: site.siteId,
      siteName: siteName.slice(0, 200),
      schemaVersion,
      exportedAt: now.toISOString(),
      lintelVersion: opts.lintelVersion.slice(0, 64),
      dbBytes: fs.statSync(copy).size,
      keyring,
    };
    const macKey = bundleMacKey(exportKek);
    const bytes = writeBundleFile(file, encodeBundleHead(header), copy, macKey);
    // Read back what reached the disk, as a backup is checked before it is reported.
    if (!checkBundleMac(file, readBundleHead(file), macKey).intact) {
      fs.rmSync(file, { force: true });
      throw new StoreError('BUNDLE_INVALID', `${file} did not read back as written (disk problem?)`);
    }
    macKey.fill(0);
    return { file, bytes, siteId: site.siteId };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    bundleKey.fill(0);
    exportKek.fill(0);
  }
}

/** How to import a bundle. */
export interface ImportOptions {
  /** An empty (or missing) data folder. */
  dataDir: string;
  /** The export passphrase the bundle was made with. */
  passphrase: KekSource;
  /** Where the imported site's own KEK comes from: a key file, a passphrase, or the OS keychain. */
  target: KekSource;
  now: Clock;
  /** Who is named in the imported site's audit log. */
  actor: string;
  source: string;
}

/** What an import installed. */
export interface ImportReport {
  siteId: string;
  siteName: string;
  dataDir: string;
  exportedAt: string;
}

/**
 * Checks a bundle completely before anything is written: its head, the passphrase (a wrong one is
 * told apart from a damaged file by the KEK id), then the MAC over every byte. Returns the unsealed
 * database key and the export KEK; the caller wipes them.
 */
async function openBundle(file: string, passphrase: KekSource) {
  const layout = readBundleHead(file);
  const wrap = layout.header.keyring.wraps[0]!;
  const kek = await passphrase.unlock(wrap.kek);
  if (kekId(kek) !== wrap.kekId) {
    kek.fill(0);
    throw new KeyCustodyError('WRONG_KEK', 'the export passphrase is wrong');
  }
  const macKey = bundleMacKey(kek);
  const { intact, dbDigest } = checkBundleMac(file, layout, macKey);
  macKey.fill(0);
  if (!intact) {
    kek.fill(0);
    throw new StoreError(
      'BUNDLE_INVALID',
      `${file} was altered or damaged after it was exported (its checksum does not match): export the site again`,
    );
  }
  return { layout, kek, dbDigest, dbKey: unwrapDbKey(kek, wrap, layout.header.siteId) };
}

/**
 * Installs a bundle as a new site in an empty data folder, locked with `target`. In a staging folder
 * the database is checked, re-encrypted under a fresh key, its secrets re-sealed under the new KEK and
 * every session ended; only then are the keyring written and the database renamed into place, in the
 * order site creation uses, so a crash leaves either no site or one the next open completes. A refusal
 * or a failure before that point leaves the folder as it was.
 */
export async function importSite(file: string, opts: ImportOptions): Promise<ImportReport> {
  const paths = sitePaths(opts.dataDir);
  const head = readBundleHead(file).header; // cheap refusals first: no passphrase asked for a bad file
  if (head.schemaVersion > LATEST_SCHEMA_VERSION) {
    throw new StoreError(
      'DB_FROM_FUTURE',
      `this export holds schema version ${head.schemaVersion}, newer than this Lintel knows (${LATEST_SCHEMA_VERSION}): import it with the newer Lintel`,
    );
  }
  assertRoomForNewSite(paths, opts.target);
  const bundle = await openBundle(file, opts.passphrase);
  const { siteId } = bundle.layout.header;
  let made: { key: Buffer; params: KekParams };
  try {
    made = await opts.target.generate(); // a weak new passphrase is refused before anything is written
  } catch (err) {
    bundle.kek.fill(0);
    bundle.dbKey.fill(0);
    throw err;
  }
  const kek = made.key;

  const createdDir = !fs.existsSync(paths.dataDir);
  fs.mkdirSync(paths.dataDir, { recursive: true, mode: 0o700 });
  let release = () => {};
  let staging: string | undefined;
  let installed = false;
  const newDbKey = randomBytes(32);
  try {
    release = acquireSiteLock(paths.lock, 'lintel site import');
    assertRoomForNewSite(paths, opts.target); // again, now that no other writer can start
    staging = fs.mkdtempSync(path.join(paths.dataDir, 'import-'));
    const staged = path.join(staging, 'lintel.db');
    if (!extractBundleDb(file, bundle.layout, staged).equals(bundle.dbDigest)) {
      throw new StoreError('BUNDLE_INVALID', `${file} changed while it was being imported: try again`);
    }
    const check = openEncrypted(staged, bundle.dbKey, { readonly: true });
    try {
      if (assertKnownSchema(check) === 0)
        throw new StoreError('BUNDLE_INVALID', 'the exported database is empty');
      assertSound(check, siteId, bundle.kek, 'the exported database');
    } finally {
      check.close();
    }
    reencrypt(staged, bundle.dbKey, newDbKey);

    const now = opts.now();
    await opts.target.discardStaged?.();
    await opts.target.stage?.(kek);
    const db = openEncrypted(staged, newDbKey);
    try {
      db.transaction(() => {
        new SecretStore(db, siteId, bundle.kek).rewrapAll(kek, now);
        // A moved site starts with nobody signed in: a token from the old host must not open the new one.
        const sessionsEnded = db.prepare('DELETE FROM session').run().changes;
        new AuditRepo(db).append({
          at: now.toISOString(),
          operatorId: null,
          actor: opts.actor,
          action: 'site.import',
          detail: {
            exportedAt: bundle.layout.header.exportedAt,
            exportedBy: bundle.layout.header.lintelVersion,
            sessionsEnded,
          },
          source: opts.source,
        });
      })();
      assertSound(db, siteId, kek, 'the imported database');
    } finally {
      db.close();
    }
    removeSideFiles(staged);

    fs.renameSync(staged, paths.dbCreating);
    writeKeyring(paths.keyring, {
      format: 'lintel-keyring',
      version: 1,
      siteId,
      cipher: 'chacha20',
      wraps: [wrapDbKey(kek, made.params, newDbKey, siteId, 1, now)],
    });
    installed = true; // from here on the next open finishes the job, as after site creation
    fs.renameSync(paths.dbCreating, paths.db);
    fsyncDir(paths.dataDir);
    await opts.target.commit?.();
    return {
      siteId,
      siteName: bundle.layout.header.siteName,
      dataDir: paths.dataDir,
      exportedAt: bundle.layout.header.exportedAt,
    };
  } catch (err) {
    if (!installed) {
      fs.rmSync(paths.dbCreating, { force: true });
      await opts.target.discardStaged?.();
    }
    throw err;
  } finally {
    if (staging) fs.rmSync(staging, { recursive: true, force: true });
    release();
    if (createdDir && !installed) removeIfEmpty(paths.dataDir);
    newDbKey.fill(0);
    kek.fill(0);
    bundle.kek.fill(0);
    bundle.dbKey.fill(0);
  }
}
