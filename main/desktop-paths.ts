import path from 'node:path';
import { assertKeyFileOutside, defaultKeyFile } from '../app/site/paths.js';

type Env = Record<string, string | undefined>;

/** Where the desktop app keeps its site and the key file that unlocks it. */
export interface DesktopSitePaths {
  dataDir: string;
  keyFile: string;
}

/**
 * The desktop app's site: `data/` inside Electron's userData folder, and the default key file for that
 * folder (in the per-user config folder, outside the data folder). The key itself is in the OS
 * keychain now; the key file is what sites from before were locked with, and what key-custody.ts moves
 * them off (or keeps using where the keychain is not real custody).
 *
 * LINTEL_DATA_DIR and LINTEL_KEY_FILE are honoured only when running from source (development and
 * end-to-end tests): an installed app ignores them, so an environment variable cannot point it at
 * another site or key.
 */
export function desktopSitePaths(opts: {
  userData: string;
  isPackaged: boolean;
  env: Env;
  platform?: NodeJS.Platform;
  home?: string;
}): DesktopSitePaths {
  const env: Env = opts.isPackaged
    ? { ...opts.env, LINTEL_DATA_DIR: undefined, LINTEL_KEY_FILE: undefined }
    : opts.env;
  const dataDir = env.LINTEL_DATA_DIR ? path.resolve(env.LINTEL_DATA_DIR) : path.join(opts.userData, 'data');
  const keyFile = defaultKeyFile(dataDir, env, opts.platform, opts.home);
  assertKeyFileOutside(keyFile, dataDir);
  return { dataDir, keyFile };
}
