import type { SpecialDayType, TimePeriodRules } from '../contract/schedule-schemas.js';
import type { Db } from './sqlite.js';
import { likeContains } from './like.js';

/** A time period as stored. */
export interface TimePeriodRecord {
  id: number;
  name: string;
  description: string;
  rules: TimePeriodRules;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** A calendar with its days. */
export interface CalendarRecord {
  id: number;
  name: string;
  days: { date: string; type: SpecialDayType }[];
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** How to list: search in names, sort by a column, page. */
export interface ListOptions {
  search?: string;
  sort: 'name' | 'id' | 'updatedAt';
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

const SORT_COLUMNS = { name: 'name', id: 'id', updatedAt: 'updated_at' } as const;

interface PeriodRow {
  id: number;
  name: string;
  description: string;
  rules: string;
  created_at: string;
  updated_at: string;
  version: number;
}

interface CalendarRow {
  id: number;
  name: string;
  created_at: string;
  updated_at: string;
  version: number;
}

/** Time periods and calendars. */
export class ScheduleRepo {
  constructor(private readonly db: Db) {}

  private page<R>(table: string, o: ListOptions): { rows: R[]; total: number } {
    const where = o.search ? "WHERE name LIKE @search ESCAPE '\\'" : '';
    const args = { search: o.search ? likeContains(o.search) : undefined, limit: o.limit, offset: o.offset };
    const total = (this.db.prepare(`SELECT count(*) AS n FROM ${table} ${where}`).get(args) as { n: number })
      .n;
    // The column comes from a fixed map, never from the caller; id breaks ties so pages are stable.
    const rows = this.db
      .prepare(
        `SELECT * FROM ${table} ${where} ORDER BY ${SORT_COLUMNS[o.sort]} ${o.order === 'desc' ? 'DESC' : 'ASC'}, id LIMIT @limit OFFSET @offset`,
      )
      .all(args) as R[];
    return { rows, total };
  }

  private period(r: PeriodRow): TimePeriodRecord {
    return {
      id: r.id,
      name: r.name,
      description: r.description,
      rules: JSON.parse(r.rules) as TimePeriodRules,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      version: r.version,
    };
  }

  /** A page of time periods. */
  listPeriods(o: ListOptions): { items: TimePeriodRecord[]; total: number } {
    const { rows, total } = this.page<PeriodRow>('time_period', o);
    return { items: rows.map((r) => this.period(r)), total };
  }

  /** How many time periods the site has. */
  countPeriods(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM time_period').get() as { n: number }).n;
  }

  /** One time period. */
  periodById(id: number): TimePeriodRecord | undefined {
    const r = this.db.prepare('SELECT * FROM time_period WHERE id = ?').get(id) as PeriodRow | undefined;
    return r && this.period(r);
  }

  /** Whether a name is taken (by another id than `except`). */
  nameTaken(table: 'time_period' | 'calendar', name: string, except?: number): boolean {
    return (
      this.db.prepare(`SELECT 1 FROM ${table} WHERE name = ? AND id IS NOT ?`).get(name, except ?? null) !==
      undefined
    );
  }

  /** Adds a time period; returns its id. */
  createPeriod(p: { name: string; description: string; rules: TimePeriodRules }, now: Date): number {
    const at = now.toISOString();
    return Number(
      this.db
        .prepare(
          'INSERT INTO time_period (name, description, rules, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
        )
        .run(p.name, p.description, JSON.stringify(p.rules), at, at).lastInsertRowid,
    );
  }

  /** Replaces a time period still at `version`; false if stale or gone. */
  updatePeriod(
    id: number,
    version: number,
    p: { name: string; description: string; rules: TimePeriodRules },
    now: Date,
  ): boolean {
    return (
      this.db
        .prepare(
          'UPDATE time_period SET name = ?, description = ?, rules = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?',
        )
        .run(p.name, p.description, JSON.stringify(p.rules), now.toISOString(), id, version).changes === 1
    );
  }

