import fs from 'node:fs';
import { KeyCustodyError } from '../keys/errors.js';
import type { KekSource } from '../keys/kek.js';
import { KeyFileSource } from '../keys/key-file.js';
import { StoreError } from '../store/errors.js';
import { assertKeyFileOutside, type SitePaths } from './paths.js';

/**
 * Refuses to put a new site (created or imported) where one already is, or to lock it with a key file
 * that already exists: overwriting either would destroy the only key of another site.
 */
export function assertRoomForNewSite(paths: SitePaths, source: KekSource): void {
  if (fs.existsSync(paths.keyring) || fs.existsSync(paths.db)) {
    throw new StoreError('DB_EXISTS', `${paths.dataDir} already holds a Lintel site`);
  }
  if (source instanceof KeyFileSource) {
    assertKeyFileOutside(source.file, paths.dataDir);
    if (fs.existsSync(source.file)) {
      throw new KeyCustodyError(
        'KEY_FILE_EXISTS',
        `key file ${source.file} already exists and may belong to another site: ` +
          'pass --key-file with a new path (or remove that file if it is left from an interrupted setup)',
      );
    }
  }
}
