import type { EventKind } from '../contract/methods/events.js';
import type { Db } from './sqlite.js';
import { areaArgs, eventInside, idsInside, type Area } from './partition-sql.js';

type Statement = ReturnType<Db['prepare']>;

/** An event as a gateway, a control unit or a PPD download reports it. */
export interface NewAccessEvent {
  /** When it happened at the door: an ISO-8601 instant (stored as epoch milliseconds). */
  at: string;
  kind: EventKind;
  doorId?: number | null;
  /** The cardholder. */
  userId?: number | null;
  credentialId?: number | null;
  reason?: string | null;
  source: string;
  detail?: Record<string, unknown>;
}

/** An event as read back, with the names of its door and cardholder when they still exist. */
export interface StoredAccessEvent {
  id: number;
  /** ISO-8601 UTC, to the millisecond. */
  at: string;
  kind: EventKind;
  doorId: number | null;
  doorName: string | null;
  userId: number | null;
  userName: string | null;
  credentialId: number | null;
  reason: string | null;
  source: string;
  detail: Record<string, unknown>;
}

/** Filters for reading events; `before` is the keyset cursor (the last event of the previous page). */
export interface EventFilter {
  /** `at` in epoch milliseconds, as {@link EventRepo.atOf} gives it. */
  before?: { at: number; id: number };
  limit: number;
  kinds?: readonly EventKind[];
  doorId?: number;
  userId?: number;
  credentialId?: number;
  reason?: string;
  /** ISO-8601, inclusive. */
  from?: string;
  /** ISO-8601, exclusive. */
  to?: string;
  /** Only the events at a door inside this part of the site (a partitioned reader); none: all. */
  area?: Area;
}

interface Row {
  id: number;
  at: number;
  kind: EventKind;
  door_id: number | null;
  door_name: string | null;
  cardholder_id: number | null;
  user_name: string | null;
  credential_id: number | null;
  reason: string | null;
  source: string;
  detail: string;
}

/** The indexes' day bucket: the generated column `day` is `at / 86400000` (integer division). */
const DAY_MS = 86_400_000;

/** The most days a query names one by one (about 55 years); beyond that it walks the time index. */
const MAX_INDEXED_DAYS = 20_000;

