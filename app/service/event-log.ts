import { idsInside, type Area } from '../store/partition-sql.js';
import { EventRepo, type NewAccessEvent, type StoredAccessEvent } from '../store/event-repo.js';
import type { Db } from '../store/sqlite.js';
import type { EventBus } from './event-bus.js';

/**
 * Where the Service stores access and device events: every batch it stores goes out live as
 * `events.appended` once committed, so the console's event lists need no polling. The topic is
 * narrowed per subscriber exactly as events.list reads: a session whose doors:read covers part of the
 * site receives only the events at doors inside it (none without a door), and nothing when none is.
 */
export class EventLog {
  private readonly repo: EventRepo;

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
  ) {
    this.repo = new EventRepo(db);
  }

  /**
   * Stores a batch and returns it as events.list would read it, without publishing: for a handler that
   * stores events in its own transaction and calls {@link EventLog.publish} after the commit (an event
   * published before a rollback would be one nobody can ever read).
   */
  store(batch: readonly NewAccessEvent[]): StoredAccessEvent[] {
    if (batch.length === 0) return [];
    return this.db.transaction(() => {
      const kept = this.oneRecordOneEvent(batch);
      if (kept.length === 0) return [];
      const { count, lastId } = this.repo.appendBatch(kept);
      // One connection writes, and a transaction's new rows take consecutive ids.
      return this.repo.range(lastId - count + 1, lastId);
    })();
  }

  /**
   * One event per lock audit record. An offline or RF lock's record reaches the Service first-hand
   * (a PPD sync, the RF node: `detail.lock`/`detail.rfLock` and `seq` name it) and often second-hand
   * too: the lock copies it onto the card, and an update point collects it (`detail.fromCard`). A copy
   * arriving after its record is dropped; a record arriving after its copy replaces it, so the event
   * keeps the better provenance (which lock, which record). Events of online doors are never copies
   * and are not looked up (the device intake stays one batched insert).
   */
  private oneRecordOneEvent(batch: readonly NewAccessEvent[]): NewAccessEvent[] {
    const kept: NewAccessEvent[] = [];
    for (const e of batch) {
      const copy = isCardCopy(e.detail);
      if (!copy && !isLockRecord(e.detail)) {
        kept.push(e);
        continue;
      }
      const twins = this.repo.twins(e);
      if (copy) {
        // Any twin (the record, or the same copy collected twice) already tells this.
        if (twins.length === 0 && !kept.some((k) => sameHappening(k, e))) kept.push(e);
        continue;
      }
      this.repo.remove(twins.filter((t) => isCardCopy(t.detail)).map((t) => t.id));
      kept.push(e);
    }
    return kept;
  }

  /** Sends committed events to the subscribers who may see them. */
  publish(stored: readonly StoredAccessEvent[]): void {
    if (stored.length === 0) return;
    this.bus.publishNarrowed('events.appended', [...stored], (area) => this.inside(stored, area));
  }

  /** Stores a batch in its own transaction and publishes it once committed; returns what was stored. */
  append(batch: readonly NewAccessEvent[]): StoredAccessEvent[] {
    if (this.db.inTransaction)
      throw new Error('EventLog.append inside a transaction: store(), then publish() after the commit');
    const stored = this.store(batch);
    this.publish(stored);
    return stored;
  }

  /** The events of `stored` inside `area` (their door is), or undefined when none is. */
  private inside(stored: readonly StoredAccessEvent[], area: Area): StoredAccessEvent[] | undefined {
    const withDoor = stored.filter((e) => e.doorId !== null).map((e) => e.id);
    const ids = idsInside(this.db, 'access_event', withDoor, area);
    const seen = stored.filter((e) => ids.has(e.id));
    return seen.length ? seen : undefined;
  }
}

const isCardCopy = (d: Record<string, unknown> | undefined) => d?.fromCard === true;
const isLockRecord = (d: Record<string, unknown> | undefined) =>
  d !== undefined && typeof d.seq === 'number' && ('lock' in d || 'rfLock' in d);

/** Same door, instant, kind, reason and key: what {@link EventRepo.twins} matches in the store. */
function sameHappening(a: NewAccessEvent, b: NewAccessEvent): boolean {
  return (
    a.doorId === b.doorId &&
    Date.parse(a.at) === Date.parse(b.at) &&
    a.kind === b.kind &&
    (a.credentialId ?? null) === (b.credentialId ?? null) &&
    (a.reason ?? null) === (b.reason ?? null)
  );
}
