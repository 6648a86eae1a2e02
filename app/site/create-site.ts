import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { fsyncDir } from '../keys/atomic-file.js';
import { kekId, type KekSource } from '../keys/kek.js';
import { wrapDbKey, writeKeyring, type Keyring } from '../keys/keyring.js';
import { migrate } from '../store/migrations/index.js';
import { SecretStore } from '../store/secrets.js';
import { openEncrypted, tune } from '../store/sqlite.js';
import { assertRoomForNewSite } from './new-site-checks.js';
import { sitePaths } from './paths.js';
import type { Clock } from './site.js';

/** What a new site starts with. */
export interface NewSite {
  dataDir: string;
  source: KekSource;
  siteName: string;
  timeZone: string;
  now: Clock;
}

/**
 * Creates a site: a random database key sealed under a new KEK, the schema, the site row, and a site
 * master key from the OS CSPRNG sealed again under the KEK. Steps are ordered so that a crash leaves
 * either nothing usable to clean up or a site that the next open completes: key file staged, database
 * built under a temporary name, keyring written, database renamed into place, key file committed.
 */
export async function createSite(spec: NewSite): Promise<{ siteId: string }> {
  const paths = sitePaths(spec.dataDir);
  assertRoomForNewSite(paths, spec.source);
  fs.mkdirSync(paths.dataDir, { recursive: true, mode: 0o700 });
  fs.rmSync(paths.dbCreating, { force: true });
  await spec.source.discardStaged?.();

  const siteId = randomUUID();
  const dbKey = randomBytes(32);
  const { key: kek, params } = await spec.source.generate();
  await spec.source.stage?.(kek);

  const now = spec.now();
  const db = openEncrypted(paths.dbCreating, dbKey, { create: true });
  try {
    fs.chmodSync(paths.dbCreating, 0o600); // SQLite gives the -wal and -shm files the same mode
    tune(db);
    migrate(db, spec.now);
    db.transaction(() => {
      db.prepare(
        'INSERT INTO site (id, uuid, name, time_zone, created_at, updated_at, version) VALUES (1, ?, ?, ?, ?, ?, 1)',
      ).run(siteId, spec.siteName, spec.timeZone, now.toISOString(), now.toISOString());
      db.prepare('INSERT INTO key_custody (id, kek_id, changed_at) VALUES (1, ?, ?)').run(
        kekId(kek),
        now.toISOString(),
      );
      const master = randomBytes(32);
      new SecretStore(db, siteId, kek).put('site.master', 1, master, now);
      master.fill(0);
    })();
  } finally {
    db.close();
  }
  const keyring: Keyring = {
    format: 'lintel-keyring',
    version: 1,
    siteId,
    cipher: 'chacha20',
    wraps: [wrapDbKey(kek, params, dbKey, siteId, 1, now)],
  };
  writeKeyring(paths.keyring, keyring);
  fs.renameSync(paths.dbCreating, paths.db);
  fsyncDir(paths.dataDir);
  await spec.source.commit?.();
  dbKey.fill(0);
  kek.fill(0);
  return { siteId };
}
