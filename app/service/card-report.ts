import type { CardReading } from '../card/lintel-card.js';
import type { CardReport } from '../contract/methods/encoder.js';
import { CredentialRepo } from '../store/credential-repo.js';
import type { Db } from '../store/sqlite.js';
import { cardContentFor, sameAccess } from './card-content.js';

const iso = (s: number | null) => (s === null ? null : new Date(s * 1000).toISOString());

/** Names by id of one table, for the ids asked (one statement per table). */
function namesOf(db: Db, table: 'door' | 'zone' | 'time_period', ids: Iterable<number>): Map<number, string> {
  const list = [...new Set(ids)];
  if (!list.length) return new Map();
  const rows = db
    .prepare(`SELECT id, name FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`)
    .all(JSON.stringify(list)) as { id: number; name: string }[];
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** A card seen at the encoder: what it is, its UID (hex), and what it holds when it is this site's. */
export interface CardSeen {
  kind: CardReport['kind'];
  uid: string;
  reading?: CardReading;
}

const NOTHING_READ = { access: null, blacklist: null, audit: [] } as const;

/**
 * A card's content for the console: decoded data named with today's names (a door deleted since shows
 * as null), the key and holder the database has for it, and whether the card is up to date.
 */
export function cardReport(db: Db, seen: CardSeen, now: Date): CardReport {
  const reading = seen.reading ?? NOTHING_READ;
  const a = reading.access;
  const key = a ? (new CredentialRepo(db).byId(a.credentialId, now) ?? null) : null;
  const holder = a
    ? (db
        .prepare("SELECT id, first_name || ' ' || last_name AS name FROM cardholder WHERE id = ?")
        .get(a.userId) as { id: number; name: string } | undefined)
    : undefined;
  const doors = namesOf(db, 'door', [
    ...(a?.rights.filter((r) => r.kind === 'door').map((r) => r.id) ?? []),
    ...reading.audit.map((r) => r.doorId),
  ]);
  const zones = namesOf(db, 'zone', a?.rights.filter((r) => r.kind === 'zone').map((r) => r.id) ?? []);
  const periods = namesOf(db, 'time_period', a?.rights.map((r) => r.periodId) ?? []);
  const wanted = a && key && key.userId === a.userId ? cardContentFor(db, a.credentialId, now) : undefined;
  return {
    uid: seen.uid,
    kind: seen.kind,
    ...(seen.reading
      ? { formatVersion: seen.reading.info.formatVersion, keyVersion: seen.reading.info.keyVersion }
      : {}),
    key,
    holder: holder ? { id: holder.id, name: holder.name.trim() } : null,
    access: a && {
      credentialId: a.credentialId,
      userId: a.userId,
      validFrom: iso(a.validFrom),
      validUntil: iso(a.validUntil),
      revalidateBy: iso(a.revalidation?.by ?? null),
      rights: a.rights.map((r) => ({
        kind: r.kind,
        id: r.id,
        name: (r.kind === 'door' ? doors : zones).get(r.id) ?? null,
        periodId: r.periodId,
        periodName: periods.get(r.periodId) ?? null,
      })),
      flags: { ...a.flags },
      issuedAt: iso(a.issuedAt)!,
    },
    upToDate:
      wanted !== undefined &&
      key !== null &&
      (key.status === 'issued' || key.status === 'needs-update') &&
      sameAccess(a!, wanted.access),
    blacklist: {
      entries: reading.blacklist?.entries.length ?? 0,
      highestSeq: reading.blacklist?.highestSeq ?? 0,
    },
    audit: reading.audit.map((r) => ({
      at: iso(r.at)!,
      event: r.event,
      reason: r.reason,
      doorId: r.doorId,
      doorName: doors.get(r.doorId) ?? null,
      credentialId: r.credentialId,
    })),
  };
}
