import type { OfflineLock } from '../contract/methods/locks.js';
import type { OpenSite } from '../site/site.js';
import { compileDoor } from '../store/access-compiler.js';
import { LockRepo, type OfflineDoor } from '../store/lock-repo.js';
import { idsInside } from '../store/partition-sql.js';
import { SiteRepo } from '../store/site-repo.js';
import type { Db } from '../store/sqlite.js';
import { blacklistLatestSeq } from './device-sync.js';
import { CARD_KEY_VERSION } from './encoder-handlers.js';
import { areaOf } from './grants.js';
import type { HandlerGroup, ServiceKit } from './handler-kit.js';
import { LOCK_KEY_VERSION } from './lock-keys.js';
import { configDigest, lockNeeds, type SiteNow } from './lock-needs.js';

/**
 * The offline locks as the console lists them (locks.list, and the payload of `locks.changed`): what
 * each lock's last PPD visit found, beside what the site holds now, and why it needs a visit.
 */

const iso = (s: number | null): string | null => (s === null ? null : new Date(s * 1000).toISOString());

/** What the site holds now, shared by every lock of one listing. */
function siteNow(db: Db, now: Date): Omit<SiteNow, 'configDigest'> & { timeZone: string } {
  return {
    blacklistSeq: blacklistLatestSeq(db),
    blacklistSize: db.prepare('SELECT count(*) FROM blacklist').pluck().get() as number,
    cardKeyVersion: CARD_KEY_VERSION,
    lockKeyVersion: LOCK_KEY_VERSION,
    now: Math.floor(now.getTime() / 1000),
    timeZone: new SiteRepo(db).get().timeZone,
  };
}

function view(
  db: Db,
  d: OfflineDoor,
  site: ReturnType<typeof siteNow>,
  openRounds: ReadonlyMap<number, string>,
): OfflineLock | undefined {
  const tables = compileDoor(db, d.doorId);
  if (!tables) return undefined;
  const { lock } = d;
  return {
    doorId: d.doorId,
    doorName: d.doorName,
    serial: lock.serial,
    firmware: lock.firmware,
    initialisedAt: iso(lock.initialisedAt),
    lastVisitAt: iso(lock.lastVisitAt),
    keyVersion: lock.keyVersion,
    revision: lock.revision,
    currentRevision: tables.revision,
    blacklistSeq: lock.blacklistSeq,
    currentBlacklistSeq: site.blacklistSeq,
    blacklistSize: lock.blacklistSize,
    blacklistCapacity: lock.blacklistCapacity,
    battery: lock.battery,
    clockDriftSeconds: lock.clockDriftSeconds,
    auditSeq: lock.auditSeq,
    needs: lockNeeds(lock, { ...site, configDigest: configDigest(tables, site.timeZone) }),
    inRound: openRounds.get(d.doorId) ?? null,
  };
}

/** The offline locks (all, or those of `doorIds`), as the console shows them. One read transaction. */
export function offlineLocks(db: Db, now: Date, doorIds?: readonly number[]): OfflineLock[] {
  return db.transaction(() => {
    const repo = new LockRepo(db);
    const wanted = doorIds && new Set(doorIds);
    const doors = repo.offlineDoors().filter((d) => !wanted || wanted.has(d.doorId));
    const site = siteNow(db, now);
    const open = repo.openRounds();
    return doors.flatMap((d) => view(db, d, site, open) ?? []);
  })();
}

/** Tells the console's sessions about locks that changed (after the commit that changed them). */
export function publishLocks(
  kit: { site: OpenSite; clock: ServiceKit['clock']; events: ServiceKit['events'] },
  doorIds: readonly number[],
): void {
  if (doorIds.length === 0) return;
  for (const lock of offlineLocks(kit.site.db, kit.clock(), [...new Set(doorIds)]))
    publishLock(kit.site.db, kit.events, lock);
}

/** Sends one lock to the sessions that may see its door (a partitioned operator: only inside their area). */
export function publishLock(db: Db, events: ServiceKit['events'], lock: OfflineLock): void {
  events.publishNarrowed('locks.changed', lock, (area) =>
    idsInside(db, 'door', [lock.doorId], area).has(lock.doorId) ? lock : undefined,
  );
}

/** locks.list. */
export function lockHandlers(kit: ServiceKit): HandlerGroup<'locks.list'> {
  const db = kit.site.db;
  return {
    'locks.list': (_p, ctx) => {
      const locks = offlineLocks(db, kit.clock());
      const area = areaOf(ctx.caller?.grants, 'doors:read');
      if (!area) return { locks };
      const inside = idsInside(
        db,
        'door',
        locks.map((l) => l.doorId),
        area,
      );
      return { locks: locks.filter((l) => inside.has(l.doorId)) };
    },
  };
}
