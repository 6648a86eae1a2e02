import type { AuthMode, DoorPolicy, OpenMode } from '../access/engine.js';
import type { Db } from './sqlite.js';
import { likeContains } from './like.js';
import { areaArgs, doorInside, levelInside, zoneInside, type Area } from './partition-sql.js';

/** How a door is reached. */
export type DoorKind = 'online' | 'offline' | 'rf';

/** A zone as stored, with how many doors it holds. */
export interface ZoneRecord {
  id: number;
  name: string;
  description: string;
  doorCount: number;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/**
 * What a door is made of. The policy fields carry the access engine's own types (OpenMode, AuthMode),
 * so the contract's lists of modes and the engine's cannot drift apart without the compiler noticing.
 */
export interface DoorFields extends Omit<DoorPolicy, 'doorId' | 'zoneIds'> {
  name: string;
  kind: DoorKind;
  calendarId: number;
  zoneIds: number[];
}

/** A door as stored. */
export interface DoorRecord extends DoorFields {
  id: number;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** One right of an access level: a door or a zone (exactly one), during a time period. */
export interface RightRecord {
  doorId?: number;
  zoneId?: number;
  periodId: number;
}

/** What an access level is made of. */
export interface AccessLevelFields {
  name: string;
  description: string;
  rights: readonly RightRecord[];
}

/** An access level as stored, with how many cardholders hold it. */
export interface AccessLevelRecord extends AccessLevelFields {
  id: number;
  rights: RightRecord[];
  cardholderCount: number;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** How to list: search in names, sort by a column, page. */
export interface ListOptions<S extends string> {
  search?: string;
  sort: S;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

/** Filters of the door list. */
export interface DoorFilter {
  kind?: DoorKind;
  zoneId?: number;
  openMode?: OpenMode;
}

/** Tables whose rows other objects refer to by id. */
export type RefTable = 'zone' | 'door' | 'time_period' | 'calendar' | 'access_level';

/** An access level that refers to something, named for an "in use" refusal. */
export interface LevelRef {
  id: number;
  name: string;
}

interface ZoneRow {
  id: number;
  name: string;
  description: string;
  door_count: number;
  created_at: string;
  updated_at: string;
  version: number;
}

interface DoorRow {
  id: number;
  name: string;
  kind: DoorKind;
  open_seconds: number;
  extended_open_seconds: number;
  open_mode: OpenMode;
  office_period_id: number | null;
  auth_mode: AuthMode;
  auth_scheduled_mode: AuthMode | null;
  auth_period_id: number | null;
  calendar_id: number;
  created_at: string;
  updated_at: string;
  version: number;
}

interface LevelRow {
  id: number;
  name: string;
  description: string;
  cardholder_count: number;
  created_at: string;
  updated_at: string;
  version: number;
}

// Sort columns come from fixed maps, never from the caller.
const ZONE_SORT = { name: 'name', id: 'id', doorCount: 'door_count', updatedAt: 'updated_at' } as const;
const DOOR_SORT = { name: 'name', id: 'id', kind: 'kind', updatedAt: 'updated_at' } as const;
const LEVEL_SORT = { name: 'name', id: 'id', updatedAt: 'updated_at' } as const;

const ZONE_SELECT = `SELECT zone.*, (SELECT count(*) FROM door_zone WHERE zone_id = zone.id) AS door_count FROM zone`;
/** Zones as a partitioned reader sees them: the door count counts only the doors inside. */
const ZONE_SELECT_IN_AREA = `SELECT zone.*,
  (SELECT count(*) FROM door_zone dz WHERE dz.zone_id = zone.id AND ${doorInside('dz.door_id')}) AS door_count
  FROM zone`;
const LEVEL_SELECT = `SELECT access_level.*,
  (SELECT count(*) FROM cardholder_access_level WHERE access_level_id = access_level.id) AS cardholder_count
  FROM access_level`;

function orderBy(column: string, order: 'asc' | 'desc'): string {
  // id breaks ties so that pages are stable.
  return `ORDER BY ${column} ${order === 'desc' ? 'DESC' : 'ASC'}, id`;
}

function whereAll(conditions: readonly string[]): string {
  return conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
}

/**
 * The WHERE clause and parameters of a page searched by name, limited to the rows `inside` an area
 * when one is given.
 */
function namePage(
  o: ListOptions<string>,
  area: Area | undefined,
  inside: string,
): { where: string; args: Record<string, unknown> } {
  const where = whereAll([...(o.search ? ["name LIKE @search ESCAPE '\\'"] : []), ...(area ? [inside] : [])]);
  const args = {
    search: o.search ? likeContains(o.search) : undefined,
    limit: o.limit,
    offset: o.offset,
    ...areaParams(area),
  };
  return { where, args };
}

/** The parameters of a read limited to `area` (none for the whole site). */
function areaParams(area: Area | undefined): Partial<ReturnType<typeof areaArgs>> {
  return area ? areaArgs(area) : {};
}

/** Zones, doors, the zones each door belongs to, and access levels with their rights. */
export class DoorRepo {
  constructor(private readonly db: Db) {}

