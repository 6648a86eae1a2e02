import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { fsyncDir } from '../keys/atomic-file.js';
import { kekId, type KekSource } from '../keys/kek.js';
import { wrapDbKey, writeKeyring } from '../keys/keyring.js';
import { StoreError } from '../store/errors.js';
import { SecretStore } from '../store/secrets.js';
import { integrityProblems, openEncrypted, tune } from '../store/sqlite.js';
import type { Clock, OpenSite } from './site.js';

/** The durable steps of a rekey, in order; tests stop a rekey after any of them to prove recovery. */
export type RekeyStep =
  | 'db-copy-ready'
  | 'db-keyring-extended'
  | 'db-renamed'
  | 'kek-staged'
  | 'kek-keyring-extended'
  | 'kek-secrets-rewrapped'
  | 'kek-committed';

/** Thrown by the test seam to stand for a process that died right after a step. */
export class SimulatedCrash extends Error {
  constructor(readonly step: RekeyStep) {
    super(`simulated crash after ${step}`);
    this.name = 'SimulatedCrash';
  }
}

/** Called after each durable step; a test makes it throw {@link SimulatedCrash}. */
type StepHook = (step: RekeyStep) => void;

/** What `lintel db rekey` changed. */
export interface RekeyReport {
  dbKeyVersion?: { from: number; to: number };
  kek?: { from: string; to: string; secretsRewrapped: number };
}

/** Quotes a path as an SQL string literal. */
function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/**
 * Replaces the database key: the site is copied (VACUUM INTO, a consistent snapshot) and re-encrypted
 * under a fresh key beside the original, verified, announced in the keyring next to the old key, and
 * only then renamed over the original. A crash at any step leaves a file that one of the keyring's keys
 * opens; the next open keeps whichever does and drops the other.
 */
function rotateDbKey(site: OpenSite, now: Clock, step: StepHook): { from: number; to: number } {
  const { paths } = site;
  const from = site.dbKeyVersion;
  const to = from + 1;
  const newKey = randomBytes(32);
  fs.rmSync(paths.dbRekeying, { force: true });
  site.db.pragma('wal_checkpoint(TRUNCATE)');
  site.db.exec(`VACUUM INTO ${sqlString(paths.dbRekeying)}`);

  const copy = openEncrypted(paths.dbRekeying, site.dbKey);
  try {
    copy.pragma('journal_mode = DELETE'); // sqlite3mc cannot rekey in WAL mode
    copy.pragma(`rekey="x'${newKey.toString('hex')}'"`);
    copy.pragma('journal_mode = WAL');
  } finally {
    copy.close();
  }
  const check = openEncrypted(paths.dbRekeying, newKey);
  try {
    const problems = integrityProblems(check);
    if (problems.length)
      throw new StoreError('DB_CORRUPT', `the re-encrypted copy failed its check: ${problems[0]}`);
  } finally {
    check.close();
  }
  step('db-copy-ready');

  site.keyring.wraps.unshift(wrapDbKey(site.kek, currentParams(site), newKey, site.siteId, to, now()));
  writeKeyring(paths.keyring, site.keyring);
  step('db-keyring-extended');

  site.db.close();
  for (const side of ['-wal', '-shm']) {
    const f = `${paths.db}${side}`;
    if (side === '-wal' && fs.existsSync(f) && fs.statSync(f).size > 0) {
      // Never rename over a database whose WAL still holds frames: they belong to the old file.
      throw new StoreError(
        'DB_IN_USE',
        `${f} is not empty: another process is using the site; stop it and retry`,
      );
    }
    fs.rmSync(f, { force: true });
  }
  fs.renameSync(paths.dbRekeying, paths.db);
  fsyncDir(paths.dataDir);
  step('db-renamed');

  site.keyring.wraps = site.keyring.wraps.filter((w) => w.dbKeyVersion === to);
  writeKeyring(paths.keyring, site.keyring);

  site.dbKey.fill(0);
  site.dbKey = newKey;
  site.dbKeyVersion = to;
  site.db = openEncrypted(paths.db, newKey);
  tune(site.db);
  site.secrets = new SecretStore(site.db, site.siteId, site.kek);
  return { from, to };
}

function currentParams(site: OpenSite) {
  const wrap = site.keyring.wraps.find((w) => w.kekId === site.kekId && w.dbKeyVersion === site.dbKeyVersion);
  if (!wrap) throw new Error('rekey: the keyring has no wrap for the open key');
  return wrap.kek;
}

/**
 * Replaces the KEK (possibly with another kind of source): the new KEK is staged where it will live,
 * a wrap under it is added to the keyring, every secret is re-sealed and the new KEK recorded as
 * authoritative in one database transaction, then the staged key is committed and the old wrap
 * dropped. {@link openSite} finishes or rolls back a rekey that a crash interrupted.
 */
async function rotateKek(
  site: OpenSite,
  target: KekSource,
  now: Clock,
  step: StepHook,
): Promise<RekeyReport['kek']> {
  const from = site.kekId;
  const { key: newKek, params } = await target.generate();
  await target.discardStaged?.();
  await target.stage?.(newKek);
  step('kek-staged');
  site.keyring.wraps.push(wrapDbKey(newKek, params, site.dbKey, site.siteId, site.dbKeyVersion, now()));
  writeKeyring(site.paths.keyring, site.keyring);
  step('kek-keyring-extended');

  const count = site.db.transaction(() => site.secrets.rewrapAll(newKek, now()))();
  step('kek-secrets-rewrapped');
  await target.commit?.();
  step('kek-committed');

  const to = kekId(newKek);
  site.keyring.wraps = site.keyring.wraps.filter((w) => w.kekId === to);
  writeKeyring(site.paths.keyring, site.keyring);
  site.kek.fill(0);
  site.kek = newKek;
  site.kekId = to;
  return { from, to, secretsRewrapped: count };
}

/** Replaces the database key, the KEK, or both, with nothing lost. The site must be open for writing. */
export async function rekeySite(
  site: OpenSite,
  change: { dbKey?: boolean; kek?: KekSource },
  now: Clock,
  step: StepHook = () => {},
): Promise<RekeyReport> {
  if (site.readonly) throw new Error('rekeySite: the site is open read-only');
  const report: RekeyReport = {};
  if (change.dbKey) report.dbKeyVersion = rotateDbKey(site, now, step);
  if (change.kek) report.kek = await rotateKek(site, change.kek, now, step);
  return report;
}
