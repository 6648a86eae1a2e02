import type { Clock, OpenSite } from '../site/site.js';
import { currentRevision } from '../store/access-compiler.js';
import type { EventBus } from './event-bus.js';
import { offlineLocks, publishLock } from './lock-handlers.js';

/**
 * Tells the console when what an offline lock needs changes for a reason other than a PPD sync: a key
 * cancelled (the locks now lack a blacklist entry), a door, period or calendar edited (its
 * configuration), an offline door added. Any such change moves the access model's revision, so the
 * revision is checked every `everyMs` (a primary-key lookup) and, when it moved, the locks are looked at
 * again and those whose view changed are published as `locks.changed`. Whichever handler made the
 * change, no handler needs to know about locks.
 */
export class LockWatch {
  private revision: number;
  private readonly last = new Map<number, string>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly o: { site: OpenSite; clock: Clock; events: EventBus; everyMs?: number }) {
    this.revision = currentRevision(o.site.db);
    for (const lock of offlineLocks(o.site.db, o.clock())) this.last.set(lock.doorId, JSON.stringify(lock));
    this.timer = setInterval(() => this.check(), o.everyMs ?? 1000);
    this.timer.unref();
  }

  /** Looks again now (also what the timer does). */
  check(): void {
    const db = this.o.site.db;
    if (!db.open) return;
    const revision = currentRevision(db);
    if (revision === this.revision) return;
    this.revision = revision;
    const seen = new Set<number>();
    for (const lock of offlineLocks(db, this.o.clock())) {
      seen.add(lock.doorId);
      const json = JSON.stringify(lock);
      if (this.last.get(lock.doorId) === json) continue;
      this.last.set(lock.doorId, json);
      publishLock(db, this.o.events, lock);
    }
    for (const id of [...this.last.keys()]) if (!seen.has(id)) this.last.delete(id);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