  private count(sql: string, args: Record<string, unknown>): number {
    return (this.db.prepare(sql).get(args) as { n: number }).n;
  }

  /** The ids among `ids` that exist in `table`. */
  existing(table: RefTable, ids: readonly number[]): Set<number> {
    if (ids.length === 0) return new Set();
    // One statement for any number of ids (an access level may name a thousand).
    const rows = this.db
      .prepare(`SELECT id FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify([...new Set(ids)])) as { id: number }[];
    return new Set(rows.map((r) => r.id));
  }

  /** Whether a name is taken in `table` (case-insensitively, by another id than `except`). */
  nameTaken(table: 'zone' | 'door' | 'access_level', name: string, except?: number): boolean {
    return (
      this.db.prepare(`SELECT 1 FROM ${table} WHERE name = ? AND id IS NOT ?`).get(name, except ?? null) !==
      undefined
    );
  }

  /** The access levels with a right to a zone or a door. */
  levelsReferring(ref: { zoneId: number } | { doorId: number }): LevelRef[] {
    const [column, id] = 'zoneId' in ref ? ['zone_id', ref.zoneId] : ['door_id', ref.doorId];
    return this.db
      .prepare(
        `SELECT id, name FROM access_level WHERE id IN (SELECT access_level_id FROM access_level_right WHERE ${column} = ?) ORDER BY name, id`,
      )
      .all(id) as LevelRef[];
  }

  // Zones.

  private zone(r: ZoneRow): ZoneRecord {
    return {
      id: r.id,
      name: r.name,
      description: r.description,
      doorCount: r.door_count,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      version: r.version,
    };
  }

  /** A page of zones; with an `area`, only the zones inside it (and counted so). */
  listZones(o: ListOptions<keyof typeof ZONE_SORT>, area?: Area): { items: ZoneRecord[]; total: number } {
    const { where, args } = namePage(o, area, zoneInside('zone.id'));
    const total = this.count(`SELECT count(*) AS n FROM zone ${where}`, args);
    const rows = this.db
      .prepare(
        `${area ? ZONE_SELECT_IN_AREA : ZONE_SELECT} ${where} ${orderBy(ZONE_SORT[o.sort], o.order)} LIMIT @limit OFFSET @offset`,
      )
      .all(args) as ZoneRow[];
    return { items: rows.map((r) => this.zone(r)), total };
  }

  /** One zone; with an `area`, undefined when it is outside (as if it did not exist). */
  zoneById(id: number, area?: Area): ZoneRecord | undefined {
    const r = (
      area
        ? this.db
            .prepare(`${ZONE_SELECT_IN_AREA} WHERE id = @id AND ${zoneInside('zone.id')}`)
            .get({ id, ...areaArgs(area) })
        : this.db.prepare(`${ZONE_SELECT} WHERE id = ?`).get(id)
    ) as ZoneRow | undefined;
    return r && this.zone(r);
  }

  /** Adds a zone; returns its id. */
  createZone(z: { name: string; description: string }, now: Date): number {
    const at = now.toISOString();
    return Number(
      this.db
        .prepare('INSERT INTO zone (name, description, created_at, updated_at) VALUES (?, ?, ?, ?)')
        .run(z.name, z.description, at, at).lastInsertRowid,
    );
  }

  /** Replaces a zone still at `version`; false if stale or gone. */
  updateZone(id: number, version: number, z: { name: string; description: string }, now: Date): boolean {
    return (
      this.db
        .prepare(
          'UPDATE zone SET name = ?, description = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?',
        )
        .run(z.name, z.description, now.toISOString(), id, version).changes === 1
    );
  }

  /** The doors in a zone. */
  doorsInZone(zoneId: number): number[] {
    return (
      this.db.prepare('SELECT door_id FROM door_zone WHERE zone_id = ? ORDER BY door_id').all(zoneId) as {
        door_id: number;
      }[]
    ).map((r) => r.door_id);
  }

  /**
   * Deletes a zone still at `version`, its doors leaving it first; false if stale or gone. Each such
   * door gets a new version: what it is made of changed, and a console holding the old one must reload.
   */
  deleteZone(id: number, version: number, now: Date): boolean {
    const current = this.db.prepare('SELECT version FROM zone WHERE id = ?').get(id) as
      { version: number } | undefined;
    if (current?.version !== version) return false;
    this.db
      .prepare(
        'UPDATE door SET updated_at = ?, version = version + 1 WHERE id IN (SELECT door_id FROM door_zone WHERE zone_id = ?)',
      )
      .run(now.toISOString(), id);
    this.db.prepare('DELETE FROM door_zone WHERE zone_id = ?').run(id);
    return this.db.prepare('DELETE FROM zone WHERE id = ? AND version = ?').run(id, version).changes === 1;
  }

  // Doors.

  private zoneIdsOf(doorId: number): number[] {
    return (
      this.db.prepare('SELECT zone_id FROM door_zone WHERE door_id = ? ORDER BY zone_id').all(doorId) as {
        zone_id: number;
      }[]
    ).map((r) => r.zone_id);
  }

  private door(r: DoorRow): DoorRecord {
    return {
      id: r.id,
      name: r.name,
      kind: r.kind,
      openSeconds: r.open_seconds,
      extendedOpenSeconds: r.extended_open_seconds,
      openMode: r.open_mode,
      ...(r.office_period_id !== null ? { officePeriodId: r.office_period_id } : {}),
      auth: {
        mode: r.auth_mode,
        ...(r.auth_scheduled_mode !== null && r.auth_period_id !== null
          ? { scheduled: { periodId: r.auth_period_id, mode: r.auth_scheduled_mode } }
          : {}),
      },
      calendarId: r.calendar_id,
      zoneIds: this.zoneIdsOf(r.id),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      version: r.version,
    };
  }

  /** A page of doors; with an `area`, only the doors inside it. */
  listDoors(
    o: ListOptions<keyof typeof DOOR_SORT> & DoorFilter,
    area?: Area,
  ): { items: DoorRecord[]; total: number } {
    const conditions: string[] = [];
    if (o.search) conditions.push("name LIKE @search ESCAPE '\\'");
    if (o.kind) conditions.push('kind = @kind');
    if (o.openMode) conditions.push('open_mode = @openMode');
    if (o.zoneId !== undefined)
      conditions.push('id IN (SELECT door_id FROM door_zone WHERE zone_id = @zoneId)');
    if (area) conditions.push(doorInside('door.id'));
    const where = whereAll(conditions);
    const args = {
      search: o.search ? likeContains(o.search) : undefined,
      kind: o.kind,
      openMode: o.openMode,
      zoneId: o.zoneId,
      limit: o.limit,
      offset: o.offset,
      ...areaParams(area),
    };
    const total = this.count(`SELECT count(*) AS n FROM door ${where}`, args);
    const rows = this.db
      .prepare(
        `SELECT * FROM door ${where} ${orderBy(DOOR_SORT[o.sort], o.order)} LIMIT @limit OFFSET @offset`,
      )
      .all(args) as DoorRow[];
    return { items: rows.map((r) => this.door(r)), total };
  }

  /** One door; with an `area`, undefined when it is outside (as if it did not exist). */
  doorById(id: number, area?: Area): DoorRecord | undefined {
    const r = (
      area
        ? this.db
            .prepare(`SELECT * FROM door WHERE id = @id AND ${doorInside('door.id')}`)
            .get({ id, ...areaArgs(area) })
        : this.db.prepare('SELECT * FROM door WHERE id = ?').get(id)
    ) as DoorRow | undefined;
    return r && this.door(r);
  }

  /** The zones of each of these doors (doors that do not exist are left out). */
  zonesOfDoors(doorIds: readonly number[]): Map<number, number[]> {
    const out = new Map<number, number[]>();
    for (const id of this.existing('door', doorIds)) out.set(id, []);
    const rows = this.db
      .prepare('SELECT door_id, zone_id FROM door_zone WHERE door_id IN (SELECT value FROM json_each(?))')
      .all(JSON.stringify([...new Set(doorIds)])) as { door_id: number; zone_id: number }[];
    for (const r of rows) out.get(r.door_id)?.push(r.zone_id);
    return out;
  }

  private static columns(d: DoorFields): unknown[] {
    return [
      d.name,
      d.kind,
      d.openSeconds,
      d.extendedOpenSeconds,
      d.openMode,
      d.officePeriodId ?? null,
      d.auth.mode,
      d.auth.scheduled?.mode ?? null,
      d.auth.scheduled?.periodId ?? null,
      d.calendarId,
    ];
  }

  private writeZones(doorId: number, zoneIds: readonly number[]): void {
    const current = this.zoneIdsOf(doorId);
    // Only the memberships that change are written, so the change feed names only those.
    const drop = this.db.prepare('DELETE FROM door_zone WHERE door_id = ? AND zone_id = ?');
    for (const z of current) if (!zoneIds.includes(z)) drop.run(doorId, z);
    const add = this.db.prepare('INSERT INTO door_zone (door_id, zone_id) VALUES (?, ?)');
    for (const z of zoneIds) if (!current.includes(z)) add.run(doorId, z);
  }

  /** Adds a door with its zones; returns its id. */
  createDoor(d: DoorFields, now: Date): number {
    const at = now.toISOString();
    const id = Number(
      this.db
        .prepare(
          `INSERT INTO door (name, kind, open_seconds, extended_open_seconds, open_mode, office_period_id,
             auth_mode, auth_scheduled_mode, auth_period_id, calendar_id, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(...DoorRepo.columns(d), at, at).lastInsertRowid,
    );
    this.writeZones(id, d.zoneIds);
    return id;
  }

  /** Replaces a door and its zones, if still at `version`; false if stale or gone. */
  updateDoor(id: number, version: number, d: DoorFields, now: Date): boolean {
    const ok =
      this.db
        .prepare(
          `UPDATE door SET name = ?, kind = ?, open_seconds = ?, extended_open_seconds = ?, open_mode = ?,
             office_period_id = ?, auth_mode = ?, auth_scheduled_mode = ?, auth_period_id = ?, calendar_id = ?,
             updated_at = ?, version = version + 1
           WHERE id = ? AND version = ?`,
        )
        .run(...DoorRepo.columns(d), now.toISOString(), id, version).changes === 1;
    if (ok) this.writeZones(id, d.zoneIds);
    return ok;
  }

  /** Sets how a door opens, whatever its version (a command, not an edit); false if gone. */
  setOpenMode(id: number, openMode: OpenMode, officePeriodId: number | undefined, now: Date): boolean {
    return (
      this.db
        .prepare(
          'UPDATE door SET open_mode = ?, office_period_id = ?, updated_at = ?, version = version + 1 WHERE id = ?',
        )
        .run(openMode, officePeriodId ?? null, now.toISOString(), id).changes === 1
    );
  }

  /** Deletes a door (its zone memberships go with it) still at `version`; false if stale or gone. */
  deleteDoor(id: number, version: number): boolean {
    return this.db.prepare('DELETE FROM door WHERE id = ? AND version = ?').run(id, version).changes === 1;
  }

  // Access levels.

  private level(r: LevelRow): AccessLevelRecord {
    const rights = (
      this.db
        .prepare(
          'SELECT door_id, zone_id, period_id FROM access_level_right WHERE access_level_id = ? ORDER BY id',
        )
        .all(r.id) as { door_id: number | null; zone_id: number | null; period_id: number }[]
    ).map((x): RightRecord =>
      x.door_id !== null
        ? { doorId: x.door_id, periodId: x.period_id }
        : { zoneId: x.zone_id!, periodId: x.period_id },
    );
    return {
      id: r.id,
      name: r.name,
      description: r.description,
      rights,
      cardholderCount: r.cardholder_count,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      version: r.version,
    };
  }

  /** A page of access levels; with an `area`, only the levels reaching inside it (or nowhere). */
  listLevels(
    o: ListOptions<keyof typeof LEVEL_SORT>,
    area?: Area,
  ): { items: AccessLevelRecord[]; total: number } {
    const { where, args } = namePage(o, area, levelInside('access_level.id'));
    const total = this.count(`SELECT count(*) AS n FROM access_level ${where}`, args);
    const rows = this.db
      .prepare(`${LEVEL_SELECT} ${where} ${orderBy(LEVEL_SORT[o.sort], o.order)} LIMIT @limit OFFSET @offset`)
      .all(args) as LevelRow[];
    return { items: rows.map((r) => this.level(r)), total };
  }

  /** One access level; with an `area`, undefined when it is outside (as if it did not exist). */
  levelById(id: number, area?: Area): AccessLevelRecord | undefined {
    const r = (
      area
        ? this.db
            .prepare(`${LEVEL_SELECT} WHERE id = @id AND ${levelInside('access_level.id')}`)
            .get({ id, ...areaArgs(area) })
        : this.db.prepare(`${LEVEL_SELECT} WHERE id = ?`).get(id)
    ) as LevelRow | undefined;
    return r && this.level(r);
  }

  private writeRights(levelId: number, rights: readonly RightRecord[]): void {
    // Replaced whole, in the order given: positions in errors and in the result stay the caller's.
    this.db.prepare('DELETE FROM access_level_right WHERE access_level_id = ?').run(levelId);
    const add = this.db.prepare(
      'INSERT INTO access_level_right (access_level_id, door_id, zone_id, period_id) VALUES (?, ?, ?, ?)',
    );
    for (const r of rights) add.run(levelId, r.doorId ?? null, r.zoneId ?? null, r.periodId);
  }

  /** Adds an access level with its rights; returns its id. */
  createLevel(l: AccessLevelFields, now: Date): number {
    const at = now.toISOString();
    const id = Number(
      this.db
        .prepare('INSERT INTO access_level (name, description, created_at, updated_at) VALUES (?, ?, ?, ?)')
        .run(l.name, l.description, at, at).lastInsertRowid,
    );
    this.writeRights(id, l.rights);
    return id;
  }

  /** Replaces an access level still at `version`; rights only when given. False if stale or gone. */
  updateLevel(
    id: number,
    version: number,
    l: { name: string; description: string; rights?: readonly RightRecord[] },
    now: Date,
  ): boolean {
    const ok =
      this.db
        .prepare(
          'UPDATE access_level SET name = ?, description = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?',
        )
        .run(l.name, l.description, now.toISOString(), id, version).changes === 1;
    if (ok && l.rights) this.writeRights(id, l.rights);
    return ok;
  }

  /** Deletes an access level (its rights go with it) still at `version`; false if stale or gone. */
  deleteLevel(id: number, version: number): boolean {
    return (
      this.db.prepare('DELETE FROM access_level WHERE id = ? AND version = ?').run(id, version).changes === 1
    );
  }
}
