import { randomInt } from 'node:crypto';
import type { SecretPurpose } from './secrets.js';
import type { Db } from './sqlite.js';

/**
 * RF locks and the RF networks of control units (migration 11). An RF lock's one-time join key lives in
 * the site's secret store under {@link joinKeySecret} while it has not joined; this repository only
 * removes it (SecretStore seals and opens), and the migration removes it with the lock however the lock
 * goes (its door or unit deleted too).
 */

/** The secret holding an RF lock's one-time join key, until the lock joined. */
export const joinKeySecret = (doorId: number): SecretPurpose => `rf.join/${doorId}`;

/** What a control unit last reported of one of its RF locks (app/devices/protocol.ts RfLockStatus). */
export interface StoredRfStatus {
  joined: boolean;
  /** Epoch ms. */
  lastHeard: number | null;
  lqi: number | null;
  battery: number | null;
  revision: number;
  blacklistSeq: number;
}

/** An RF lock as stored, with the names the console shows. */
export interface RfLockRecord {
  doorId: number;
  doorName: string;
  unitId: number;
  unitName: string;
  /** 16 upper-case hex digits. */
  eui64: string;
  /** When its join key was issued; null once joined. */
  joinIssuedAt: string | null;
  /** The change-feed revision that carried the join key; null once joined. */
  joinRevision: number | null;
  joinedAt: string | null;
  /** X25519, 64 lower-case hex digits. */
  publicKey: string | null;
  status: StoredRfStatus | null;
  statusAt: string | null;
}

/** An RF network of a control unit. */
export interface RfNetworkRecord {
  unitId: number;
  keyVersion: number;
  panId: number;
}

interface Row {
  door_id: number;
  door_name: string;
  unit_id: number;
  unit_name: string;
  eui64: string;
  join_issued_at: string | null;
  join_revision: number | null;
  joined_at: string | null;
  public_key: string | null;
  status: string | null;
  status_at: string | null;
}

const SELECT = `SELECT l.door_id, d.name AS door_name, l.unit_id, u.name AS unit_name, l.eui64, l.join_issued_at,
    l.join_revision, l.joined_at, l.public_key, l.status, l.status_at
  FROM rf_lock l JOIN door d ON d.id = l.door_id JOIN device u ON u.id = l.unit_id`;

const record = (r: Row): RfLockRecord => ({
  doorId: r.door_id,
  doorName: r.door_name,
  unitId: r.unit_id,
  unitName: r.unit_name,
  eui64: r.eui64,
  joinIssuedAt: r.join_issued_at,
  joinRevision: r.join_revision,
  joinedAt: r.joined_at,
  publicKey: r.public_key,
  // Written only by this repository from a validated status: trusted as stored.
  status: r.status === null ? null : (JSON.parse(r.status) as StoredRfStatus),
  statusAt: r.status_at,
});

/** The PAN ids a network may take: 0xFFFF is broadcast, 0xFFFE "no short address" in 802.15.4. */
const PAN_ID_MAX = 0xfffd;

export class RfLockRepo {
  constructor(private readonly db: Db) {}

  list(): RfLockRecord[] {
    return (this.db.prepare(`${SELECT} ORDER BY d.name COLLATE NOCASE, l.door_id`).all() as Row[]).map(
      record,
    );
  }

  byDoor(doorId: number): RfLockRecord | undefined {
    const r = this.db.prepare(`${SELECT} WHERE l.door_id = ?`).get(doorId) as Row | undefined;
    return r && record(r);
  }

  byEui(eui64: string): RfLockRecord | undefined {
    const r = this.db.prepare(`${SELECT} WHERE l.eui64 = ?`).get(eui64) as Row | undefined;
    return r && record(r);
  }

  /** The RF locks a control unit serves, by door id. */
  ofUnit(unitId: number): RfLockRecord[] {
    return (this.db.prepare(`${SELECT} WHERE l.unit_id = ? ORDER BY l.door_id`).all(unitId) as Row[]).map(
      record,
    );
  }

