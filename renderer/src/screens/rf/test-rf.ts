// Fixtures of the RF locks screen's component tests (not part of the console build).
import type { Device } from '../../../../app/contract/methods/devices.js';
import type { RfLock } from '../../../../app/contract/methods/rf.js';

/** A lock joined, heard a moment ago with a strong link, up to date. */
export const lobby: RfLock = {
  doorId: 21,
  doorName: 'Lobby side door',
  unitId: 3,
  unitName: 'CU east wing',
  eui64: '00124B0001A2B3C4',
  state: 'joined',
  online: true,
  lastHeard: '2030-03-01T09:30:00.000Z',
  lqi: 220,
  battery: 90,
  revision: 7,
  blacklistSeq: 12,
  upToDate: true,
  publicKey: 'ab'.repeat(32),
};

/** A lock joined but unheard for a while, weak link, low battery, behind. */
export const cellar: RfLock = {
  ...lobby,
  doorId: 22,
  doorName: 'Cellar',
  eui64: '00124B0001A2B3C5',
  online: false,
  lastHeard: '2030-03-01T08:00:00.000Z',
  lqi: 40,
  battery: 11,
  revision: 6,
  upToDate: false,
};

/** A lock added, its join code not entered yet. */
export const waiting: RfLock = {
  ...lobby,
  doorId: 23,
  doorName: 'Roof hatch',
  eui64: '00124B0001A2B3C6',
  state: 'waiting-to-join',
  online: false,
  lastHeard: null,
  lqi: null,
  battery: null,
  revision: 0,
  blacklistSeq: 0,
  upToDate: false,
  publicKey: null,
};

/** A control unit, as devices.list answers it (only what the form reads matters). */
export const eastWing = {
  id: 3,
  kind: 'control-unit',
  name: 'CU east wing',
} as Device;

/** A gateway: not offered as an RF lock's unit. */
export const gateway = { id: 4, kind: 'gateway', name: 'GW main' } as Device;
