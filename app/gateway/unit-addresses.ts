import type { DeviceStore } from '../devices/device-store.js';

/**
 * Where each unit was last heard from, kept in the gateway's encrypted store (a table of its own beside
 * the replica). A restarted gateway has no sessions, and a unit's link keeps using its old session until
 * it rekeys (up to two minutes): the gateway therefore calls each unit at its last address on start,
 * which makes a fresh handshake that replaces the unit's stale session at once.
 */
export class UnitAddresses {
  private readonly cache = new Map<number, string>();

  constructor(private readonly store: DeviceStore) {
    store.db.exec(
      'CREATE TABLE IF NOT EXISTS gateway_unit_address (unit_id INTEGER PRIMARY KEY, host TEXT NOT NULL, port INTEGER NOT NULL) STRICT',
    );
    const rows = store.db.prepare('SELECT unit_id, host, port FROM gateway_unit_address').all() as {
      unit_id: number;
      host: string;
      port: number;
    }[];
    for (const r of rows) this.cache.set(r.unit_id, JSON.stringify({ address: r.host, port: r.port }));
  }

  get(unitId: number): { address: string; port: number } | undefined {
    const v = this.cache.get(unitId);
    return v === undefined ? undefined : (JSON.parse(v) as { address: string; port: number });
  }

  /** Records the unit's address (a write only when it changed). */
  set(unitId: number, address: { address: string; port: number }): void {
    const value = JSON.stringify({ address: address.address, port: address.port });
    if (this.cache.get(unitId) === value) return;
    this.store.db
      .prepare(
        'INSERT INTO gateway_unit_address (unit_id, host, port) VALUES (?, ?, ?) ON CONFLICT(unit_id) DO UPDATE SET host = excluded.host, port = excluded.port',
      )
      .run(unitId, address.address, address.port);
    this.cache.set(unitId, value);
  }

  forget(unitId: number): void {
    if (!this.cache.delete(unitId)) return;
    this.store.db.prepare('DELETE FROM gateway_unit_address WHERE unit_id = ?').run(unitId);
  }
}
