import type { Db } from '../sqlite.js';
import { StoreError } from '../errors.js';
import type { Migration } from './migration.js';
import { m0001 } from './0001-site-and-key-custody.js';
import { m0002 } from './0002-operators-and-sessions.js';
import { m0003 } from './0003-operator-audit-log.js';
import { m0004 } from './0004-roles-directory-audit-chain.js';
import { m0005 } from './0005-time-periods-and-calendars.js';
import { m0006 } from './0006-access-model.js';
import { m0007 } from './0007-event-key-lookups.js';
import { m0008 } from './0008-devices.js';
import { m0009 } from './0009-fingerprints.js';
import { m0010 } from './0010-offline-locks.js';
import { m0011 } from './0011-rf-locks.js';
import { m0012 } from './0012-mobile-keys.js';

export type { Migration } from './migration.js';

/** Every migration, in order; a version is its position. Never edit one that has shipped: add the next. */
export const migrations: readonly Migration[] = [
  m0001,
  m0002,
  m0003,
  m0004,
  m0005,
  m0006,
  m0007,
  m0008,
  m0009,
  m0010,
  m0011,
  m0012,
];

/** The schema version this build writes. */
export const LATEST_SCHEMA_VERSION = migrations.length;

/** The schema version recorded in the file. */
export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Refuses a database this build cannot safely use: one written by a newer Lintel (a downgrade would
 * silently drop what it does not know), or one whose applied migrations are not a prefix of ours.
 */
export function assertKnownSchema(db: Db): number {
  const version = schemaVersion(db);
  if (version > LATEST_SCHEMA_VERSION) {
    throw new StoreError(
      'DB_FROM_FUTURE',
      `the database has schema version ${version}, newer than this Lintel knows (${LATEST_SCHEMA_VERSION}): ` +
        'install the newer Lintel that wrote it, or restore a backup made by this version',
    );
  }
  if (version > 0) {
    const applied = db.prepare('SELECT version, name FROM schema_migration ORDER BY version').all() as {
      version: number;
      name: string;
    }[];
    for (const row of applied) {
      const known = migrations[row.version - 1];
      if (!known || known.name !== row.name) {
        throw new StoreError(
          'DB_FOREIGN_MIGRATIONS',
          `the database records migration ${row.version} "${row.name}", which this Lintel does not have`,
        );
      }
    }
  }
  return version;
}

/** Applies the pending migrations up to `target`, one transaction each; returns [from, to]. */
export function migrate(db: Db, now: () => Date, target = LATEST_SCHEMA_VERSION): [number, number] {
  const from = assertKnownSchema(db);
  for (const m of migrations) {
    if (m.version <= from || m.version > target) continue;
    db.transaction(() => {
      db.exec(m.sql);
      m.then?.(db);
      db.prepare('INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        now().toISOString(),
      );
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return [from, Math.max(from, Math.min(target, LATEST_SCHEMA_VERSION))];
}