  /**
   * The control units serving the RF locks of these doors (door commands go to them, through their
   * gateway when they have one), in the shape of DeviceRepo.readersOfDoors.
   */
  unitsOfDoors(
    doorIds: readonly number[],
  ): Map<number, { deviceId: number; doorId: number; gatewayId: number | null; paired: boolean }> {
    const rows = this.db
      .prepare(
        `SELECT l.door_id, l.unit_id, u.gateway_id, u.public_key IS NOT NULL AS paired
           FROM rf_lock l JOIN device u ON u.id = l.unit_id
          WHERE l.door_id IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify([...new Set(doorIds)])) as {
      door_id: number;
      unit_id: number;
      gateway_id: number | null;
      paired: number;
    }[];
    return new Map(
      rows.map((r) => [
        r.door_id,
        { deviceId: r.unit_id, doorId: r.door_id, gatewayId: r.gateway_id, paired: r.paired === 1 },
      ]),
    );
  }

  /** A new lock waiting to join (its join key: the caller seals it under {@link joinKeySecret}). */
  add(l: { doorId: number; unitId: number; eui64: string }, now: Date): void {
    const at = now.toISOString();
    this.db
      .prepare(
        `INSERT INTO rf_lock (door_id, unit_id, eui64, join_issued_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(l.doorId, l.unitId, l.eui64, at, at, at);
  }

  /** The lock must join again with a new key (its identity and status from before are forgotten). */
  rejoin(doorId: number, now: Date): void {
    const at = now.toISOString();
    this.db
      .prepare(
        `UPDATE rf_lock SET join_issued_at = ?, join_revision = NULL, joined_at = NULL, public_key = NULL,
           status = NULL, status_at = NULL, updated_at = ? WHERE door_id = ?`,
      )
      .run(at, at, doorId);
  }

  /** Notes the change-feed revision that carries the lock's join key (not fed itself). */
  setJoinRevision(doorId: number, revision: number): void {
    this.db.prepare('UPDATE rf_lock SET join_revision = ? WHERE door_id = ?').run(revision, doorId);
  }

  /** The lock joined: its join key is spent (removed from the secrets) and its unit stops carrying it. */
  markJoined(doorId: number, now: Date): void {
    const at = now.toISOString();
    this.db
      .prepare(
        `UPDATE rf_lock SET join_issued_at = NULL, join_revision = NULL, joined_at = ?, updated_at = ?
          WHERE door_id = ?`,
      )
      .run(at, at, doorId);
    this.deleteSecret(joinKeySecret(doorId));
  }

  /** What its unit reported of it (not in the change feed). */
  setStatus(doorId: number, status: StoredRfStatus, publicKey: string | null, now: Date): void {
    this.db
      .prepare(
        `UPDATE rf_lock SET status = ?, status_at = ?, public_key = coalesce(?, public_key) WHERE door_id = ?`,
      )
      .run(JSON.stringify(status), now.toISOString(), publicKey, doorId);
  }

  /** Forgets the lock (the migration's trigger removes its join key with it). */
  remove(doorId: number): boolean {
    return this.db.prepare('DELETE FROM rf_lock WHERE door_id = ?').run(doorId).changes > 0;
  }

  network(unitId: number): RfNetworkRecord | undefined {
    const r = this.db
      .prepare('SELECT unit_id, key_version, pan_id FROM rf_network WHERE unit_id = ?')
      .get(unitId) as { unit_id: number; key_version: number; pan_id: number } | undefined;
    return r && { unitId: r.unit_id, keyVersion: r.key_version, panId: r.pan_id };
  }

  /**
   * The unit's RF network, made at `firstVersion` with a PAN id no other network of the site has when
   * there is none yet. Random rather than derived from the unit id so that two sites side by side are
   * unlikely to share one.
   */
  ensureNetwork(unitId: number, firstVersion: number, now: Date): RfNetworkRecord {
    const existing = this.network(unitId);
    if (existing) return existing;
    const taken = new Set(this.db.prepare('SELECT pan_id FROM rf_network').pluck().all() as number[]);
    let panId = randomInt(0, PAN_ID_MAX + 1);
    while (taken.has(panId)) panId = (panId + 1) % (PAN_ID_MAX + 1);
    this.db
      .prepare('INSERT INTO rf_network (unit_id, key_version, pan_id, created_at) VALUES (?, ?, ?, ?)')
      .run(unitId, firstVersion, panId, now.toISOString());
    return { unitId, keyVersion: firstVersion, panId };
  }

  private deleteSecret(purpose: SecretPurpose): void {
    this.db.prepare('DELETE FROM secret WHERE purpose = ?').run(purpose);
  }
}
