import { freshInOrder } from '../devices/event-sequence.js';
import type { WireEvent } from '../devices/protocol.js';
import type { DeviceRepo } from '../store/device-repo.js';
import type { NewAccessEvent, StoredAccessEvent } from '../store/event-repo.js';
import type { Db } from '../store/sqlite.js';
import type { EventLog } from './event-log.js';

/**
 * The events a device sends, into the site's event log exactly once and in order (event-sequence.ts):
 * the device's high-water mark is kept with its record and moves in the transaction that stores the
 * events. An event a gateway forwards for one of its control units is named after the unit and says
 * which gateway it came through.
 */
export class DeviceIntake {
  constructor(
    private readonly db: Db,
    private readonly repo: DeviceRepo,
    private readonly eventLog: EventLog,
  ) {}

  /** Stores the fresh events of a batch and the new mark in one transaction; publishes after the commit. */
  take(deviceId: number, batch: readonly WireEvent[]): number {
    let stored: StoredAccessEvent[] = [];
    const ack = this.db.transaction(() => {
      const device = this.repo.byId(deviceId);
      if (!device) throw new Error(`device ${deviceId} no longer exists`);
      const mark = device.eventsHighWater;
      const { fresh, highWater } = freshInOrder(mark, batch);
      if (fresh.length === 0) return mark;
      const names = new Map<number, string>([[device.id, device.name]]);
      if (device.kind === 'gateway') for (const u of this.repo.unitsOf(device.id)) names.set(u.id, u.name);
      const rows = fresh.map((e): NewAccessEvent => {
        const forwarded = e.origin !== device.id;
        return {
          at: e.at,
          kind: e.kind,
          doorId: e.doorId,
          userId: e.userId,
          credentialId: e.credentialId,
          reason: e.reason,
          source: names.get(e.origin) ?? `device ${e.origin}`,
          detail: forwarded ? { ...e.detail, via: device.name } : e.detail,
        };
      });
      stored = this.eventLog.store(rows);
      this.repo.setHighWater(device.id, highWater);
      return highWater;
    })();
    this.eventLog.publish(stored);
    return ack;
  }
}
