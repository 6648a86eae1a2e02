import type { DeviceKind } from '../devices/protocol.js';
import type { SecretPurpose } from './secrets.js';
import type { Db } from './sqlite.js';

/**
 * Gateways and control units (migration 8): their records, readers and enrolment state. The secrets
 * that go with a device (its outstanding pairing code, its link psk) live in the site's secret store
 * under the names below; this repository only removes them (SecretStore seals and opens).
 */

/** The secret holding a device's outstanding pairing code. */
export const pairingCodeSecret = (deviceId: number): SecretPurpose => `device-pairing:${deviceId}`;
/** The secret holding a device's link psk (from its enrolment). */
export const devicePskSecret = (deviceId: number): SecretPurpose => `device-psk:${deviceId}`;
/** The secret holding the Service's own link static key. */
export const LINK_STATIC_KEY_SECRET: SecretPurpose = 'link-static-key';

/** A device as stored. */
export interface DeviceRecord {
  id: number;
  kind: DeviceKind;
  name: string;
  gatewayId: number | null;
  publicKey: Buffer | null;
  pairedAt: string | null;
  pairingExpiresAt: string | null;
  lastSeenAt: string | null;
  address: string | null;
  listenPort: number | null;
  softwareVersion: string | null;
  eventsHighWater: number;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** A wall reader of a control unit. */
export interface ReaderRecord {
  deviceId: number;
  address: number;
  doorId: number;
}

interface Row {
  id: number;
  kind: DeviceKind;
  name: string;
  gateway_id: number | null;
  public_key: Buffer | null;
  paired_at: string | null;
  pairing_expires_at: string | null;
  last_seen_at: string | null;
  address: string | null;
  listen_port: number | null;
  software_version: string | null;
  events_high_water: number;
  created_at: string;
  updated_at: string;
  version: number;
}

const record = (r: Row): DeviceRecord => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  gatewayId: r.gateway_id,
  publicKey: r.public_key,
  pairedAt: r.paired_at,
  pairingExpiresAt: r.pairing_expires_at,
  lastSeenAt: r.last_seen_at,
  address: r.address,
  listenPort: r.listen_port,
  softwareVersion: r.software_version,
  eventsHighWater: r.events_high_water,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  version: r.version,
});

export class DeviceRepo {
  constructor(private readonly db: Db) {}

  list(): DeviceRecord[] {
    return (this.db.prepare('SELECT * FROM device ORDER BY name COLLATE NOCASE, id').all() as Row[]).map(
      record,
    );
  }

  byId(id: number): DeviceRecord | undefined {
    const r = this.db.prepare('SELECT * FROM device WHERE id = ?').get(id) as Row | undefined;
    return r && record(r);
  }

  byName(name: string): DeviceRecord | undefined {
    const r = this.db.prepare('SELECT * FROM device WHERE name = ?').get(name) as Row | undefined;
    return r && record(r);
  }

  byPublicKey(key: Uint8Array): DeviceRecord | undefined {
    const r = this.db.prepare('SELECT * FROM device WHERE public_key = ?').get(Buffer.from(key)) as
      Row | undefined;
    return r && record(r);
  }

  /** The control units reporting through a gateway. */
  unitsOf(gatewayId: number): DeviceRecord[] {
    return (
      this.db.prepare('SELECT * FROM device WHERE gateway_id = ? ORDER BY id').all(gatewayId) as Row[]
    ).map(record);
  }

  /** Devices with an outstanding pairing code (not yet expired at `now`). */
  pairing(now: Date): DeviceRecord[] {
    return (
      this.db
        .prepare('SELECT * FROM device WHERE pairing_expires_at > ? ORDER BY id')
        .all(now.toISOString()) as Row[]
    ).map(record);
  }

  /** Devices with a pinned key. */
  paired(): DeviceRecord[] {
    return (
      this.db.prepare('SELECT * FROM device WHERE public_key IS NOT NULL ORDER BY id').all() as Row[]
    ).map(record);
  }

