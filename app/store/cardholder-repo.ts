import type { Privileges } from '../contract/methods/users.js';
import type { Statement } from 'better-sqlite3-multiple-ciphers';
import type { Db } from './sqlite.js';
import { likeContains } from './like.js';
import { areaArgs, cardholderInside, type Area } from './partition-sql.js';

/** What an operator sets on a cardholder (the PIN travels separately, as a hash). */
export interface CardholderFields {
  firstName: string;
  lastName: string;
  identifier: string | null;
  department: string;
  validFrom: string | null;
  validUntil: string | null;
  privileges: Privileges;
  notes: string;
}

/** A cardholder as stored, with their access levels and how many keys are active. */
export interface CardholderRecord extends CardholderFields {
  id: number;
  pinSet: boolean;
  /** A fingerprint template is enrolled (the template itself never leaves the store but to devices). */
  fingerprintEnrolled: boolean;
  accessLevelIds: number[];
  activeKeys: number;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** The sortable columns of users.list. */
export type UserSort = 'lastName' | 'firstName' | 'identifier' | 'department' | 'updatedAt';

/** Which cardholders: users.list and users.exportCsv share these. */
export interface UserFilter {
  search?: string;
  department?: string;
  accessLevelId?: number;
  validity?: 'active' | 'expired' | 'not-yet-valid';
  hasKey?: boolean;
  sort: UserSort;
  order: 'asc' | 'desc';
}

/** A page of users. */
export interface UserListOptions extends UserFilter {
  limit: number;
  offset: number;
}

/** An access level's door and zone rights (for partition checks). */
export interface LevelRight {
  levelId: number;
  doorId: number | null;
  zoneId: number | null;
}

/** Every sort order ends with the id, so pages are stable; each has an index in the schema. */
const SORT_KEYS: Record<UserSort, string[]> = {
  lastName: ['c.last_name COLLATE NOCASE', 'c.first_name COLLATE NOCASE'],
  firstName: ['c.first_name COLLATE NOCASE', 'c.last_name COLLATE NOCASE'],
  identifier: ['c.identifier'],
  department: ['c.department COLLATE NOCASE', 'c.last_name COLLATE NOCASE', 'c.first_name COLLATE NOCASE'],
  updatedAt: ['c.updated_at'],
};

/** A key counts as active while issued or needing an update and not past its expiry. */
export const ACTIVE_KEY_SQL =
  "k.status IN ('issued', 'needs-update') AND (k.expires_at IS NULL OR k.expires_at > @now)";

/**
 * When the matches are at least this many times the rows a page needs, reading the sort index in
 * order finds a page after about (offset + limit) × this many rows; fewer matches are cheaper to
 * collect from the search index (or one table scan) and sort.
 */
const ORDERED_SCAN_FACTOR = 20;

/**
 * The searchable columns as one text, exactly as the index cardholder_search_text stores it: a scan
 * of that narrow index answers a LIKE for a short word about three times faster than the table.
 */
export const SEARCH_TEXT =
  "(c.first_name || char(31) || c.last_name || char(31) || coalesce(c.identifier, '') || char(31) || c.department)";

/** Most words of a search used: a person types a few, and each adds a pass. */
const MAX_SEARCH_TERMS = 8;

/** An FTS5 phrase: quotes doubled, so the term is matched literally (a substring, by trigrams). */
function ftsPhrase(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

interface Row {
  id: number;
  first_name: string;
  last_name: string;
  identifier: string | null;
  department: string;
  valid_from: string | null;
  valid_until: string | null;
  pin_hash: string | null;
  /** finger_template IS NOT NULL (the template is not read for a listing). */
  finger_enrolled: number;
  office: number;
  privacy_override: number;
  extended_opening: number;
  notes: string;
  created_at: string;
  updated_at: string;
  version: number;
}

/** The columns of a {@link Row}: every column but the fingerprint template, which only devices need. */
const ROW_COLUMNS = `id, first_name, last_name, identifier, department, valid_from, valid_until, pin_hash,
  finger_template IS NOT NULL AS finger_enrolled, office, privacy_override, extended_opening, notes,
  created_at, updated_at, version`;

/**
 * A user filter as SQL: conditions on `c` (cardholder) — cheap column tests in `terms`, LIKEs for short
 * words in `words` — their parameters, and optionally what may drive the query: the trigram index
 * (`fts`, a MATCH expression) or one access level's holders. `partition` limits it to a partitioned
 * reader's users.
 */
interface Where {
  terms: string[];
  words: string[];
  args: Record<string, unknown>;
  fts?: string;
  level?: boolean;
  partition?: boolean;
}

const LEVEL_IN =
  'c.id IN (SELECT cardholder_id FROM cardholder_access_level WHERE access_level_id = @accessLevelId)';

/** A partitioned reader's users (app/store/partition-sql.ts has the rule). */
const INSIDE = cardholderInside('c.id');

/**
 * The conditions in the order SQLite should test them (it keeps the written order): column tests,
 * then the level, then the LIKEs, which build the searchable text of each row they look at — three
 * times faster on a combined filter than the other way round — and last the partition, two index
 * probes a row, for the rows everything else let through.
 */
function conditions(w: Where, level = w.level): string[] {
  return [...w.terms, ...(level ? [LEVEL_IN] : []), ...w.words, ...(w.partition ? [INSIDE] : [])];
}

/** Whether nothing but the driving source (trigram index or access level) filters. */
function alone(w: Where): boolean {
  return w.terms.length === 0 && w.words.length === 0 && !w.partition;
}

function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

/**
 * Cardholders and their access levels. Search: every word of the query must occur in the first or
 * last name, identifier or department. Words of three characters or more use the trigram index
 * (`cardholder_search`, case- and accent-insensitive); shorter ones a LIKE over the rows.
 */
export class CardholderRepo {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Db) {}

  /** A prepared statement, prepared once per SQL text (imports run the same few 100,000 times). */
  private sql(text: string): Statement {
    let s = this.statements.get(text);
    if (!s) {
      // List queries vary with their filters and id lists with their length: keep the cache bounded.
      if (this.statements.size >= 500) this.statements.clear();
      s = this.db.prepare(text);
      this.statements.set(text, s);
    }
    return s;
  }

  /** The filter as SQL; an `area` limits it to the users inside (none: the whole site, unchanged). */
  private where(f: UserFilter, now: Date, area: Area | undefined): Where {
    const out: Where = { terms: [], words: [], args: { now: now.toISOString() } };
    if (area) {
      out.partition = true;
      Object.assign(out.args, areaArgs(area));
    }
    const { terms, args } = out;
    // Control characters never occur in the searchable fields (their schemas refuse them), and a NUL
    // would end an FTS5 query early: they separate words like spaces.
    // eslint-disable-next-line no-control-regex
    const typed = (f.search ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ');
    const words = [...new Set(typed.split(/\s+/u).filter(Boolean))].slice(0, MAX_SEARCH_TERMS);
    const long = words.filter((w) => [...w].length >= 3);
    words
      .filter((w) => [...w].length < 3)
      .forEach((w, i) => {
        args[`w${i}`] = likeContains(w);
        out.words.push(`${SEARCH_TEXT} LIKE @w${i} ESCAPE '\\'`);
      });
    if (long.length) {
      out.fts = long.map(ftsPhrase).join(' AND ');
      args.fts = out.fts;
    }
    if (f.department !== undefined) {
      terms.push('c.department = @department COLLATE NOCASE');
      args.department = f.department;
    }
    if (f.validity === 'active')
      terms.push(
        '(c.valid_from IS NULL OR c.valid_from <= @now) AND (c.valid_until IS NULL OR c.valid_until > @now)',
      );
    else if (f.validity === 'expired') terms.push('c.valid_until <= @now');
    else if (f.validity === 'not-yet-valid') terms.push('c.valid_from > @now');
    if (f.hasKey !== undefined)
      terms.push(
        `c.id ${f.hasKey ? '' : 'NOT '}IN (SELECT k.cardholder_id FROM credential k WHERE k.cardholder_id IS NOT NULL AND ${ACTIVE_KEY_SQL})`,
      );
    if (f.accessLevelId !== undefined) {
      out.level = true;
      args.accessLevelId = f.accessLevelId;
    }
    return out;
  }

  private order(f: UserFilter, useIndex: boolean): string {
    const dir = f.order === 'desc' ? 'DESC' : 'ASC';
    // A unary + keeps SQLite from walking the sort index when collecting the few matches is cheaper.
    return [...SORT_KEYS[f.sort], 'c.id'].map((k) => `${useIndex ? '' : '+'}${k} ${dir}`).join(', ');
  }

  /**
   * FROM and WHERE. The trigram index drives when there is a long word; an access level's holders
   * when the level is the only filter; otherwise one pass over the table (sequential reads beat a
   * random lookup per holder once a level holds more than a few percent of the users).
   */
  private driven(w: Where): { from: string; where: string[] } {
    if (w.fts)
      return {
        from: 'cardholder_search s CROSS JOIN cardholder c ON c.id = s.rowid',
        where: ['s.cardholder_search MATCH @fts', ...conditions(w)],
      };
    if (w.level && alone(w))
      return {
        from: 'cardholder_access_level a CROSS JOIN cardholder c ON c.id = a.cardholder_id',
        where: ['a.access_level_id = @accessLevelId'],
      };
    return { from: 'cardholder c', where: conditions(w) };
  }

  private count(w: Where): number {
    let sql: string;
    if (w.fts && !w.level && alone(w))
      sql = 'SELECT count(*) FROM cardholder_search WHERE cardholder_search MATCH @fts';
    else if (!w.fts && w.level && alone(w))
      sql = 'SELECT count(*) FROM cardholder_access_level WHERE access_level_id = @accessLevelId';
    else {
      const { from, where } = this.driven(w);
      sql = `SELECT count(*) FROM ${from}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
    }
    return this.sql(sql).pluck().get(w.args) as number;
  }

  /**
   * The ids of a page. Trigram matches are always collected and sorted (a top-k sort: cheaper than
   * walking the sort index, even when every row matches). Otherwise the plan is chosen from the count,
   * as SQLite has no statistics to choose it: with many matches the sort index is read in order, each
   * row checked, until the page is full; with few, the matches are collected and sorted.
   */
  private pageIds(f: UserFilter, w: Where, total: number, limit: number, offset: number): number[] {
    const unfiltered = !w.fts && !w.level && alone(w);
    const ordered = unfiltered || (!w.fts && total >= ORDERED_SCAN_FACTOR * (offset + limit));
    const { from, where } = ordered ? { from: 'cardholder c', where: conditions(w) } : this.driven(w);
    return this.sql(
      `SELECT c.id FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${this.order(f, ordered)} LIMIT @limit OFFSET @offset`,
    )
      .pluck()
      .all({ ...w.args, limit, offset }) as number[];
  }

  /**
   * A trigram search narrowed by other filters, in one pass: the rows the index finds are joined to
   * the table once, both to count them (a window over all matches) and to sort out the page, where
   * counting first would join them twice. Undefined when the page is past the end (no row carries the
   * count then).
   */
  private searchPage(o: UserListOptions, w: Where): { ids: number[]; total: number } | undefined {
    const { from, where } = this.driven(w);
    const rows = this.sql(
      `SELECT c.id AS id, count(*) OVER () AS total FROM ${from} WHERE ${where.join(' AND ')}
       ORDER BY ${this.order(o, false)} LIMIT @limit OFFSET @offset`,
    )
      .raw()
      .all({ ...w.args, limit: o.limit, offset: o.offset }) as [number, number][];
    return rows.length ? { ids: rows.map((r) => r[0]), total: rows[0]![1] } : undefined;
  }

  /**
   * A page of cardholders matching a filter, and how many match in all; with an `area`, only the
   * cardholders inside it, in the page and in the total.
   */
  list(o: UserListOptions, now: Date, area?: Area): { items: CardholderRecord[]; total: number } {
    const w = this.where(o, now, area);
    if (w.fts && (w.level || !alone(w))) {
      const page = this.searchPage(o, w);
      if (page) return { items: this.byIds(page.ids, now), total: page.total };
    }
    const total = this.count(w);
    if (total === 0 || o.offset >= total) return { items: [], total };
    return { items: this.byIds(this.pageIds(o, w, total, o.limit, o.offset), now), total };
  }

  /** The ids of every cardholder matching a filter (and inside `area`, if given), in order (for export). */
  matchingIds(f: UserFilter, now: Date, area?: Area): number[] {
    const w = this.where(f, now, area);
    const total = this.count(w);
    return total === 0 ? [] : this.pageIds(f, w, total, total, 0);
  }

  private record(r: Row, levels: number[], activeKeys: number): CardholderRecord {
    return {
      id: r.id,
      firstName: r.first_name,
      lastName: r.last_name,
      identifier: r.identifier,
      department: r.department,
      validFrom: r.valid_from,
      validUntil: r.valid_until,
      pinSet: r.pin_hash !== null,
      fingerprintEnrolled: r.finger_enrolled === 1,
      privileges: {
        office: r.office === 1,
        privacyOverride: r.privacy_override === 1,
        extendedOpening: r.extended_opening === 1,
      },
      notes: r.notes,
      accessLevelIds: levels,
      activeKeys,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      version: r.version,
    };
  }

  /** Cardholders by id, in the order given (missing ids are left out). */
  byIds(ids: readonly number[], now: Date): CardholderRecord[] {
    if (ids.length === 0) return [];
    const out: CardholderRecord[] = [];
    // Bound parameters stay well under SQLite's limit; a page is at most 500 and exports come in chunks.
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      const list = placeholders(chunk.length);
      const rows = new Map(
        (this.sql(`SELECT ${ROW_COLUMNS} FROM cardholder WHERE id IN (${list})`).all(...chunk) as Row[]).map(
          (r) => [r.id, r],
        ),
      );
      const levels = new Map<number, number[]>();
      for (const l of this.sql(
        `SELECT cardholder_id AS c, access_level_id AS a FROM cardholder_access_level WHERE cardholder_id IN (${list}) ORDER BY cardholder_id, access_level_id`,
      ).all(...chunk) as { c: number; a: number }[]) {
        const held = levels.get(l.c);
        if (held) held.push(l.a);
        else levels.set(l.c, [l.a]);
      }
      const keys = new Map(
        (
          this.sql(
            `SELECT k.cardholder_id AS c, count(*) AS n FROM credential k WHERE k.cardholder_id IN (${list}) AND ${ACTIVE_KEY_SQL.replaceAll('@now', '?')} GROUP BY k.cardholder_id`,
          ).all(...chunk, now.toISOString()) as { c: number; n: number }[]
        ).map((k) => [k.c, k.n]),
      );
      for (const id of chunk) {
        const r = rows.get(id);
        if (r) out.push(this.record(r, levels.get(id) ?? [], keys.get(id) ?? 0));
      }
    }
    return out;
  }

  /** One cardholder. */
  byId(id: number, now: Date): CardholderRecord | undefined {
    return this.byIds([id], now)[0];
  }

  /** The stored PIN hash of a cardholder (never leaves the service). */
  pinHash(id: number): string | null {
    return (
      (this.sql('SELECT pin_hash FROM cardholder WHERE id = ?').pluck().get(id) as string | null) ?? null
    );
  }

  /** The cardholder holding an identifier (case-insensitive), if any but `except`. */
  identifierOwner(identifier: string, except?: number): number | undefined {
    return this.sql('SELECT id FROM cardholder WHERE identifier = ? AND id IS NOT ?')
      .pluck()
      .get(identifier, except ?? null) as number | undefined;
  }

  private values(f: CardholderFields): unknown[] {
    return [
      f.firstName,
      f.lastName,
      f.identifier,
      f.department,
      f.validFrom,
      f.validUntil,
      f.privileges.office ? 1 : 0,
      f.privileges.privacyOverride ? 1 : 0,
      f.privileges.extendedOpening ? 1 : 0,
      f.notes,
    ];
  }

  /** Adds a cardholder; returns its id. */
  create(f: CardholderFields, pinHash: string | null, now: Date): number {
    const at = now.toISOString();
    return Number(
      this.sql(
        `INSERT INTO cardholder (first_name, last_name, identifier, department, valid_from, valid_until,
             office, privacy_override, extended_opening, notes, pin_hash, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(...this.values(f), pinHash, at, at).lastInsertRowid,
    );
  }

  /** A statement that adds cardholders without a PIN, prepared once for an import. */
  creator(): (f: CardholderFields, now: string) => number {
    const insert = this.sql(
      `INSERT INTO cardholder (first_name, last_name, identifier, department, valid_from, valid_until,
         office, privacy_override, extended_opening, notes, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    return (f, at) => Number(insert.run(...this.values(f), at, at).lastInsertRowid);
  }

  /**
   * Runs `insert` (inside the caller's transaction) with the search index left alone, then indexes
   * every cardholder it added in one statement: what makes a 100,000-row import affordable.
   */
  withDeferredSearchIndex<T>(insert: () => T): T {
    if (!this.db.inTransaction) throw new Error('withDeferredSearchIndex needs a transaction');
    const from = ((this.sql('SELECT max(id) FROM cardholder').pluck().get() as number | null) ?? 0) + 1;
    this.sql('INSERT INTO cardholder_search_deferred (id) VALUES (1)').run();
    const out = insert();
    this.sql('DELETE FROM cardholder_search_deferred').run();
    this.sql(
      `INSERT INTO cardholder_search (rowid, first_name, last_name, identifier, department)
       SELECT id, first_name, last_name, identifier, department FROM cardholder WHERE id >= ?`,
    ).run(from);
    return out;
  }

  /** Replaces a cardholder's fields (and PIN hash) if still at `version`; false if stale or gone. */
  update(id: number, version: number, f: CardholderFields, pinHash: string | null, now: Date): boolean {
    return (
      this.sql(
        `UPDATE cardholder SET first_name = ?, last_name = ?, identifier = ?, department = ?, valid_from = ?,
             valid_until = ?, office = ?, privacy_override = ?, extended_opening = ?, notes = ?, pin_hash = ?,
             updated_at = ?, version = version + 1
           WHERE id = ? AND version = ?`,
      ).run(...this.values(f), pinHash, now.toISOString(), id, version).changes === 1
    );
  }

  /**
   * Stores (or, with null, clears) a cardholder's fingerprint template and bumps its version, as other
   * updates do (the change feed's trigger makes the devices resync the holder's keys); false if gone.
   */
  setFingerTemplate(id: number, template: Uint8Array | null, now: Date): boolean {
    return (
      this.sql(
        'UPDATE cardholder SET finger_template = ?, updated_at = ?, version = version + 1 WHERE id = ?',
      ).run(template === null ? null : Buffer.from(template), now.toISOString(), id).changes === 1
    );
  }

  /** Whether a cardholder has a fingerprint template enrolled (false also when the cardholder is gone). */
  hasFingerTemplate(id: number): boolean {
    return (
      this.sql('SELECT 1 FROM cardholder WHERE id = ? AND finger_template IS NOT NULL').get(id) !== undefined
    );
  }

  /** Deletes a cardholder still at `version` (their access levels go with them); false if stale or gone. */
  delete(id: number, version: number): boolean {
    return this.sql('DELETE FROM cardholder WHERE id = ? AND version = ?').run(id, version).changes === 1;
  }

  /** Gives a cardholder these access levels (on top of what they hold). */
  addLevels(id: number, levelIds: readonly number[]): void {
    const add = this.sql(
      'INSERT OR IGNORE INTO cardholder_access_level (cardholder_id, access_level_id) VALUES (?, ?)',
    );
    for (const l of levelIds) add.run(id, l);
  }

  /** Takes these access levels from a cardholder. */
  removeLevels(id: number, levelIds: readonly number[]): void {
    const remove = this.sql(
      'DELETE FROM cardholder_access_level WHERE cardholder_id = ? AND access_level_id = ?',
    );
    for (const l of levelIds) remove.run(id, l);
  }

  /** Sets the fields a bulk update changes on one cardholder and bumps its version. */
  bulkSet(id: number, set: { department?: string; validUntil?: string | null }, now: Date): void {
    const columns = [
      ...(set.department === undefined ? [] : ['department = @department']),
      ...(set.validUntil === undefined ? [] : ['valid_until = @validUntil']),
    ];
    this.sql(
      `UPDATE cardholder SET ${[...columns, 'updated_at = @at', 'version = version + 1'].join(', ')} WHERE id = @id`,
    ).run({ ...set, at: now.toISOString(), id });
  }

  /** Which of these access level ids exist. */
  existingLevels(ids: readonly number[]): Set<number> {
    if (ids.length === 0) return new Set();
    return new Set(
      this.sql(`SELECT id FROM access_level WHERE id IN (${placeholders(ids.length)})`)
        .pluck()
        .all(...ids) as number[],
    );
  }

  /** Every access level's id and name (for CSV import and export). */
  allLevels(): { id: number; name: string }[] {
    return this.sql('SELECT id, name FROM access_level ORDER BY id').all() as {
      id: number;
      name: string;
    }[];
  }

  /** The door and zone rights of these access levels. */
  rightsOf(levelIds: readonly number[]): LevelRight[] {
    if (levelIds.length === 0) return [];
    return this.sql(
      `SELECT access_level_id AS levelId, door_id AS doorId, zone_id AS zoneId FROM access_level_right
         WHERE access_level_id IN (${placeholders(levelIds.length)})`,
    ).all(...levelIds) as LevelRight[];
  }

  /** The zones of these doors. */
  zonesOfDoors(doorIds: readonly number[]): Map<number, number[]> {
    const out = new Map<number, number[]>();
    if (doorIds.length === 0) return out;
    for (const r of this.sql(
      `SELECT door_id AS d, zone_id AS z FROM door_zone WHERE door_id IN (${placeholders(doorIds.length)})`,
    ).all(...doorIds) as { d: number; z: number }[]) {
      const zones = out.get(r.d);
      if (zones) zones.push(r.z);
      else out.set(r.d, [r.z]);
    }
    return out;
  }

  /** Access level names by id. */
  levelNames(ids: readonly number[]): Map<number, string> {
    if (ids.length === 0) return new Map();
    return new Map(
      (
        this.sql(`SELECT id, name FROM access_level WHERE id IN (${placeholders(ids.length)})`).all(
          ...ids,
        ) as { id: number; name: string }[]
      ).map((l) => [l.id, l.name]),
    );
  }
}