/** Epoch milliseconds of an ISO-8601 instant; a RangeError for anything else. */
export function instantMs(at: string): number {
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO-8601 instant: ${JSON.stringify(at)}`);
  return ms;
}

/** Rows per multi-row INSERT (8 parameters each, far below SQLite's limit of 32,766). */
const CHUNK = 64;
const COLUMNS = 8;

/**
 * Writes one event's column values into `args` from `offset` on, in the order of the INSERT. An event
 * naming a key is stored with the key's holder as the site knows it (`holder`), whatever the device
 * said: the reads find a key's events through the cardholder index and rely on that.
 */
function bind(args: unknown[], offset: number, e: NewAccessEvent, holder: number | null | undefined): void {
  args[offset] = instantMs(e.at);
  args[offset + 1] = e.kind;
  args[offset + 2] = e.doorId ?? null;
  args[offset + 3] = holder ?? e.userId ?? null;
  args[offset + 4] = e.credentialId ?? null;
  args[offset + 5] = e.reason ?? null;
  args[offset + 6] = e.source;
  args[offset + 7] = e.detail ? JSON.stringify(e.detail) : '{}';
}

/** The columns a read returns, the names of the door and cardholder included (see {@link JOIN_NAMES}). */
const SELECT_COLUMNS = `e.id, e.at, e.kind, e.door_id, d.name AS door_name, e.cardholder_id,
  c.first_name || ' ' || c.last_name AS user_name, e.credential_id, e.reason, e.source, e.detail`;
/** The door and cardholder as they are now; events outlive them (no foreign keys). */
const JOIN_NAMES = `LEFT JOIN door d ON d.id = e.door_id
  LEFT JOIN cardholder c ON c.id = e.cardholder_id`;

/** A row as the contract's event. */
function stored(r: Row): StoredAccessEvent {
  return {
    id: r.id,
    at: new Date(r.at).toISOString(),
    kind: r.kind,
    doorId: r.door_id,
    doorName: r.door_name,
    userId: r.cardholder_id,
    userName: r.user_name,
    credentialId: r.credential_id,
    reason: r.reason,
    source: r.source,
    detail: JSON.parse(r.detail) as Record<string, unknown>,
  };
}

/** The day bucket of an instant, exactly as the generated column computes it (truncating division). */
const dayOf = (ms: number) => Math.trunc(ms / DAY_MS);

/**
 * Access and device events: appended in batches as gateways forward them, read newest first by event
 * time with filters. Every filter the console combines with a time range has an index that also gives
 * the order (each index ends in `at`, and SQLite appends the rowid), so a page never sorts. A key's
 * events have no index of their own (one index fewer is about 20 % more events/s): they are read
 * through the cardholder index, which is why every event naming a key is stored with its holder.
 */
export class EventRepo {
  private statements?: { one: Statement; chunk: Statement; holder: Statement };
  /** Prepared once: a PPD sync looks up every record it imports (see {@link EventRepo.twins}). */
  private twinQuery?: Statement;
  private removal?: Statement;
  /**
   * Key id → holder id, for the keys that have one. A key's holder is set when it is issued and never
   * changes (a key is never reassigned or deleted; deleting its holder only clears it), so an entry
   * never goes wrong in a way that matters: after the holder is deleted, reads of that key stop
   * trusting the cardholder index (see {@link EventRepo.query}).
   */
  private readonly holders = new Map<number, number>();

  constructor(private readonly db: Db) {}

  /** The holder of key `id` as stored, or undefined when the key is unknown or has none. */
  private holderOf(id: number | null | undefined, lookup: Statement): number | undefined {
    if (id === null || id === undefined) return undefined;
    let holder = this.holders.get(id);
    if (holder === undefined) {
      holder = (lookup.get(id) as { cardholder_id: number | null } | undefined)?.cardholder_id ?? undefined;
      if (holder !== undefined) this.holders.set(id, holder);
    }
    return holder;
  }

  private insert(rows: number): Statement {
    const sql = `INSERT INTO access_event
         (at, kind, door_id, cardholder_id, credential_id, reason, source, detail)
       VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`;
    return this.db.prepare(sql);
  }

  /**
   * Stores a batch in one transaction, all or nothing: when this returns the batch is committed (WAL,
   * synchronous=FULL), so a gateway may acknowledge it. Called inside an outer transaction it becomes
   * a savepoint, and the outer commit is what makes it durable. The statements are prepared once; rows
   * go in {@link CHUNK} at a time because each call into SQLite has a fixed cost of its own (measured:
   * 20–30 % more events/s than one row per call).
   */
  appendBatch(events: readonly NewAccessEvent[]): { count: number; lastId: number } {
    const { one, chunk, holder } = (this.statements ??= {
      one: this.insert(1),
      chunk: this.insert(CHUNK),
      holder: this.db.prepare('SELECT cardholder_id FROM credential WHERE id = ?'),
    });
    const args: unknown[] = new Array(CHUNK * COLUMNS);
    const put = (offset: number, e: NewAccessEvent) =>
      bind(args, offset, e, this.holderOf(e.credentialId, holder));
    return this.db.transaction(() => {
      let lastId = 0;
      let i = 0;
      for (; i + CHUNK <= events.length; i += CHUNK) {
        for (let k = 0; k < CHUNK; k++) put(k * COLUMNS, events[i + k]!);
        lastId = Number(chunk.run(args).lastInsertRowid);
      }
      for (; i < events.length; i++) {
        put(0, events[i]!);
        lastId = Number(one.run(args.slice(0, COLUMNS)).lastInsertRowid);
      }
      return { count: events.length, lastId };
    })();
  }

  /**
   * The stored events that record the same happening as `e`: same door, instant, kind, reason and
   * key. A lock's audit record reaches the Service first-hand (the PPD, the RF node) and second-hand
   * (copied onto a card and collected by an update point); both name exactly these. Read through the
   * door index (day, door, at), so it costs one seek.
   */
  twins(e: NewAccessEvent): { id: number; detail: Record<string, unknown> }[] {
    if (e.doorId === null || e.doorId === undefined) return [];
    const at = instantMs(e.at);
    this.twinQuery ??= this.db.prepare(
      `SELECT id, detail FROM access_event
        WHERE day = ? AND door_id = ? AND at = ? AND kind = ? AND credential_id IS ? AND reason IS ?`,
    );
    const rows = this.twinQuery.all([
      dayOf(at),
      e.doorId,
      at,
      e.kind,
      e.credentialId ?? null,
      e.reason ?? null,
    ]) as {
      id: number;
      detail: string;
    }[];
    return rows.map((r) => ({ id: r.id, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }

  /** Removes events by id (a second-hand copy that gave way to the first-hand record). */
  remove(ids: readonly number[]): void {
    if (ids.length === 0) return;
    this.removal ??= this.db.prepare('DELETE FROM access_event WHERE id = ?');
    for (const id of ids) this.removal.run(id);
  }

  /**
   * When event `id` happened (the cursor of a page), or undefined if there is no such event — or, with
   * an `area`, if it is outside it: a cursor must not tell a partitioned reader what lies beyond.
   */
  atOf(id: number, area?: Area): number | undefined {
    if (area && !idsInside(this.db, 'access_event', [id], area).has(id)) return undefined;
    const row = this.db.prepare('SELECT at FROM access_event WHERE id = ?').get(id) as
      { at: number } | undefined;
    return row?.at;
  }

  /** The newest and oldest stored instants, each read from the end of the time index. */
  private span(): { oldest: number; newest: number } | undefined {
    const row = this.db
      .prepare(
        // Two subqueries: SQLite reads min() and max() from the index only when each stands alone.
        'SELECT (SELECT min(at) FROM access_event) AS oldest, (SELECT max(at) FROM access_event) AS newest',
      )
      .get() as { oldest: number | null; newest: number | null };
    return row.oldest === null || row.newest === null
      ? undefined
      : { oldest: row.oldest, newest: row.newest };
  }

  /** The SQL for `list(f)`; undefined when nothing can match (no events, or an empty range). */
  private query(f: EventFilter): { sql: string; args: Record<string, unknown> } | undefined {
    const where: string[] = [];
    const args: Record<string, unknown> = { limit: f.limit };
    const from = f.from === undefined ? undefined : instantMs(f.from);
    const to = f.to === undefined ? undefined : instantMs(f.to);
    if (f.before) {
      // Keyset on (at, id): the range on `at` is what an index can seek; the id only breaks ties.
      where.push('e.at <= @beforeAt', '(e.at < @beforeAt OR e.id < @beforeId)');
      Object.assign(args, { beforeAt: f.before.at, beforeId: f.before.id });
    }
    if (from !== undefined) {
      where.push('e.at >= @from');
      args.from = from;
    }
    if (to !== undefined) {
      where.push('e.at < @to');
      args.to = to;
    }
    // A key's events are found through its holder (EventRepo stores every event naming a key with the
    // key's holder). A key without a holder now may have events under a holder since deleted: those
    // reads walk the time index with the filter instead.
    const holder =
      f.credentialId === undefined
        ? undefined
        : ((
            this.db.prepare('SELECT cardholder_id FROM credential WHERE id = ?').get(f.credentialId) as
              { cardholder_id: number | null } | undefined
          )?.cardholder_id ?? undefined);
    let byDay = false;
    if (f.doorId !== undefined || f.userId !== undefined || holder !== undefined) {
      // The door and cardholder indexes lead with the day: name each day the page may reach,
      // newest first, bounded by the filter and by the events that exist.
      const span = this.span();
      if (!span) return undefined;
      const lo = Math.max(from ?? -Infinity, span.oldest);
      const hi = Math.min(to ?? Infinity, f.before?.at ?? Infinity, span.newest);
      if (lo > hi) return undefined;
      // A stray instant decades away (a lock whose clock was never set) would make the list huge:
      // then the time index with a filter answers instead, slower but the same rows.
      if (dayOf(hi) - dayOf(lo) < MAX_INDEXED_DAYS) {
        byDay = true;
        where.push(
          `e.day IN (WITH RECURSIVE days(day) AS (VALUES (@hiDay) UNION ALL
             SELECT day - 1 FROM days WHERE day > @loDay) SELECT day FROM days)`,
        );
        Object.assign(args, { hiDay: dayOf(hi), loDay: dayOf(lo) });
      }
    }
    if (f.doorId !== undefined) {
      where.push('e.door_id = @doorId');
      args.doorId = f.doorId;
    }
    if (f.userId !== undefined) {
      where.push('e.cardholder_id = @userId');
      args.userId = f.userId;
    }
    if (holder !== undefined) {
      where.push('e.cardholder_id = @holder');
      args.holder = holder;
    }
    if (f.credentialId !== undefined) {
      where.push('e.credential_id = @credentialId');
      args.credentialId = f.credentialId;
    }
    if (f.kinds?.length) {
      where.push(`e.kind IN (${f.kinds.map((_, i) => `@kind${i}`).join(', ')})`);
      f.kinds.forEach((k, i) => (args[`kind${i}`] = k));
    }
    if (f.reason !== undefined) {
      where.push('e.reason = @reason');
      args.reason = f.reason;
    }
    if (f.area) {
      // Tested last, on the rows the index walk already narrowed; never chosen to drive (see eventInside).
      where.push(eventInside('e'));
      Object.assign(args, areaArgs(f.area));
    }
    // The day never decreases as `at` grows, so (day, at, id) is time order: the day indexes' order.
    const sql = `
      SELECT ${SELECT_COLUMNS}
        FROM access_event e
        ${JOIN_NAMES}
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${byDay ? 'e.day DESC, ' : ''}e.at DESC, e.id DESC
       LIMIT @limit`;
    return { sql, args };
  }

  /** Events matching `f`, newest first by event time (then newest stored first). */
  list(f: EventFilter): StoredAccessEvent[] {
    const q = this.query(f);
    if (!q) return [];
    return (this.db.prepare(q.sql).all(q.args) as Row[]).map(stored);
  }

  /**
   * How many events `f` matches, counting no further than `cap` (what an export's progress measures
   * against): the same index walk as {@link EventRepo.list}, stopped early on a big history.
   */
  countUpTo(f: Omit<EventFilter, 'limit'>, cap: number): number {
    const q = this.query({ ...f, limit: cap });
    if (!q) return 0;
    return this.db.prepare(`SELECT count(*) FROM (${q.sql})`).pluck().get(q.args) as number;
  }

  /**
   * The events with ids from `first` to `last`, in id order (the order they were stored), as
   * {@link EventRepo.list} reads them: what a batch just appended became.
   */
  range(first: number, last: number): StoredAccessEvent[] {
    const rows = this.db
      .prepare(
        `SELECT ${SELECT_COLUMNS} FROM access_event e ${JOIN_NAMES} WHERE e.id BETWEEN ? AND ? ORDER BY e.id`,
      )
      .all(first, last) as Row[];
    return rows.map(stored);
  }

  /** SQLite's plan for the query `list(f)` runs, one line per step (tests prove no full scan). */
  queryPlan(f: EventFilter): string[] {
    const q = this.query(f);
    if (!q) return [];
    return (this.db.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(q.args) as { detail: string }[]).map(
      (r) => r.detail,
    );
  }
}