  create(d: { kind: DeviceKind; name: string; gatewayId: number | null }, now: Date): number {
    const at = now.toISOString();
    return Number(
      this.db
        .prepare('INSERT INTO device (kind, name, gateway_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
        .run(d.kind, d.name, d.gatewayId, at, at).lastInsertRowid,
    );
  }

  /** Renames (when given) and bumps the version; false when the version is stale. */
  update(id: number, version: number, fields: { name?: string | undefined }, now: Date): boolean {
    return (
      this.db
        .prepare(
          `UPDATE device SET name = coalesce(?, name), updated_at = ?, version = version + 1
            WHERE id = ? AND version = ?`,
        )
        .run(fields.name ?? null, now.toISOString(), id, version).changes === 1
    );
  }

  /** Records a new outstanding pairing code's expiry (the code itself is a secret). */
  startPairing(id: number, expiresAt: Date, now: Date, bumpVersion = true): void {
    this.db
      .prepare('UPDATE device SET pairing_expires_at = ?, updated_at = ?, version = version + ? WHERE id = ?')
      .run(expiresAt.toISOString(), now.toISOString(), bumpVersion ? 1 : 0, id);
  }

  /** Pins the key a device enrolled with and ends its pairing. */
  pin(
    id: number,
    e: { publicKey: Buffer; address: string; listenPort: number | null; softwareVersion: string },
    now: Date,
  ): void {
    const at = now.toISOString();
    this.db
      .prepare(
        `UPDATE device SET public_key = ?, paired_at = ?, pairing_expires_at = NULL, address = ?, listen_port = ?,
                software_version = ?, last_seen_at = ?, updated_at = ?, version = version + 1
          WHERE id = ?`,
      )
      .run(e.publicKey, at, e.address, e.listenPort, e.softwareVersion, at, at, id);
  }

  /** Notes when and where a device was last heard from (no version bump: it is not an edit). */
  touch(id: number, seenAt: Date, address: string | null, softwareVersion: string | null): void {
    this.db
      .prepare(
        `UPDATE device SET last_seen_at = ?, address = coalesce(?, address),
                software_version = coalesce(?, software_version) WHERE id = ?`,
      )
      .run(seenAt.toISOString(), address, softwareVersion, id);
  }

  highWater(id: number): number {
    return (
      (this.db.prepare('SELECT events_high_water FROM device WHERE id = ?').pluck().get(id) as number) ?? 0
    );
  }

  setHighWater(id: number, mark: number): void {
    this.db.prepare('UPDATE device SET events_high_water = ? WHERE id = ?').run(mark, id);
  }

  /** Deletes the device (its readers go with it) and its secrets. */
  remove(id: number): boolean {
    this.deleteSecret(pairingCodeSecret(id));
    this.deleteSecret(devicePskSecret(id));
    return this.db.prepare('DELETE FROM device WHERE id = ?').run(id).changes === 1;
  }

  /** Forgets a secret entirely (every version): a used pairing code, the psk of a removed device. */
  deleteSecret(purpose: SecretPurpose): void {
    this.db.prepare('DELETE FROM secret WHERE purpose = ?').run(purpose);
  }

  readers(deviceId: number): ReaderRecord[] {
    return (
      this.db
        .prepare('SELECT device_id, address, door_id FROM device_reader WHERE device_id = ? ORDER BY address')
        .all(deviceId) as { device_id: number; address: number; door_id: number }[]
    ).map((r) => ({ deviceId: r.device_id, address: r.address, doorId: r.door_id }));
  }

  allReaders(): ReaderRecord[] {
    return (
      this.db
        .prepare('SELECT device_id, address, door_id FROM device_reader ORDER BY device_id, address')
        .all() as {
        device_id: number;
        address: number;
        door_id: number;
      }[]
    ).map((r) => ({ deviceId: r.device_id, address: r.address, doorId: r.door_id }));
  }

  /** Replaces a control unit's readers (only the rows that differ are written, so the feed names real changes). */
  setReaders(deviceId: number, readers: readonly { address: number; doorId: number }[]): void {
    const before = new Map(this.readers(deviceId).map((r) => [r.address, r.doorId]));
    const after = new Map(readers.map((r) => [r.address, r.doorId]));
    const del = this.db.prepare('DELETE FROM device_reader WHERE device_id = ? AND address = ?');
    for (const [address, doorId] of before) if (after.get(address) !== doorId) del.run(deviceId, address);
    const ins = this.db.prepare('INSERT INTO device_reader (device_id, address, door_id) VALUES (?, ?, ?)');
    for (const [address, doorId] of after)
      if (before.get(address) !== doorId) ins.run(deviceId, address, doorId);
  }

  /** The reader (and its unit) of each door that has one, among `doorIds`. */
  readersOfDoors(
    doorIds: readonly number[],
  ): Map<number, ReaderRecord & { gatewayId: number | null; paired: boolean }> {
    const rows = this.db
      .prepare(
        `SELECT r.device_id, r.address, r.door_id, d.gateway_id, d.public_key IS NOT NULL AS paired
           FROM device_reader r JOIN device d ON d.id = r.device_id
          WHERE r.door_id IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify([...new Set(doorIds)])) as {
      device_id: number;
      address: number;
      door_id: number;
      gateway_id: number | null;
      paired: number;
    }[];
    return new Map(
      rows.map((r) => [
        r.door_id,
        {
          deviceId: r.device_id,
          address: r.address,
          doorId: r.door_id,
          gatewayId: r.gateway_id,
          paired: r.paired === 1,
        },
      ]),
    );
  }

  /** Which of `doorIds` are taken by a reader of another device than `exceptDevice`. */
  doorsTaken(
    doorIds: readonly number[],
    exceptDevice: number | null,
  ): { doorId: number; deviceId: number }[] {
    return (
      this.db
        .prepare(
          `SELECT door_id, device_id FROM device_reader
            WHERE door_id IN (SELECT value FROM json_each(?)) AND device_id IS NOT ?`,
        )
        .all(JSON.stringify([...new Set(doorIds)]), exceptDevice) as { door_id: number; device_id: number }[]
    ).map((r) => ({ doorId: r.door_id, deviceId: r.device_id }));
  }
}
