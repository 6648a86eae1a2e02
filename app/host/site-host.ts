import fs from 'node:fs';
import path from 'node:path';
import type { KekSource } from '../keys/kek.js';
import type { Log } from '../log.js';
import { backupSite } from '../site/backup-site.js';
import { createSite } from '../site/create-site.js';
import { openSite } from '../site/open-site.js';
import { sitePaths } from '../site/paths.js';
import type { Clock, OpenSite } from '../site/site.js';
import { LATEST_SCHEMA_VERSION, migrate, schemaVersion } from '../store/migrations/index.js';

/** The system's time zone, the default for a new site. */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** A file name stamp that sorts by time. */
export function fileStamp(d: Date): string {
  return d.toISOString().replace(/[:.]/g, '-');
}

/**
 * Brings a database up to this build's schema, after writing a backup of what was there, so a failed
 * or regretted upgrade can be undone with `lintel db restore`.
 */
export function upgradeSchema(
  site: OpenSite,
  now: Clock,
  log: Log,
): { from: number; to: number; backup?: string } {
  const from = schemaVersion(site.db);
  if (from >= LATEST_SCHEMA_VERSION) return { from, to: from };
  const backup = backupSite(
    site,
    path.join(site.paths.backups, `pre-migrate-v${from}-${fileStamp(now())}.db`),
  ).file;
  const [, to] = migrate(site.db, now);
  log.info({ from, to, backup }, 'host: schema migrated');
  return { from, to, backup };
}

/** What a host (serve, the desktop app) needs to start a site. */
export interface HostSiteOptions {
  dataDir: string;
  source: KekSource;
  log: Log;
  now: Clock;
  purpose: string;
  siteName?: string;
  timeZone?: string;
}

/**
 * Opens the site in `dataDir` for the service, creating it on first run (name, random site master key)
 * and migrating it when this build is newer. The database is checked (quick_check) on every start.
 */
export async function openOrCreateSite(opts: HostSiteOptions): Promise<{ site: OpenSite; created: boolean }> {
  const paths = sitePaths(opts.dataDir);
  let created = false;
  if (!fs.existsSync(paths.keyring) && !fs.existsSync(paths.db)) {
    await createSite({
      dataDir: opts.dataDir,
      source: opts.source,
      siteName: opts.siteName ?? 'My site',
      timeZone: opts.timeZone ?? systemTimeZone(),
      now: opts.now,
    });
    created = true;
    opts.log.info({ dataDir: paths.dataDir, kek: opts.source.kind }, 'host: site created');
  }
  const site = await openSite({
    dataDir: opts.dataDir,
    source: opts.source,
    purpose: opts.purpose,
    quickCheck: true,
  });
  try {
    upgradeSchema(site, opts.now, opts.log);
  } catch (err) {
    site.close();
    throw err;
  }
  return { site, created };
}