  /** What refers to a time period: door names and access-level names (a few of each, for the message). */
  periodUsers(id: number): { doors: string[]; accessLevels: string[] } {
    const doors = this.db
      .prepare('SELECT name FROM door WHERE office_period_id = ? OR auth_period_id = ? ORDER BY name LIMIT 5')
      .all(id, id) as { name: string }[];
    const levels = this.db
      .prepare(
        'SELECT DISTINCT access_level.name FROM access_level JOIN access_level_right ON access_level_right.access_level_id = access_level.id WHERE period_id = ? ORDER BY 1 LIMIT 5',
      )
      .all(id) as { name: string }[];
    return { doors: doors.map((d) => d.name), accessLevels: levels.map((l) => l.name) };
  }

  /** The doors using a calendar (a few, for the message). */
  calendarUsers(id: number): string[] {
    return (
      this.db.prepare('SELECT name FROM door WHERE calendar_id = ? ORDER BY name LIMIT 5').all(id) as {
        name: string;
      }[]
    ).map((d) => d.name);
  }

  /** Deletes a time period still at `version`; false if stale or gone. */
  deletePeriod(id: number, version: number): boolean {
    return (
      this.db.prepare('DELETE FROM time_period WHERE id = ? AND version = ?').run(id, version).changes === 1
    );
  }

  private calendar(r: CalendarRow): CalendarRecord {
    const days = this.db
      .prepare('SELECT date, type FROM calendar_day WHERE calendar_id = ? ORDER BY date')
      .all(r.id) as CalendarRecord['days'];
    return {
      id: r.id,
      name: r.name,
      days,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      version: r.version,
    };
  }

  /** A page of calendars. */
  listCalendars(o: ListOptions): { items: CalendarRecord[]; total: number } {
    const { rows, total } = this.page<CalendarRow>('calendar', o);
    return { items: rows.map((r) => this.calendar(r)), total };
  }

  /** One calendar. */
  calendarById(id: number): CalendarRecord | undefined {
    const r = this.db.prepare('SELECT * FROM calendar WHERE id = ?').get(id) as CalendarRow | undefined;
    return r && this.calendar(r);
  }

  private writeDays(id: number, days: readonly { date: string; type: SpecialDayType }[]): void {
    this.db.prepare('DELETE FROM calendar_day WHERE calendar_id = ?').run(id);
    const add = this.db.prepare('INSERT INTO calendar_day (calendar_id, date, type) VALUES (?, ?, ?)');
    for (const d of days) add.run(id, d.date, d.type);
  }

  /** Adds a calendar with its days; returns its id. */
  createCalendar(
    c: { name: string; days: readonly { date: string; type: SpecialDayType }[] },
    now: Date,
  ): number {
    const at = now.toISOString();
    const id = Number(
      this.db
        .prepare('INSERT INTO calendar (name, created_at, updated_at) VALUES (?, ?, ?)')
        .run(c.name, at, at).lastInsertRowid,
    );
    this.writeDays(id, c.days);
    return id;
  }

  /** Renames a calendar or replaces its days, if still at `version`; false if stale or gone. */
  updateCalendar(
    id: number,
    version: number,
    c: { name: string; days?: readonly { date: string; type: SpecialDayType }[] },
    now: Date,
  ): boolean {
    const ok =
      this.db
        .prepare(
          'UPDATE calendar SET name = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?',
        )
        .run(c.name, now.toISOString(), id, version).changes === 1;
    if (ok && c.days) this.writeDays(id, c.days);
    return ok;
  }

  /** Deletes a calendar still at `version`; false if stale or gone. */
  deleteCalendar(id: number, version: number): boolean {
    return (
      this.db.prepare('DELETE FROM calendar WHERE id = ? AND version = ?').run(id, version).changes === 1
    );
  }
}
