import type { SecretPurpose } from './secrets.js';
import type { Db } from './sqlite.js';

/**
 * Offline locks, the PPDs paired with the site, the rounds loaded into them and the visits imported
 * from them (migration 10). The secrets that go with them (a PPD's pairing key, a round's bytes while
 * its load may need resuming) live in the site's secret store under the names below; this repository
 * only removes them (SecretStore seals and opens).
 */

/** The secret holding a PPD's pairing key. */
export const ppdPairingSecret = (serial: string): SecretPurpose => `ppd.pairing/${serial}`;
/** The secret holding a round's bytes (they carry lock keys) until it is loaded whole. */
export const roundSecret = (roundId: string): SecretPurpose => `ppd.round/${roundId}`;

/** An offline lock as its last visit found it (a door never visited: {@link factoryLock}). */
export interface LockState {
  doorId: number;
  serial: string | null;
  firmware: string | null;
  /** 0: the factory key, never initialised. */
  keyVersion: number;
  cardKeyVersion: number | null;
  revision: number;
  /** SHA-256 of the door tables it holds (lock-needs.ts configDigest); null: unknown. */
  configDigest: Buffer | null;
  blacklistSeq: number;
  blacklistSize: number;
  blacklistCapacity: number | null;
  battery: number | null;
  /** Its clock minus the PPD's, measured at the last visit. */
  clockDriftSeconds: number | null;
  /** What was left of it after the visit (0 when the clock was set). */
  clockOffsetSeconds: number | null;
  /** Seconds gained per second, measured between two settings. */
  driftRate: number | null;
  /** Epoch seconds. */
  clockSetAt: number | null;
  /** Epoch seconds. */
  lastVisitAt: number | null;
  /** Epoch seconds. */
  initialisedAt: number | null;
  auditSeq: number;
}

/** What the Service assumes of a lock no PPD has visited: the factory state. */
export function factoryLock(doorId: number): LockState {
  return {
    doorId,
    serial: null,
    firmware: null,
    keyVersion: 0,
    cardKeyVersion: null,
    revision: 0,
    configDigest: null,
    blacklistSeq: 0,
    blacklistSize: 0,
    blacklistCapacity: null,
    battery: null,
    clockDriftSeconds: null,
    clockOffsetSeconds: null,
    driftRate: null,
    clockSetAt: null,
    lastVisitAt: null,
    initialisedAt: null,
    auditSeq: 0,
  };
}

export type RoundState = 'loading' | 'loaded' | 'synced' | 'replaced';

/** What one task of a round carried, so an imported visit knows what the lock now holds. */
export interface RoundDoor {
  doorId: number;
  position: number;
  /** The update's revision, tables digest and blacklist sequence; null: the task carried no update. */
  revision: number | null;
  configDigest: Buffer | null;
  blacklistSeq: number | null;
  newKeyVersion: number | null;
  cardKeyVersion: number | null;
}

/** A round as stored. */
export interface RoundRecord {
  roundId: string;
  ppdSerial: string;
  createdAt: string;
  createdBy: string;
  operatorId: number | null;
  emergencyDoorId: number | null;
  state: RoundState;
  request: string;
  revision: number;
  blacklistSeq: number;
  digest: Buffer;
  totalBytes: number;
  doors: RoundDoor[];
}

/** A visit as imported. */
export interface VisitRecord {
  roundId: string;
  doorId: number;
  doorName: string;
  ppdSerial: string;
  /** ISO-8601. */
  visitedAt: string;
  outcome: 'updated' | 'collected' | 'emergency-opened' | 'failed';
  error: string | null;
  lockSerial: string | null;
  auditImported: number;
}

interface LockRow {
  door_id: number;
  serial: string | null;
  firmware: string | null;
  key_version: number;
  card_key_version: number | null;
  revision: number;
  config_digest: Buffer | null;
  blacklist_seq: number;
  blacklist_size: number;
  blacklist_capacity: number | null;
  battery: number | null;
  clock_drift_seconds: number | null;
  clock_offset_seconds: number | null;
  drift_rate: number | null;
  clock_set_at: number | null;
  last_visit_at: string | null;
  initialised_at: string | null;
  audit_seq: number;
}

