import fs from 'node:fs';
import path from 'node:path';
import { copyFileSync } from 'node:fs';
import { fsyncDir } from '../keys/atomic-file.js';
import { KeyCustodyError } from '../keys/errors.js';
import type { KekSource } from '../keys/kek.js';
import { KeyFileSource } from '../keys/key-file.js';
import { readKeyring } from '../keys/keyring.js';
import { PassphraseSource } from '../keys/passphrase.js';
import { fileStamp, systemTimeZone, upgradeSchema } from '../host/site-host.js';
import type { Log } from '../log.js';
import { backupKeyringPath, backupSite } from '../site/backup-site.js';
import { createSite } from '../site/create-site.js';
import { acquireSiteLock } from '../site/lock.js';
import { openSite } from '../site/open-site.js';
import { assertKeyFileOutside, sitePaths } from '../site/paths.js';
import { rekeySite } from '../site/rekey-site.js';
import { systemClock } from '../site/site.js';
import { AuditRepo } from '../store/audit-repo.js';
import { StoreError } from '../store/errors.js';
import { LATEST_SCHEMA_VERSION, schemaVersion } from '../store/migrations/index.js';
import { integrityProblems } from '../store/sqlite.js';
import { kekSourceFor, resolveDataDir, type SiteOptions } from './kek-options.js';
import { passphraseGetter } from './passphrase-input.js';

type Out = NodeJS.WritableStream;

/** `lintel db init`: creates a site (random database key, new KEK, site master key). */
export async function initCommand(
  opts: SiteOptions & { siteName: string; timeZone?: string },
  out: Out,
): Promise<void> {
  const dataDir = resolveDataDir(opts);
  const source = kekSourceFor(opts, dataDir);
  const { siteId } = await createSite({
    dataDir,
    source,
    siteName: opts.siteName,
    timeZone: opts.timeZone ?? systemTimeZone(),
    now: systemClock,
  });
  out.write(
    `Created site ${siteId} in ${path.resolve(dataDir)}.\n` +
      `Its key-encryption key is ${source instanceof KeyFileSource ? `in ${source.file}: back it up apart from the data folder` : 'derived from the passphrase'}.\n` +
      'Run `lintel serve` to print the setup token and create the first administrator.\n',
  );
}

/** `lintel db migrate`: brings the schema up to this build, after a backup. */
export async function migrateCommand(opts: SiteOptions, log: Log, out: Out): Promise<void> {
  const dataDir = resolveDataDir(opts);
  const site = await openSite({
    dataDir,
    source: kekSourceFor(opts, dataDir),
    purpose: 'lintel db migrate',
    quickCheck: true,
  });
  try {
    const r = upgradeSchema(site, systemClock, log);
    out.write(
      r.from === r.to
        ? `The schema is already at version ${r.to}; nothing to do.\n`
        : `Migrated the schema from version ${r.from} to ${r.to} (backup first: ${r.backup}).\n`,
    );
  } finally {
    site.close();
  }
}

/** `lintel db verify`: integrity, foreign keys, secrets and keyring; returns the exit code. */
export async function verifyCommand(opts: SiteOptions, out: Out): Promise<number> {
  const dataDir = resolveDataDir(opts);
  const site = await openSite({ dataDir, source: kekSourceFor(opts, dataDir), readonly: true });
  try {
    const problems = [...integrityProblems(site.db), ...site.secrets.problems()];
    const version = schemaVersion(site.db);
    const notes: string[] = [];
    if (version < LATEST_SCHEMA_VERSION)
      notes.push(
        `schema version ${version} is behind this build (${LATEST_SCHEMA_VERSION}): run lintel db migrate`,
      );
    if (site.keyring.wraps.length > 1)
      notes.push('the keyring still holds the keys of an interrupted rekey; the next start settles it');
    const secrets = (site.db.prepare('SELECT count(*) AS n FROM secret').get() as { n: number }).n;
    for (const n of notes) out.write(`note: ${n}\n`);
    if (problems.length) {
      for (const p of problems) out.write(`problem: ${p}\n`);
      out.write(`${problems.length} problem(s) found in ${site.paths.db}.\n`);
      return 1;
    }
    out.write(
      `ok: ${site.paths.db}: integrity and foreign keys checked, ${secrets} secret(s) open, schema version ${version}.\n`,
    );
    return 0;
  } finally {
    site.close();
  }
}

/** `lintel db backup`: an encrypted, consistent copy, safe while the service writes. */
export async function backupCommand(opts: SiteOptions & { out?: string }, out: Out): Promise<void> {
  const dataDir = resolveDataDir(opts);
  const site = await openSite({ dataDir, source: kekSourceFor(opts, dataDir), readonly: true });
  try {
    const file = opts.out ?? path.join(site.paths.backups, `lintel-${fileStamp(new Date())}.db`);
    const r = backupSite(site, file);
    out.write(
      `Backup written: ${r.file} (${r.bytes} bytes, encrypted) with its keyring ${r.keyring}.\n` +
        'Both are needed to restore, and so is the KEK (key file or passphrase) of the site now.\n',
    );
  } finally {
    site.close();
  }
}

/** Options of `lintel db rekey`. */
export interface RekeyOptions extends SiteOptions {
  dbKey?: boolean;
  kek?: boolean;
  toKeyFile?: string;
  toPassphrase?: boolean;
  newPassphraseFile?: string;
}

