import type { AccessRight, CredentialData, DoorPolicy } from '../access/engine.js';
import type { SpecialDayType, TimePeriodRules } from '../contract/schedule-schemas.js';
import { DoorRepo } from './door-repo.js';
import type { Db } from './sqlite.js';

/**
 * Compiles the access model into what devices hold: a door's tables (its policy, the time periods that
 * can matter at it, its calendar, the blacklist sequence it must reach) and a card's data (its rights,
 * validity and revalidation). Each is stamped with the change-feed revision it reflects, so a device
 * asks only for what changed after it.
 */

/** What one door needs to decide on its own. */
export interface DoorTablesData {
  revision: number;
  door: DoorPolicy;
  /** Every time period a right covering this door, or the door itself, refers to. */
  periods: { id: number; rules: TimePeriodRules }[];
  calendar: { id: number; days: { date: string; type: SpecialDayType }[] };
  /** The newest blacklist sequence number: the door must hold every entry up to it. */
  blacklistSeq: number;
}

/** What a card carries for the decision, with where it came from. */
export interface CardData extends CredentialData {
  revision: number;
  uid: string;
}

const epoch = (iso: string | null): number | null =>
  iso === null ? null : Math.floor(Date.parse(iso) / 1000);

/** The change-feed revision the database is at (0 before any change). */
export function currentRevision(db: Db): number {
  return (db.prepare('SELECT coalesce(max(revision), 0) AS r FROM change_log').get() as { r: number }).r;
}

/** A door's tables, or undefined when there is no such door. Read in one transaction: one consistent revision. */
export function compileDoor(db: Db, doorId: number): DoorTablesData | undefined {
  return db.transaction(() => {
    const record = new DoorRepo(db).doorById(doorId);
    if (!record) return undefined;
    const door: DoorPolicy = {
      doorId,
      zoneIds: record.zoneIds,
      openMode: record.openMode,
      ...(record.officePeriodId !== undefined ? { officePeriodId: record.officePeriodId } : {}),
      auth: record.auth,
      openSeconds: record.openSeconds,
      extendedOpenSeconds: record.extendedOpenSeconds,
    };
    const periods = db
      .prepare(
        `SELECT id, rules FROM time_period WHERE id IN (
           SELECT period_id FROM access_level_right
            WHERE door_id = @door OR zone_id IN (SELECT zone_id FROM door_zone WHERE door_id = @door)
           UNION SELECT @office UNION SELECT @auth)
         ORDER BY id`,
      )
      .all({
        door: doorId,
        office: record.officePeriodId ?? null,
        auth: record.auth.scheduled?.periodId ?? null,
      }) as {
      id: number;
      rules: string;
    }[];
    const days = db
      .prepare('SELECT date, type FROM calendar_day WHERE calendar_id = ? ORDER BY date')
      .all(record.calendarId) as { date: string; type: SpecialDayType }[];
    const seq = (db.prepare('SELECT coalesce(max(seq), 0) AS s FROM blacklist').get() as { s: number }).s;
    return {
      revision: currentRevision(db),
      door,
      periods: periods.map((p) => ({ id: p.id, rules: JSON.parse(p.rules) as TimePeriodRules })),
      calendar: { id: record.calendarId, days },
      blacklistSeq: seq,
    };
  })();
}

/**
 * A card's data: the union of its holder's access levels' rights, the validity of both the holder and
 * the key (the narrower wins), and the instant by which an update point must revalidate it.
 */
export function compileCard(db: Db, credentialId: number): CardData | undefined {
  return db.transaction(() => {
    const row = db
      .prepare(
        `SELECT credential.id, credential.uid, credential.expires_at, credential.revalidation_hours,
                credential.revalidated_at, credential.issued_at, cardholder.id AS cardholder_id,
                cardholder.valid_from, cardholder.valid_until, cardholder.office, cardholder.privacy_override,
                cardholder.extended_opening
           FROM credential JOIN cardholder ON cardholder.id = credential.cardholder_id
          WHERE credential.id = ?`,
      )
      .get(credentialId) as
      | {
          id: number;
          uid: string;
          expires_at: string | null;
          revalidation_hours: number | null;
          revalidated_at: string | null;
          issued_at: string;
          cardholder_id: number;
          valid_from: string | null;
          valid_until: string | null;
          office: number;
          privacy_override: number;
          extended_opening: number;
        }
      | undefined;
    if (!row) return undefined;
    const rights = db
      .prepare(
        `SELECT DISTINCT door_id, zone_id, period_id FROM access_level_right
          WHERE access_level_id IN (SELECT access_level_id FROM cardholder_access_level WHERE cardholder_id = ?)
          ORDER BY door_id, zone_id, period_id`,
      )
      .all(row.cardholder_id) as { door_id: number | null; zone_id: number | null; period_id: number }[];
    const ends = [epoch(row.valid_until), epoch(row.expires_at)].filter((x): x is number => x !== null);
    const since = epoch(row.revalidated_at ?? row.issued_at)!;
    return {
      revision: currentRevision(db),
      uid: row.uid,
      credentialId: row.id,
      userId: row.cardholder_id,
      validFrom: epoch(row.valid_from),
      validUntil: ends.length ? Math.min(...ends) : null,
      revalidateBy: row.revalidation_hours === null ? null : since + row.revalidation_hours * 3600,
      rights: rights.map((r): AccessRight =>
        r.door_id !== null
          ? { kind: 'door', id: r.door_id, periodId: r.period_id }
          : { kind: 'zone', id: r.zone_id!, periodId: r.period_id },
      ),
      privileges: {
        office: row.office === 1,
        privacyOverride: row.privacy_override === 1,
        extendedOpening: row.extended_opening === 1,
      },
    };
  })();
}

/** One change in the feed. */
export interface Change {
  revision: number;
  entity: string;
  entityId: number;
  op: 'insert' | 'update' | 'delete';
}

/** The changes after `since`, oldest first, at most `limit`; `more` when others follow. */
export function changesSince(
  db: Db,
  since: number,
  limit: number,
): { revision: number; changes: Change[]; more: boolean } {
  const rows = db
    .prepare(
      'SELECT revision, entity, entity_id, op FROM change_log WHERE revision > ? ORDER BY revision LIMIT ?',
    )
    .all(since, limit + 1) as { revision: number; entity: string; entity_id: number; op: Change['op'] }[];
  const more = rows.length > limit;
  const changes = rows
    .slice(0, limit)
    .map((r) => ({ revision: r.revision, entity: r.entity, entityId: r.entity_id, op: r.op }));
  return { revision: currentRevision(db), changes, more };
}
