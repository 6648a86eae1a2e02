import type { KeyStatus } from '../contract/methods/users.js';
import type { Db } from './sqlite.js';
import { likeContains } from './like.js';
import { areaArgs, keyInside, type Area } from './partition-sql.js';

/** A key as stored, with its status as of now and its blacklist entry if it still has one. */
export interface CredentialRecord {
  id: number;
  userId: number | null;
  uid: string;
  status: KeyStatus;
  expiresAt: string | null;
  revalidationHours: number | null;
  revalidatedAt: string | null;
  revalidateBy: string | null;
  issuedAt: string;
  cancelledAt: string | null;
  blacklistSeq: number | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** How to list keys. */
export interface KeyListOptions {
  userId?: number;
  status?: KeyStatus;
  search?: string;
  sort: 'issuedAt' | 'id';
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

/**
 * The status as of `@now`: an issued key past its expiry reads as expired without anything having to
 * rewrite it at that instant.
 */
const STATUS_SQL = `CASE WHEN k.status IN ('issued', 'needs-update') AND k.expires_at IS NOT NULL
  AND k.expires_at <= @now THEN 'expired' ELSE k.status END`;

const SELECT = `SELECT k.*, ${STATUS_SQL} AS effective, b.seq AS blacklist_seq
  FROM credential k LEFT JOIN blacklist b ON b.credential_id = k.id`;

/** The latest instant a door can store for an expiry (epoch seconds in 32 bits): "never expires". */
export const FAR_FUTURE = new Date(0xffff_ffff * 1000);

interface Row {
  id: number;
  cardholder_id: number | null;
  uid: string;
  status: string;
  effective: KeyStatus;
  expires_at: string | null;
  revalidation_hours: number | null;
  revalidated_at: string | null;
  issued_at: string;
  cancelled_at: string | null;
  blacklist_seq: number | null;
  created_at: string;
  updated_at: string;
  version: number;
}

function record(r: Row): CredentialRecord {
  const since = r.revalidated_at ?? r.issued_at;
  return {
    id: r.id,
    userId: r.cardholder_id,
    uid: r.uid,
    status: r.effective,
    expiresAt: r.expires_at,
    revalidationHours: r.revalidation_hours,
    revalidatedAt: r.revalidated_at,
    revalidateBy:
      r.revalidation_hours === null
        ? null
        : new Date(Date.parse(since) + r.revalidation_hours * 3_600_000).toISOString(),
    issuedAt: r.issued_at,
    cancelledAt: r.cancelled_at,
    blacklistSeq: r.blacklist_seq,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

/**
 * The last instant a key could open a door on its own: its expiry, or the end of its revalidation
 * window (a cancelled key is never refreshed again), whichever comes first; FAR_FUTURE when neither.
 */
export function workingUntil(k: Pick<CredentialRecord, 'expiresAt' | 'revalidateBy'>): Date {
  const ends = [k.expiresAt, k.revalidateBy].filter((t): t is string => t !== null).map(Date.parse);
  return ends.length ? new Date(Math.min(...ends)) : FAR_FUTURE;
}

/** Keys (credentials) and the blacklist of cancelled ones. */
export class CredentialRepo {
  constructor(private readonly db: Db) {}

  /** A page of keys; with an `area`, only the keys whose holder is inside it. */
  list(o: KeyListOptions, now: Date, area?: Area): { items: CredentialRecord[]; total: number } {
    const terms: string[] = [];
    const args: Record<string, unknown> = { now: now.toISOString(), limit: o.limit, offset: o.offset };
    if (o.userId !== undefined) {
      terms.push('k.cardholder_id = @userId');
      args.userId = o.userId;
    }
    if (o.status !== undefined) {
      terms.push(`(${STATUS_SQL}) = @status`);
      args.status = o.status;
    }
    if (o.search) {
      terms.push("k.uid LIKE @search ESCAPE '\\'");
      args.search = likeContains(o.search.toUpperCase());
    }
    if (area) {
      terms.push(keyInside('k'));
      Object.assign(args, areaArgs(area));
    }
    const where = terms.length ? `WHERE ${terms.join(' AND ')}` : '';
    const total = this.db.prepare(`SELECT count(*) FROM credential k ${where}`).pluck().get(args) as number;
    const dir = o.order === 'desc' ? 'DESC' : 'ASC';
    const sort = o.sort === 'issuedAt' ? `k.issued_at ${dir}, k.id ${dir}` : `k.id ${dir}`;
    const rows = this.db
      .prepare(`${SELECT} ${where} ORDER BY ${sort} LIMIT @limit OFFSET @offset`)
      .all(args) as Row[];
    return { items: rows.map(record), total };
  }

  /** One key. */
  byId(id: number, now: Date): CredentialRecord | undefined {
    const r = this.db.prepare(`${SELECT} WHERE k.id = @id`).get({ id, now: now.toISOString() }) as
      Row | undefined;
    return r && record(r);
  }

  /** A cardholder's keys, newest first. */
  forUser(userId: number, now: Date): CredentialRecord[] {
    return (
      this.db
        .prepare(`${SELECT} WHERE k.cardholder_id = @userId ORDER BY k.issued_at DESC, k.id DESC`)
        .all({ userId, now: now.toISOString() }) as Row[]
    ).map(record);
  }

  /** How many of a cardholder's keys could still open a door: neither cancelled nor expired. */
  liveCount(userId: number, now: Date): number {
    return this.db
      .prepare(
        `SELECT count(*) FROM credential k WHERE k.cardholder_id = @userId AND (${STATUS_SQL}) IN ('issued', 'needs-update')`,
      )
      .pluck()
      .get({ userId, now: now.toISOString() }) as number;
  }

  /**
   * The live key holding a card UID, if any. A key that passed its expiry is marked expired first, so
   * the card can be issued again.
   */
  liveByUid(uid: string, now: Date): number | undefined {
    const at = now.toISOString();
    this.db
      .prepare(
        `UPDATE credential SET status = 'expired', updated_at = @at, version = version + 1
         WHERE uid = @uid AND status IN ('issued', 'needs-update') AND expires_at <= @at`,
      )
      .run({ uid, at });
    return this.db
      .prepare("SELECT id FROM credential WHERE uid = ? AND status IN ('issued', 'needs-update')")
      .pluck()
      .get(uid) as number | undefined;
  }

  /** Issues a key; returns its id. */
  issue(
    k: { userId: number; uid: string; expiresAt: string | null; revalidationHours: number | null },
    now: Date,
  ): number {
    const at = now.toISOString();
    return Number(
      this.db
        .prepare(
          `INSERT INTO credential (cardholder_id, uid, status, expires_at, revalidation_hours, issued_at,
             created_at, updated_at)
           VALUES (?, ?, 'issued', ?, ?, ?, ?, ?)`,
        )
        .run(k.userId, k.uid, k.expiresAt, k.revalidationHours, at, at, at).lastInsertRowid,
    );
  }

  /**
   * Removes a key that never reached a card (the encoder failed before the card's commit). Only for
   * that: a key that may be on a card is never deleted, so its id is never given to another key.
   */
  discardUnwritten(id: number): void {
    this.db.prepare('DELETE FROM credential WHERE id = ?').run(id);
  }

  /** Cancels a key still at `version`; false if stale or gone. */
  cancel(id: number, version: number, now: Date): boolean {
    const at = now.toISOString();
    return (
      this.db
        .prepare(
          `UPDATE credential SET status = 'cancelled', cancelled_at = ?, updated_at = ?, version = version + 1
           WHERE id = ? AND version = ?`,
        )
        .run(at, at, id, version).changes === 1
    );
  }

  /** Records that an update point refreshed a key: revalidated now, up to date again. */
  revalidate(id: number, now: Date): void {
    const at = now.toISOString();
    this.db
      .prepare(
        `UPDATE credential SET status = 'issued', revalidated_at = ?, updated_at = ?, version = version + 1
         WHERE id = ?`,
      )
      .run(at, at, id);
  }

  /**
   * Marks the issued keys of these cardholders as needing an update (what their card carries no
   * longer matches their access); returns how many keys changed.
   */
  markNeedsUpdate(userIds: readonly number[], now: Date): number {
    const mark = this.db.prepare(
      `UPDATE credential SET status = 'needs-update', updated_at = ?, version = version + 1
       WHERE cardholder_id = ? AND status = 'issued'`,
    );
    let n = 0;
    for (const id of userIds) n += mark.run(now.toISOString(), id).changes;
    return n;
  }

  /** Marks the issued keys of everyone holding an access level (for when its rights change). */
  markNeedsUpdateForLevel(levelId: number, now: Date): number {
    return this.db
      .prepare(
        `UPDATE credential SET status = 'needs-update', updated_at = ?, version = version + 1
         WHERE status = 'issued' AND cardholder_id IN
           (SELECT cardholder_id FROM cardholder_access_level WHERE access_level_id = ?)`,
      )
      .run(now.toISOString(), levelId).changes;
  }

  /** How many entries the blacklist holds. */
  blacklistSize(): number {
    return this.db.prepare('SELECT count(*) FROM blacklist').pluck().get() as number;
  }

  /** The newest sequence number ever given (AUTOINCREMENT keeps it after compaction); 0 if none. */
  latestSeq(): number {
    return (
      (this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'blacklist'").pluck().get() as
        number | undefined) ?? 0
    );
  }

  /** Adds a cancelled key to the blacklist; returns its sequence number. */
  blacklist(credentialId: number, expiresAt: Date, now: Date): number {
    return Number(
      this.db
        .prepare('INSERT INTO blacklist (credential_id, expires_at, added_at) VALUES (?, ?, ?)')
        .run(credentialId, expiresAt.toISOString(), now.toISOString()).lastInsertRowid,
    );
  }

  /** How many entries are for keys that expired at or before `cutoff`. */
  expiredEntries(cutoff: Date): number {
    return this.db
      .prepare('SELECT count(*) FROM blacklist WHERE expires_at <= ?')
      .pluck()
      .get(cutoff.toISOString()) as number;
  }

  /** Removes the entries for keys that expired at or before `cutoff`; returns how many went. */
  removeExpiredEntries(cutoff: Date): number {
    return this.db.prepare('DELETE FROM blacklist WHERE expires_at <= ?').run(cutoff.toISOString()).changes;
  }

  /** How many keys were cancelled since `since`. */
  cancelledSince(since: Date): number {
    return this.db
      .prepare('SELECT count(*) FROM credential WHERE cancelled_at >= ?')
      .pluck()
      .get(since.toISOString()) as number;
  }
}