const seconds = (iso: string | null): number | null =>
  iso === null ? null : Math.floor(Date.parse(iso) / 1000);
const iso = (s: number | null): string | null => (s === null ? null : new Date(s * 1000).toISOString());

function toLock(r: LockRow): LockState {
  return {
    doorId: r.door_id,
    serial: r.serial,
    firmware: r.firmware,
    keyVersion: r.key_version,
    cardKeyVersion: r.card_key_version,
    revision: r.revision,
    configDigest: r.config_digest,
    blacklistSeq: r.blacklist_seq,
    blacklistSize: r.blacklist_size,
    blacklistCapacity: r.blacklist_capacity,
    battery: r.battery,
    clockDriftSeconds: r.clock_drift_seconds,
    clockOffsetSeconds: r.clock_offset_seconds,
    driftRate: r.drift_rate,
    clockSetAt: r.clock_set_at,
    lastVisitAt: seconds(r.last_visit_at),
    initialisedAt: seconds(r.initialised_at),
    auditSeq: r.audit_seq,
  };
}

interface RoundRow {
  round_id: string;
  ppd_serial: string;
  created_at: string;
  created_by: string;
  operator_id: number | null;
  emergency_door_id: number | null;
  state: RoundState;
  request: string;
  revision: number;
  blacklist_seq: number;
  digest: Buffer;
  total_bytes: number;
}

interface RoundDoorRow {
  door_id: number;
  position: number;
  revision: number | null;
  config_digest: Buffer | null;
  blacklist_seq: number | null;
  new_key_version: number | null;
  card_key_version: number | null;
}

interface VisitRow {
  round_id: string;
  door_id: number;
  door_name: string;
  ppd_serial: string;
  visited_at: string;
  outcome: VisitRecord['outcome'];
  error: string | null;
  lock_serial: string | null;
  audit_imported: number;
}

const toVisit = (r: VisitRow): VisitRecord => ({
  roundId: r.round_id,
  doorId: r.door_id,
  doorName: r.door_name,
  ppdSerial: r.ppd_serial,
  visitedAt: r.visited_at,
  outcome: r.outcome,
  error: r.error,
  lockSerial: r.lock_serial,
  auditImported: r.audit_imported,
});

/** The offline doors with their lock state (the factory state for a lock never visited). */
export interface OfflineDoor {
  doorId: number;
  doorName: string;
  lock: LockState;
}

export class LockRepo {
  constructor(private readonly db: Db) {}

  // Locks.

  /** Every offline door, by name, with what its lock holds. */
  offlineDoors(): OfflineDoor[] {
    const rows = this.db
      .prepare(
        `SELECT d.id AS door, d.name AS door_name, l.*
           FROM door d LEFT JOIN offline_lock l ON l.door_id = d.id
          WHERE d.kind = 'offline' ORDER BY d.name, d.id`,
      )
      .all() as (Partial<LockRow> & { door: number; door_name: string })[];
    return rows.map((r) => ({
      doorId: r.door,
      doorName: r.door_name,
      lock: r.door_id === null || r.door_id === undefined ? factoryLock(r.door) : toLock(r as LockRow),
    }));
  }

  /** An offline door and its lock; undefined when there is no such door or it is not offline. */
  offlineDoor(doorId: number): OfflineDoor | undefined {
    const door = this.db
      .prepare("SELECT id, name FROM door WHERE id = ? AND kind = 'offline'")
      .get(doorId) as { id: number; name: string } | undefined;
    if (!door) return undefined;
    return { doorId: door.id, doorName: door.name, lock: this.lock(doorId) ?? factoryLock(doorId) };
  }

  /** The stored state of a door's lock (undefined: never visited). */
  lock(doorId: number): LockState | undefined {
    const row = this.db.prepare('SELECT * FROM offline_lock WHERE door_id = ?').get(doorId) as
      LockRow | undefined;
    return row && toLock(row);
  }

