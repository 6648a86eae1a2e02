import fs from 'node:fs';
import path from 'node:path';
import { writeKeyring } from '../keys/keyring.js';
import { StoreError } from '../store/errors.js';
import { integrityProblems, openEncrypted } from '../store/sqlite.js';
import type { OpenSite } from './site.js';

/** The keyring that goes with a backup file. */
export function backupKeyringPath(backupFile: string): string {
  return `${backupFile}.keyring.json`;
}

/**
 * Writes an encrypted, consistent backup while the service keeps writing: VACUUM INTO copies one
 * read snapshot (WAL readers do not block the writer) into a new file encrypted with the same key,
 * and the keyring entry that opens it is written beside it. The copy is checked before it is reported.
 */
export function backupSite(
  site: OpenSite,
  outFile: string,
): { file: string; keyring: string; bytes: number } {
  const file = path.resolve(outFile);
  if (fs.existsSync(file)) throw new StoreError('DB_EXISTS', `${file} already exists; choose a new name`);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  site.db.exec(`VACUUM INTO '${file.replace(/'/g, "''")}'`);
  fs.chmodSync(file, 0o600);
  const check = openEncrypted(file, site.dbKey, { readonly: true });
  try {
    const problems = integrityProblems(check);
    if (problems.length) throw new StoreError('DB_CORRUPT', `the backup failed its check: ${problems[0]}`);
  } finally {
    check.close();
  }
  for (const side of ['-wal', '-shm']) fs.rmSync(`${file}${side}`, { force: true });
  const keyring = backupKeyringPath(file);
  writeKeyring(keyring, {
    ...site.keyring,
    wraps: site.keyring.wraps.filter((w) => w.dbKeyVersion === site.dbKeyVersion && w.kekId === site.kekId),
  });
  return { file, keyring, bytes: fs.statSync(file).size };
}
