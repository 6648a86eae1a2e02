import { SyncReply, type ReplicaCard } from './protocol.js';

/** Test data: a valid sync reply for two units' doors, with the overrides given. */
export function sampleSyncReply(o: Partial<SyncReply> & { revision: number }): SyncReply {
  const door = (doorId: number) => ({
    revision: o.revision,
    door: {
      doorId,
      zoneIds: [1],
      openMode: 'standard' as const,
      auth: { mode: 'card' as const },
      openSeconds: 5,
      extendedOpenSeconds: 20,
    },
    periods: [{ id: 1, rules: {} }],
    calendar: { id: 1, days: [] },
    blacklistSeq: 0,
  });
  return SyncReply.parse({
    timeZone: 'Europe/Zurich',
    keys: {
      siteId: 'site-1',
      keyVersion: 1,
      lock: '11'.repeat(16),
      update: '22'.repeat(16),
      uidRead: '33'.repeat(16),
    },
    doors: [door(1), door(2), door(3)],
    readers: [
      { unitId: 7, address: 0, doorId: 1, scbk: 'aa'.repeat(16) },
      { unitId: 7, address: 1, doorId: 2, scbk: 'ab'.repeat(16) },
      { unitId: 8, address: 0, doorId: 3, scbk: 'ac'.repeat(16) },
    ],
    units: [],
    cards: { full: true, upsert: [], remove: [] },
    blacklist: { full: true, entries: [], latestSeq: 0 },
    ...o,
  });
}

/** Test data: a live key's replica record. */
export function sampleCard(credentialId: number, revision: number): ReplicaCard {
  return {
    revision,
    uid: `04a1b2c3d4e5${credentialId.toString(16).padStart(2, '0')}`,
    credentialId,
    userId: 100 + credentialId,
    validFrom: null,
    validUntil: null,
    revalidateBy: null,
    rights: [{ kind: 'door', id: 1, periodId: 1 }],
    privileges: { office: false, privacyOverride: false, extendedOpening: false },
    pinHash: null,
    revalidationWindowSeconds: null,
    fingerTemplate: null,
  };
}