  /** Stores what a visit found (the door must exist). */
  saveLock(s: LockState, now: Date): void {
    this.db
      .prepare(
        `INSERT INTO offline_lock (door_id, serial, firmware, key_version, card_key_version, revision,
           config_digest, blacklist_seq, blacklist_size, blacklist_capacity, battery, clock_drift_seconds,
           clock_offset_seconds, drift_rate, clock_set_at, last_visit_at, initialised_at, audit_seq, updated_at)
         VALUES (@doorId, @serial, @firmware, @keyVersion, @cardKeyVersion, @revision, @configDigest,
           @blacklistSeq, @blacklistSize, @blacklistCapacity, @battery, @clockDriftSeconds,
           @clockOffsetSeconds, @driftRate, @clockSetAt, @lastVisitAt, @initialisedAt, @auditSeq, @updatedAt)
         ON CONFLICT (door_id) DO UPDATE SET serial = excluded.serial, firmware = excluded.firmware,
           key_version = excluded.key_version, card_key_version = excluded.card_key_version,
           revision = excluded.revision, config_digest = excluded.config_digest,
           blacklist_seq = excluded.blacklist_seq, blacklist_size = excluded.blacklist_size,
           blacklist_capacity = excluded.blacklist_capacity, battery = excluded.battery,
           clock_drift_seconds = excluded.clock_drift_seconds,
           clock_offset_seconds = excluded.clock_offset_seconds, drift_rate = excluded.drift_rate,
           clock_set_at = excluded.clock_set_at, last_visit_at = excluded.last_visit_at,
           initialised_at = excluded.initialised_at, audit_seq = excluded.audit_seq,
           updated_at = excluded.updated_at`,
      )
      .run({
        ...s,
        lastVisitAt: iso(s.lastVisitAt),
        initialisedAt: iso(s.initialisedAt),
        updatedAt: now.toISOString(),
      });
  }

  /** The round (loading or loaded, not yet synced) that visits each door and has not brought its visit back. */
  openRounds(): Map<number, string> {
    const rows = this.db
      .prepare(
        `SELECT rd.door_id, r.round_id FROM ppd_round r JOIN ppd_round_door rd ON rd.round_id = r.round_id
          WHERE r.state IN ('loading', 'loaded')
            AND NOT EXISTS (SELECT 1 FROM lock_visit v WHERE v.round_id = r.round_id AND v.door_id = rd.door_id)
          ORDER BY r.created_at`,
      )
      .all() as { door_id: number; round_id: string }[];
    return new Map(rows.map((r) => [r.door_id, r.round_id]));
  }

  // PPDs.

  /** Records a PPD as paired (again: a PPD reset and paired anew replaces its record). */
  savePpd(serial: string, pairedBy: string, now: Date): void {
    this.db
      .prepare(
        `INSERT INTO ppd (serial, paired_at, paired_by) VALUES (?, ?, ?)
         ON CONFLICT (serial) DO UPDATE SET paired_at = excluded.paired_at, paired_by = excluded.paired_by`,
      )
      .run(serial, now.toISOString(), pairedBy);
  }

  // Rounds.

  /** Stores a new round being loaded, with what each task carries. */
  createRound(r: Omit<RoundRecord, 'state'>): void {
    this.db
      .prepare(
        `INSERT INTO ppd_round (round_id, ppd_serial, created_at, created_by, operator_id, emergency_door_id,
           state, request, revision, blacklist_seq, digest, total_bytes)
         VALUES (@roundId, @ppdSerial, @createdAt, @createdBy, @operatorId, @emergencyDoorId, 'loading',
           @request, @revision, @blacklistSeq, @digest, @totalBytes)`,
      )
      .run({ ...r, doors: undefined });
    const door = this.db.prepare(
      `INSERT INTO ppd_round_door (round_id, door_id, position, revision, config_digest, blacklist_seq,
         new_key_version, card_key_version)
       VALUES (@roundId, @doorId, @position, @revision, @configDigest, @blacklistSeq, @newKeyVersion, @cardKeyVersion)`,
    );
    for (const d of r.doors) door.run({ roundId: r.roundId, ...d });
  }

