// Fixtures of the offline locks screen's component tests (not part of the console build).
import type { OfflineLock, PpdStatus, RoundSummary } from '../../../../app/contract/methods/locks.js';

const at = '2030-03-01T09:30:00.000Z';

/** A lock visited lately, up to date: needs nothing. */
export const storeRoom: OfflineLock = {
  doorId: 11,
  doorName: 'Store room',
  serial: 'OL-0001',
  firmware: '2.1.0',
  initialisedAt: '2030-01-10T08:00:00.000Z',
  lastVisitAt: at,
  keyVersion: 1,
  revision: 12,
  currentRevision: 12,
  blacklistSeq: 40,
  currentBlacklistSeq: 40,
  blacklistSize: 40,
  blacklistCapacity: 500,
  battery: 85,
  clockDriftSeconds: 0,
  auditSeq: 310,
  needs: [],
  inRound: null,
};

/** A lock behind on everything: configuration, blacklist, clock, battery. */
export const archive: OfflineLock = {
  ...storeRoom,
  doorId: 12,
  doorName: 'Archive',
  serial: 'OL-0002',
  revision: 10,
  blacklistSeq: 37,
  battery: 12,
  clockDriftSeconds: 95,
  needs: ['configuration', 'blacklist', 'clock', 'battery'],
};

/** A lock installed but never visited by a PPD. */
export const newLock: OfflineLock = {
  ...storeRoom,
  doorId: 13,
  doorName: 'Plant room',
  serial: null,
  firmware: null,
  initialisedAt: null,
  lastVisitAt: null,
  keyVersion: 0,
  revision: 0,
  blacklistSeq: 0,
  blacklistSize: 0,
  blacklistCapacity: null,
  battery: null,
  clockDriftSeconds: null,
  auditSeq: 0,
  needs: ['never-initialised'],
};

/** A lock whose blacklist no longer fits the site's. */
export const fullLock: OfflineLock = {
  ...storeRoom,
  doorId: 14,
  doorName: 'Server room',
  serial: 'OL-0004',
  blacklistSeq: 30,
  blacklistSize: 64,
  blacklistCapacity: 64,
  clockDriftSeconds: -4,
  needs: ['blacklist', 'blacklist-full'],
  inRound: 'R-2030-0002',
};

/** A PPD paired with this site, carrying nothing. */
export const ppdReady: PpdStatus = {
  path: '/dev/ttyUSB0',
  serial: 'PPD-7781',
  firmware: '1.3.2',
  paired: 'this-site',
  round: null,
  resultsPending: 0,
  battery: 76,
};

/** A round loaded and synced, the oldest. */
export const roundSynced: RoundSummary = {
  roundId: 'R-2030-0001',
  ppdSerial: 'PPD-7781',
  createdAt: '2030-02-20T08:00:00.000Z',
  createdBy: 'tech',
  doorIds: [11, 12],
  emergencyDoorId: null,
  state: 'synced',
  visits: [
    {
      doorId: 11,
      doorName: 'Store room',
      outcome: 'updated',
      error: null,
      visitedAt: '2030-02-20T09:00:00.000Z',
      auditImported: 5,
    },
    {
      doorId: 12,
      doorName: 'Archive',
      outcome: 'failed',
      error: 'The lock refused the PPD’s key: initialise it again',
      visitedAt: '2030-02-20T09:10:00.000Z',
      auditImported: 0,
    },
  ],
};

/** A round out on its way, newer, with an emergency opening. */
export const roundOut: RoundSummary = {
  roundId: 'R-2030-0002',
  ppdSerial: 'PPD-7781',
  createdAt: '2030-03-01T08:00:00.000Z',
  createdBy: 'tech',
  doorIds: [14],
  emergencyDoorId: 14,
  state: 'loaded',
  visits: [],
};