function newPassphraseSource(opts: RekeyOptions): PassphraseSource {
  return new PassphraseSource(
    passphraseGetter({
      file: opts.newPassphraseFile,
      envVar: 'LINTEL_NEW_PASSPHRASE',
      prompt: 'New site passphrase: ',
      confirm: true,
    }),
  );
}

/** `lintel db rekey`: replaces the database key and/or the KEK, with nothing lost. */
export async function rekeyCommand(opts: RekeyOptions, out: Out): Promise<void> {
  const dataDir = resolveDataDir(opts);
  const source = kekSourceFor(opts, dataDir);
  const site = await openSite({ dataDir, source, purpose: 'lintel db rekey', quickCheck: true });
  try {
    const anyChosen = opts.dbKey || opts.kek || opts.toKeyFile || opts.toPassphrase;
    const rotateDb = anyChosen ? Boolean(opts.dbKey) : true;
    let target: KekSource | undefined;
    if (opts.toPassphrase) target = newPassphraseSource(opts);
    else if (opts.toKeyFile) {
      assertKeyFileOutside(opts.toKeyFile, dataDir);
      const current = source instanceof KeyFileSource ? path.resolve(source.file) : undefined;
      if (path.resolve(opts.toKeyFile) !== current && fs.existsSync(opts.toKeyFile)) {
        throw new KeyCustodyError(
          'KEY_FILE_EXISTS',
          `key file ${opts.toKeyFile} already exists: choose a new path`,
        );
      }
      target = new KeyFileSource(opts.toKeyFile);
    } else if (opts.kek || !anyChosen) {
      target = source instanceof KeyFileSource ? new KeyFileSource(source.file) : newPassphraseSource(opts);
    }
    const report = await rekeySite(
      site,
      { dbKey: rotateDb, ...(target ? { kek: target } : {}) },
      systemClock,
    );
    new AuditRepo(site.db).append({
      at: systemClock().toISOString(),
      operatorId: null,
      actor: 'lintel db rekey',
      action: 'db.rekey',
      detail: { ...report },
      source: 'cli',
    });
    if (report.dbKeyVersion)
      out.write(
        `Database key replaced (version ${report.dbKeyVersion.from} -> ${report.dbKeyVersion.to}).\n`,
      );
    if (report.kek) {
      out.write(
        `KEK replaced (key id ${report.kek.from} -> ${report.kek.to}); ${report.kek.secretsRewrapped} secret(s) re-sealed; now ${target!.label}.\n`,
      );
      if (
        source instanceof KeyFileSource &&
        !(target instanceof KeyFileSource && path.resolve(target.file) === path.resolve(source.file))
      ) {
        out.write(`The old key file ${source.file} no longer opens the site: destroy it.\n`);
      }
    }
    out.write('Earlier backups still open only with the keys they were made with.\n');
  } finally {
    site.close();
  }
}

/** `lintel db restore`: replaces the site with a backup, keeping the current files aside. */
export async function restoreCommand(
  opts: SiteOptions & { from: string; force?: boolean },
  out: Out,
): Promise<void> {
  const dataDir = resolveDataDir(opts);
  const paths = sitePaths(dataDir);
  const from = path.resolve(opts.from);
  const fromKeyring = backupKeyringPath(from);
  for (const f of [from, fromKeyring]) {
    if (!fs.existsSync(f))
      throw new StoreError(
        'DB_MISSING',
        `${f} does not exist (a backup is the .db file and its .keyring.json)`,
      );
  }
  fs.mkdirSync(paths.dataDir, { recursive: true, mode: 0o700 });
  const release = acquireSiteLock(paths.lock, 'lintel db restore');
  const stamp = fileStamp(new Date());
  const staging = path.join(paths.dataDir, `restore-${stamp}`);
  try {
    const backupSiteId = readKeyring(fromKeyring).siteId;
    if (fs.existsSync(paths.keyring) && readKeyring(paths.keyring).siteId !== backupSiteId && !opts.force) {
      throw new StoreError(
        'DB_EXISTS',
        `the backup is of another site (${backupSiteId}); pass --force to replace this one`,
      );
    }
    fs.mkdirSync(staging, { mode: 0o700 });
    const staged = sitePaths(staging);
    copyFileSync(from, staged.db);
    copyFileSync(fromKeyring, staged.keyring);
    const source = kekSourceFor(opts, dataDir);
    const check = await openSite({ dataDir: staging, source, readonly: true });
    try {
      const problems = integrityProblems(check.db);
      if (problems.length) throw new StoreError('DB_CORRUPT', `the backup is damaged: ${problems[0]}`);
    } finally {
      check.close();
    }
    for (const side of ['-wal', '-shm']) fs.rmSync(`${staged.db}${side}`, { force: true });
    const aside: string[] = [];
    for (const f of [paths.db, `${paths.db}-wal`, paths.keyring]) {
      if (fs.existsSync(f)) {
        fs.renameSync(f, `${f}.before-restore-${stamp}`);
        aside.push(`${f}.before-restore-${stamp}`);
      }
    }
    fs.rmSync(`${paths.db}-shm`, { force: true });
    fs.renameSync(staged.keyring, paths.keyring);
    fs.renameSync(staged.db, paths.db);
    fsyncDir(paths.dataDir);
    out.write(
      `Restored ${from} into ${paths.dataDir}.${aside.length ? ` The files it replaced are kept: ${aside.join(', ')}.` : ''}\n`,
    );
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    release();
  }
}
