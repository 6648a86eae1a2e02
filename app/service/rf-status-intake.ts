import { z } from 'zod';
import type { Clock } from '../site/site.js';
import { RfLockRepo, type StoredRfStatus } from '../store/rf-lock-repo.js';
import type { Db } from '../store/sqlite.js';

/**
 * What control units report of their RF locks (UnitStatus.rfLocks, design of issue 10), kept for the
 * console: the latest report per lock in memory (every status, about every 5 s), and in the database
 * when something the console shows changed or every {@link STORE_EVERY_MS} (the time a lock was last
 * heard and its link quality move with every report and would otherwise mean a write per lock each time).
 *
 * Two things a report settles for good: the lock's X25519 public key (kept for mobile keys), and that it
 * joined — then its one-time join key is deleted and the change feed makes its unit resync without it.
 * A "joined" from a unit still holding a configuration older than the one carrying the current join key
 * is about the lock's earlier join (before a rejoin) and does not spend the new key.
 */

/** How often an unchanged lock's status is written anyway (its last heard time, for a restart). */
export const STORE_EVERY_MS = 30_000;

const Seq = z.number().int().nonnegative();
/** The end of year 9999 (epoch ms): later times have no plain ISO-8601 form. */
const MAX_DATE_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** One RF lock's status as a unit reports it; read here on its own so a bad entry costs only itself. */
export const RfLockReport = z.object({
  eui64: z.string().regex(/^[0-9A-F]{16}$/),
  doorId: z.number().int().positive(),
  joined: z.boolean(),
  // Shown as an ISO-8601 time, so within what one holds (the device protocol allows any integer).
  lastHeard: z.number().int().nonnegative().max(MAX_DATE_MS).nullable(),
  lqi: z.number().int().min(0).max(255).nullable(),
  battery: z.number().int().min(0).max(100).nullable(),
  revision: Seq,
  blacklistSeq: Seq,
  publicKey: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/)
    .transform((s) => s.toLowerCase())
    .nullable(),
});
export type RfLockReport = z.infer<typeof RfLockReport>;

/** What the intake needs of a unit's status (UnitStatus; `rfLocks` absent from units without a node). */
export interface UnitRfReport {
  deviceId: number;
  revision: number;
  rfLocks?: readonly unknown[] | undefined;
}

/** The parts of a status the console shows as a state (not the moving last-heard time or link quality). */
const shownKey = (s: StoredRfStatus): string =>
  JSON.stringify([s.joined, s.battery, s.revision, s.blacklistSeq]);

export class RfStatusIntake {
  private readonly repo: RfLockRepo;
  /** The newest report per door (it may be newer than the stored one). */
  private readonly latest = new Map<number, StoredRfStatus>();
  /** When each door's status was last written (epoch ms of the Service clock). */
  private readonly stored = new Map<number, number>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    this.repo = new RfLockRepo(db);
  }

  /** The newest status reported of the lock of a door, if any since the Service started. */
  latestOf(doorId: number): StoredRfStatus | undefined {
    return this.latest.get(doorId);
  }

  /** Forgets a door's reports (its lock was removed or must join again). */
  forget(doorId: number): void {
    this.latest.delete(doorId);
    this.stored.delete(doorId);
  }

  /**
   * Takes the RF part of the units' statuses (units already checked to be the sender's own); returns the
   * units whose RF locks the console should show anew. Entries about a lock the unit does not serve (a
   * lock since moved or removed) or that do not fit are ignored.
   */
  take(units: readonly UnitRfReport[]): number[] {
    // Most statuses carry no RF locks: no transaction for them.
    if (!units.some((u) => (u.rfLocks?.length ?? 0) > 0)) return [];
    const now = this.clock();
    const changedUnits = new Set<number>();
    this.db.transaction(() => {
      for (const unit of units) {
        for (const raw of unit.rfLocks ?? []) {
          const parsed = RfLockReport.safeParse(raw);
          if (!parsed.success) continue;
          if (this.takeOne(unit, parsed.data, now)) changedUnits.add(unit.deviceId);
        }
      }
    })();
    return [...changedUnits].sort((a, b) => a - b);
  }

  private takeOne(unit: UnitRfReport, r: RfLockReport, now: Date): boolean {
    const lock = this.repo.byDoor(r.doorId);
    if (!lock || lock.unitId !== unit.deviceId || lock.eui64 !== r.eui64) return false;
    const status: StoredRfStatus = {
      joined: r.joined,
      lastHeard: r.lastHeard,
      lqi: r.lqi,
      battery: r.battery,
      revision: r.revision,
      blacklistSeq: r.blacklistSeq,
    };
    const before = this.latest.get(r.doorId) ?? lock.status;
    this.latest.set(r.doorId, status);
    let changed = !before || shownKey(before) !== shownKey(status);
    const newKey = r.publicKey !== null && r.publicKey !== lock.publicKey;
    if (
      r.joined &&
      lock.joinIssuedAt !== null &&
      (lock.joinRevision === null || unit.revision >= lock.joinRevision)
    ) {
      this.repo.markJoined(r.doorId, now);
      changed = true;
    }
    const last = this.stored.get(r.doorId);
    if (changed || newKey || last === undefined || now.getTime() - last >= STORE_EVERY_MS) {
      this.repo.setStatus(r.doorId, status, r.publicKey, now);
      this.stored.set(r.doorId, now.getTime());
    }
    return changed || newKey;
  }
}
