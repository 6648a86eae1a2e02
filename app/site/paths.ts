import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { KeyCustodyError } from '../keys/errors.js';

/** Where a site's files live inside its data folder. */
export interface SitePaths {
  dataDir: string;
  db: string;
  /** A database being created; renamed to `db` once complete. */
  dbCreating: string;
  /** A re-encrypted copy made by `lintel db rekey`; renamed over `db` once verified. */
  dbRekeying: string;
  keyring: string;
  lock: string;
  tlsDir: string;
  backups: string;
}

/** The files of the site in `dataDir`. */
export function sitePaths(dataDir: string): SitePaths {
  const dir = path.resolve(dataDir);
  return {
    dataDir: dir,
    db: path.join(dir, 'lintel.db'),
    dbCreating: path.join(dir, 'lintel.db.creating'),
    dbRekeying: path.join(dir, 'lintel.db.rekeying'),
    keyring: path.join(dir, 'lintel.keyring.json'),
    lock: path.join(dir, 'lintel.lock'),
    tlsDir: path.join(dir, 'tls'),
    backups: path.join(dir, 'backups'),
  };
}

type Env = Record<string, string | undefined>;

/** The platform's per-user data folder for Lintel (XDG on Linux). */
export function defaultDataDir(
  env: Env = process.env,
  platform = process.platform,
  home = os.homedir(),
): string {
  if (env.LINTEL_DATA_DIR) return path.resolve(env.LINTEL_DATA_DIR);
  if (platform === 'win32')
    return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'Lintel', 'data');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Lintel', 'data');
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'lintel');
}

/**
 * The default key file of a data folder: in the per-user config folder, named after the data folder's
 * path, so that copying the data folder (or its backups) never copies the key with it.
 */
export function defaultKeyFile(
  dataDir: string,
  env: Env = process.env,
  platform = process.platform,
  home = os.homedir(),
): string {
  if (env.LINTEL_KEY_FILE) return path.resolve(env.LINTEL_KEY_FILE);
  const name = `${createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16)}.key`;
  if (platform === 'win32')
    return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Lintel', 'keys', name);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Lintel', 'keys', name);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'lintel', 'keys', name);
}

/** Refuses a key file inside the data folder: a copy of the folder would then carry its own key. */
export function assertKeyFileOutside(keyFile: string, dataDir: string): void {
  const rel = path.relative(path.resolve(dataDir), path.resolve(keyFile));
  if (!rel.startsWith('..') && !path.isAbsolute(rel)) {
    throw new KeyCustodyError(
      'KEY_FILE_INSIDE_DATA_DIR',
      `key file ${keyFile} is inside the data folder ${dataDir}: keep it elsewhere, so that a copy of the folder is useless without it`,
    );
  }
}
