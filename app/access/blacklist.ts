/** One cancelled credential. */
export interface BlacklistEntry {
  /** Monotonic across the site: a lock that has seen sequence N needs only the entries after N. */
  seq: number;
  credentialId: number;
  /**
   * When the cancelled credential would have expired anyway (epoch seconds). After that, plus a margin
   * for clock drift, no door can accept it whatever the blacklist says, so the entry may go.
   */
  expiresAt: number;
}

const MAX_U32 = 0xffff_ffff;

/** The newest sequence number among entries (a loop: a spread of 200,000 would overflow the stack). */
function newestSeq(entries: readonly BlacklistEntry[], from: number): number {
  let latest = from;
  for (const e of entries) if (e.seq > latest) latest = e.seq;
  return latest;
}

/** Entries a site's blacklist holds at least (Salto's limit). */
export const BLACKLIST_CAPACITY = 65_535;

/** A week: how far a lock's clock may be behind before a PPD visit sets it (locks drift seconds a day). */
export const COMPACTION_MARGIN_SECONDS = 7 * 86_400;

/**
 * A blacklist as a door holds it: credential ids sorted in a typed array with their expiry beside them
 * (8 bytes an entry, 512 KiB for 65,535), looked up by binary search, and the newest sequence number
 * seen, so newer entries can be merged from a card or the PPD without duplicates.
 */
export class Blacklist {
  private ids: Uint32Array;
  private expiries: Uint32Array;
  private size = 0;
  private latest: number;

  constructor(
    entries: readonly BlacklistEntry[] = [],
    readonly capacity = BLACKLIST_CAPACITY,
  ) {
    this.ids = new Uint32Array(capacity);
    this.expiries = new Uint32Array(capacity);
    this.latest = 0;
    this.store(this.unique(entries));
    this.latest = newestSeq(entries, 0);
  }

  /**
   * One entry per credential (the latest expiry wins), refusing more than the capacity and ids a door
   * cannot store. An expiry past what 32 bits hold (2106), or none at all (Infinity), is kept as "never":
   * wrapping it would let compaction drop a credential that can still open doors.
   */
  private unique(entries: Iterable<{ credentialId: number; expiresAt: number }>): Map<number, number> {
    const byId = new Map<number, number>();
    for (const e of entries) {
      if (!Number.isInteger(e.credentialId) || e.credentialId < 0 || e.credentialId > MAX_U32)
        throw new RangeError(`credential id ${e.credentialId} does not fit a door's 32-bit id`);
      if (Number.isNaN(e.expiresAt) || e.expiresAt < 0)
        throw new RangeError(`expiry ${e.expiresAt} is not an instant`);
      const expiry = Math.min(Math.floor(e.expiresAt), MAX_U32);
      byId.set(e.credentialId, Math.max(byId.get(e.credentialId) ?? 0, expiry));
    }
    if (byId.size > this.capacity)
      throw new RangeError(`the blacklist is full (${this.capacity} entries): it needs compacting`);
    return byId;
  }

  private store(byId: Map<number, number>): void {
    const sorted = [...byId.keys()].sort((a, b) => a - b);
    sorted.forEach((id, i) => {
      this.ids[i] = id;
      this.expiries[i] = byId.get(id)!;
    });
    this.size = sorted.length;
  }

  private entries(): Map<number, number> {
    const out = new Map<number, number>();
    for (let i = 0; i < this.size; i++) out.set(this.ids[i]!, this.expiries[i]!);
    return out;
  }

  /** How many credentials are listed. */
  get length(): number {
    return this.size;
  }

  /** The newest sequence number merged. */
  get sequence(): number {
    return this.latest;
  }

  /** Whether a credential is cancelled. */
  has(credentialId: number): boolean {
    let lo = 0;
    let hi = this.size - 1;
    const ids = this.ids;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = ids[mid]!;
      if (v === credentialId) return true;
      if (v < credentialId) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /**
   * Adds the entries newer than what this blacklist has seen (from another user's card, or the PPD);
   * returns how many credentials were added. Refuses, changing nothing, when they would not fit: the
   * Service compacts before that happens (expired credentials need no entry), so a full lock is a
   * configuration error to report, never a silent drop.
   *
   * `advance: false` adds the entries but leaves the sequence where it was: for entries that do not
   * cover everything between what this list has seen and their newest (a card's fragment with a gap,
   * app/lock/card-blacklist.ts), so the entries in the gap are still taken when they come.
   */
  merge(entries: readonly BlacklistEntry[], options: { advance?: boolean } = {}): number {
    const fresh = entries.filter((e) => e.seq > this.latest);
    if (fresh.length === 0) return 0;
    const before = this.size;
    const all = this.entries();
    const merged = this.unique([
      ...[...all].map(([credentialId, expiresAt]) => ({ credentialId, expiresAt })),
      ...fresh,
    ]);
    const latest = options.advance === false ? this.latest : newestSeq(fresh, this.latest);
    this.store(merged);
    this.latest = latest;
    return this.size - before;
  }

  /**
   * Moves the newest sequence seen up to `seq` without adding anything: the writer's newest number
   * may be above every entry it sent when its newest entries were compacted away.
   */
  advanceTo(seq: number): void {
    if (seq > this.latest) this.latest = seq;
  }

  /**
   * Drops the entries whose credential expired more than `margin` seconds before `now`: the door's
   * own expiry check refuses those credentials anyway. Returns how many went.
   */
  compact(now: number, margin = COMPACTION_MARGIN_SECONDS): number {
    const kept = new Map([...this.entries()].filter(([, expiresAt]) => expiresAt + margin > now));
    const dropped = this.size - kept.size;
    if (dropped) this.store(kept);
    return dropped;
  }
}