  round(roundId: string): RoundRecord | undefined {
    const row = this.db.prepare('SELECT * FROM ppd_round WHERE round_id = ?').get(roundId) as
      RoundRow | undefined;
    return row && this.toRound(row);
  }

  /** The PPD's newest round still loading for the same request, if any. */
  loadingRound(ppdSerial: string, request: string): RoundRecord | undefined {
    const row = this.db
      .prepare(
        `SELECT * FROM ppd_round WHERE ppd_serial = ? AND state = 'loading' AND request = ?
          ORDER BY created_at DESC, rowid DESC LIMIT 1`,
      )
      .get(ppdSerial, request) as RoundRow | undefined;
    return row && this.toRound(row);
  }

  /** The PPD's rounds in one of `states`. */
  roundsOf(ppdSerial: string, states: readonly RoundState[]): RoundRecord[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM ppd_round WHERE ppd_serial = ? AND state IN (SELECT value FROM json_each(?))
          ORDER BY created_at, rowid`,
      )
      .all(ppdSerial, JSON.stringify(states)) as RoundRow[];
    return rows.map((r) => this.toRound(r));
  }

  /** The newest rounds first. */
  recentRounds(limit: number): RoundRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM ppd_round ORDER BY created_at DESC, rowid DESC LIMIT ?')
      .all(limit) as RoundRow[];
    return rows.map((r) => this.toRound(r));
  }

  /** Moves a round to `state`; a round no longer loading lets go of its sealed bytes. */
  setRoundState(roundId: string, state: RoundState): void {
    this.db.prepare('UPDATE ppd_round SET state = ? WHERE round_id = ?').run(state, roundId);
    if (state !== 'loading') this.deleteSecret(roundSecret(roundId));
  }

  /** Forgets a secret entirely (every version): a round's bytes once loaded or replaced. */
  deleteSecret(purpose: SecretPurpose): void {
    this.db.prepare('DELETE FROM secret WHERE purpose = ?').run(purpose);
  }

  private toRound(r: RoundRow): RoundRecord {
    const doors = (
      this.db
        .prepare('SELECT * FROM ppd_round_door WHERE round_id = ? ORDER BY position')
        .all(r.round_id) as RoundDoorRow[]
    ).map((d): RoundDoor => ({
      doorId: d.door_id,
      position: d.position,
      revision: d.revision,
      configDigest: d.config_digest,
      blacklistSeq: d.blacklist_seq,
      newKeyVersion: d.new_key_version,
      cardKeyVersion: d.card_key_version,
    }));
    return {
      roundId: r.round_id,
      ppdSerial: r.ppd_serial,
      createdAt: r.created_at,
      createdBy: r.created_by,
      operatorId: r.operator_id,
      emergencyDoorId: r.emergency_door_id,
      state: r.state,
      request: r.request,
      revision: r.revision,
      blacklistSeq: r.blacklist_seq,
      digest: r.digest,
      totalBytes: r.total_bytes,
      doors,
    };
  }

  // Visits.

  /** Whether this visit was imported already (a PPD that lost its ack brings it again). */
  visitImported(roundId: string, doorId: number, visitedAt: string): boolean {
    return (
      this.db
        .prepare('SELECT 1 FROM lock_visit WHERE round_id = ? AND door_id = ? AND visited_at = ?')
        .get(roundId, doorId, visitedAt) !== undefined
    );
  }

  addVisit(v: VisitRecord, now: Date): void {
    this.db
      .prepare(
        `INSERT INTO lock_visit (round_id, door_id, door_name, ppd_serial, visited_at, outcome, error,
           lock_serial, audit_imported, imported_at)
         VALUES (@roundId, @doorId, @doorName, @ppdSerial, @visitedAt, @outcome, @error, @lockSerial,
           @auditImported, @importedAt)`,
      )
      .run({ ...v, importedAt: now.toISOString() });
  }

  visitsOf(roundId: string): VisitRecord[] {
    return (
      this.db
        .prepare('SELECT * FROM lock_visit WHERE round_id = ? ORDER BY visited_at, id')
        .all(roundId) as VisitRow[]
    ).map(toVisit);
  }
}
