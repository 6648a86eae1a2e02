import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceStore } from './device-store.js';
import type { WireEvent } from './protocol.js';
import { sampleCard, sampleSyncReply } from './test-support.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-device-store-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const event = (origin: number, n: number): Omit<WireEvent, 'seq'> => ({
  origin,
  at: new Date(Date.UTC(2026, 11, 6, 10, 0, n)).toISOString(),
  kind: 'access-granted',
  doorId: 1,
  userId: null,
  credentialId: n,
  reason: null,
  detail: {},
});

describe('DeviceStore', () => {
  it('is encrypted: the file is unreadable without its key, and keeps the replica across a reopen', () => {
    const dir = tempDir();
    const key = randomBytes(32);
    const store = DeviceStore.open(dir, key);
    store.applySync(
      sampleSyncReply({ revision: 5, cards: { full: true, upsert: [sampleCard(1, 5)], remove: [] } }),
    );
    store.close();
    expect(fs.readFileSync(path.join(dir, 'device.db')).includes(Buffer.from('Europe/Zurich'))).toBe(false);
    expect(() => DeviceStore.open(dir, randomBytes(32))).toThrow(/does not decrypt/);
    const again = DeviceStore.open(dir, key);
    expect(again.syncParams()).toEqual({ revision: 5, blacklistSeq: 0 });
    expect(again.card(1)?.uid).toBe(sampleCard(1, 5).uid);
    again.close();
  });

  it('applies incremental replies and serves each unit only its doors and what changed after what it holds', () => {
    const store = DeviceStore.open(tempDir(), randomBytes(32));
    store.applySync(
      sampleSyncReply({
        revision: 10,
        cards: { full: true, upsert: [sampleCard(1, 10), sampleCard(2, 10)], remove: [] },
        blacklist: {
          full: true,
          entries: [{ seq: 1, credentialId: 9, expiresAt: 2_000_000_000 }],
          latestSeq: 1,
        },
      }),
    );
    store.applySync(
      sampleSyncReply({
        revision: 12,
        cards: { full: false, upsert: [sampleCard(3, 12)], remove: [2] },
        blacklist: {
          full: false,
          entries: [{ seq: 2, credentialId: 2, expiresAt: 2_000_000_000 }],
          latestSeq: 2,
        },
      }),
    );
    expect(store.card(2)).toBeUndefined();
    expect(store.blacklistEntries().map((e) => e.credentialId)).toEqual([9, 2]);

    const fresh = store.syncFor(7, { revision: 0, blacklistSeq: 0 })!;
    expect(fresh.doors.map((d) => d.door.doorId)).toEqual([1, 2]);
    expect(fresh.readers.every((r) => r.unitId === 7)).toBe(true);
    expect(fresh.cards.full).toBe(true);
    expect(fresh.cards.upsert.map((c) => c.credentialId)).toEqual([1, 3]);
    expect(fresh.blacklist).toMatchObject({ full: true, latestSeq: 2 });

    const behind = store.syncFor(8, { revision: 10, blacklistSeq: 1 })!;
    expect(behind.doors.map((d) => d.door.doorId)).toEqual([3]);
    expect(behind.cards).toEqual({ full: false, upsert: [sampleCard(3, 12)], remove: [2] });
    expect(behind.blacklist.entries.map((e) => e.seq)).toEqual([2]);

    const current = store.syncFor(8, { revision: 12, blacklistSeq: 2 })!;
    expect(current.cards).toEqual({ full: false, upsert: [], remove: [] });
    expect(current.blacklist.entries).toEqual([]);
    store.close();
  });

  it('keeps outbox events until acknowledged, across a reopen', () => {
    const dir = tempDir();
    const key = randomBytes(32);
    const store = DeviceStore.open(dir, key);
    store.enqueue([1, 2, 3].map((n) => event(4, n)));
    store.acknowledge(store.pending(1)[0]!.seq);
    store.close();
    const again = DeviceStore.open(dir, key);
    expect(again.pending(10).map((e) => e.credentialId)).toEqual([2, 3]);
    again.enqueue([event(4, 4)]);
    const seqs = again.pending(10).map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(3);
    again.close();
  });

  it("stores a unit's batch once, renumbered for the next hop, keeping its origin", () => {
    const store = DeviceStore.open(tempDir(), randomBytes(32));
    const batch = [1, 2, 3].map((n) => ({ ...event(7, n), seq: n }));
    expect(store.receiveFrom(7, batch)).toBe(3);
    expect(store.receiveFrom(7, batch)).toBe(3);
    expect(store.receiveFrom(7, [{ ...event(7, 5), seq: 5 }])).toBe(3);
    expect(store.receiveFrom(8, [{ ...event(8, 1), seq: 1 }])).toBe(1);
    const out = store.pending(10);
    expect(out.map((e) => [e.origin, e.credentialId])).toEqual([
      [7, 1],
      [7, 2],
      [7, 3],
      [8, 1],
    ]);
    store.close();
  });

  it('gives each unit behind a gateway its own RF network, RF locks and their doors', () => {
    const store = DeviceStore.open(tempDir(), randomBytes(32));
    const lock = (unitId: number, doorId: number, eui64: string) => ({
      unitId,
      doorId,
      eui64,
      lockKey: '5e'.repeat(16),
      joinKey: null,
      mobileKey: null,
    });
    store.applySync(
      sampleSyncReply({
        revision: 4,
        rfNetworks: [{ unitId: 7, networkKey: 'a1'.repeat(16), keyVersion: 1, panId: 0x1234 }],
        rfLocks: [lock(7, 3, '00124B0000000001'), lock(8, 2, '00124B0000000002')],
      }),
    );
    const forSeven = store.syncFor(7, { revision: 0, blacklistSeq: 0 })!;
    expect(forSeven.rf).toEqual({ networkKey: 'a1'.repeat(16), keyVersion: 1, panId: 0x1234 });
    expect(forSeven.rfLocks?.map((l) => l.eui64)).toEqual(['00124B0000000001']);
    // Door 3 has its reader on unit 8, but its RF lock on unit 7: its tables go to unit 7 too.
    expect(forSeven.doors.map((d) => d.door.doorId).sort()).toEqual([1, 2, 3]);
    expect(store.syncFor(8, { revision: 0, blacklistSeq: 0 })!.rf).toBeNull();
    store.close();
  });

  it('turns an RF lock’s audit records into events once, per lock memory', () => {
    const store = DeviceStore.open(tempDir(), randomBytes(32));
    const toEvent = (r: { seq: number }) => event(7, r.seq);
    const records = [{ seq: 1 }, { seq: 2 }, { seq: 3 }];
    expect(store.receiveRfRecords('00124B0000000001', 'LK-1', records, toEvent)).toBe(3);
    expect(
      store.receiveRfRecords('00124B0000000001', 'LK-1', [{ seq: 2 }, { seq: 3 }, { seq: 4 }], toEvent),
    ).toBe(4);
    expect(store.pendingCount()).toBe(4);
    // A lock whose memory started again (a new serial) numbers from 1 again: not taken for repeats.
    expect(store.receiveRfRecords('00124B0000000001', 'LK-2', [{ seq: 1 }], toEvent)).toBe(1);
    expect(store.pendingCount()).toBe(5);
    store.close();
  });
});
