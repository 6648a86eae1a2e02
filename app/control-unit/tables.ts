import { Blacklist } from '../access/blacklist.js';
import type { DoorPolicy, DoorTables } from '../access/engine.js';
import { compileZone, type ZoneTable } from '../access/local-time.js';
import { compileCalendar } from '../access/schedule.js';
import type { TimePeriodRules } from '../contract/schedule-schemas.js';
import type { ReplicaState } from '../devices/device-store.js';
import type { ReaderConfig } from '../devices/protocol.js';
import type { DoorTablesData } from '../store/access-compiler.js';

/**
 * The in-memory tables a control unit decides with, rebuilt from its replica after every sync: one
 * Blacklist for all its doors (so a newly cancelled key is refused at once), each door's policy,
 * periods and calendar, and the site's time zone compiled to an offset table.
 */

/** One door of this unit, ready for `decide()` (its blacklist is the unit's). */
export interface DoorEntry {
  policy: DoorPolicy;
  tables: DoorTables;
}

export interface UnitTables {
  revision: number;
  blacklistSeq: number;
  blacklist: Blacklist;
  zone: ZoneTable;
  doors: Map<number, DoorEntry>;
  /** This unit's readers by OSDP address. */
  readers: Map<number, ReaderConfig>;
}

/** Years either side of now the zone table covers; rebuilt at every sync and when the clock leaves it. */
const ZONE_YEARS_BACK = 1;
const ZONE_YEARS_AHEAD = 2;

const zones = new Map<string, ZoneTable>();

/** The site's zone for the years around `nowMs` (cached: compiling walks every day). */
export function zoneTableFor(zone: string, nowMs: number): ZoneTable {
  const year = new Date(nowMs).getUTCFullYear();
  const key = `${zone}|${year}`;
  let table = zones.get(key);
  if (!table) {
    table = compileZone(zone, year - ZONE_YEARS_BACK, year + ZONE_YEARS_AHEAD);
    zones.set(key, table);
  }
  return table;
}

/** One door's policy and tables for `decide()`, from its compiled tables (a control unit's or an offline lock's). */
export function doorEntryOf(d: DoorTablesData, zone: ZoneTable, blacklist: Blacklist): DoorEntry {
  const periods = new Map<number, TimePeriodRules>(d.periods.map((p) => [p.id, p.rules]));
  return {
    policy: d.door as DoorPolicy,
    tables: { zone, periods, calendar: compileCalendar(d.calendar.days), blacklist },
  };
}

/**
 * Builds the tables from the replica. `unitId` picks this unit's readers (a reply from a gateway holds
 * only them already; one from the Service may hold more).
 */
export function buildTables(
  replica: ReplicaState,
  blacklistEntries: readonly { seq: number; credentialId: number; expiresAt: number }[],
  unitId: number,
  nowMs: number,
): UnitTables {
  const blacklist = new Blacklist(blacklistEntries);
  const zone = zoneTableFor(replica.timeZone, nowMs);
  const readers = new Map<number, ReaderConfig>();
  for (const r of replica.readers) if (r.unitId === unitId) readers.set(r.address, r);
  const doors = new Map<number, DoorEntry>();
  for (const d of replica.doors) doors.set(d.door.doorId, doorEntryOf(d, zone, blacklist));
  return { revision: replica.revision, blacklistSeq: replica.blacklistSeq, blacklist, zone, doors, readers };
}
