// Fixtures of the devices screens' component tests (not part of the console build).
import type { Device } from '../../../../app/contract/methods/devices.js';
import type { ResultOf } from '../../../../app/contract/index.js';

const at = '2030-03-01T09:30:00.000Z';

/** The site's gateway, online, up to date. */
export const gateway: Device = {
  id: 1,
  kind: 'gateway',
  name: 'GW basement',
  gatewayId: null,
  readers: [],
  paired: true,
  pairingExpiresAt: null,
  pairedAt: at,
  online: true,
  lastSeen: '2030-03-01T10:15:00.000Z',
  address: '10.0.0.20:51820',
  softwareVersion: '1.4.0',
  revision: 12,
  currentRevision: 12,
  pendingEvents: 0,
  clockOffsetMs: 1500,
  readerStates: [],
  doorStates: [],
  refused: { forged: 3, replayed: 1, malformed: 0 },
  createdAt: at,
  updatedAt: at,
  version: 2,
};

/** A control unit behind the gateway, two revisions behind, one reader secure and one tampered. */
export const controlUnit: Device = {
  ...gateway,
  id: 2,
  kind: 'control-unit',
  name: 'CU main entrance',
  gatewayId: 1,
  readers: [
    { address: 0, doorId: 7 },
    { address: 1, doorId: 8 },
  ],
  address: null,
  revision: 10,
  pendingEvents: 4,
  clockOffsetMs: -250,
  readerStates: [
    { address: 0, doorId: 7, online: true, secure: true, identity: null, refused: 0, tamper: false },
    { address: 1, doorId: 8, online: true, secure: false, identity: null, refused: 2, tamper: true },
  ],
  doorStates: [{ doorId: 7, unlocked: false, open: false, office: false, lockdown: true }],
  refused: {},
  version: 5,
};

/** A control unit registered but not paired yet, its code outstanding. */
export const waiting: Device = {
  ...controlUnit,
  id: 3,
  name: 'CU loading bay',
  gatewayId: null,
  readers: [],
  paired: false,
  pairedAt: null,
  pairingExpiresAt: '2030-03-01T11:00:00.000Z',
  online: false,
  lastSeen: null,
  softwareVersion: null,
  revision: null,
  pendingEvents: null,
  clockOffsetMs: null,
  readerStates: [],
  doorStates: [],
  version: 0,
};

/** The Service's end of the link. */
export const link: ResultOf<'devices.list'>['link'] = {
  listening: true,
  host: '0.0.0.0',
  port: 51820,
  publicKey: 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90',
  refused: { 'bad-mac1': 7 },
  revision: 12,
};

/** A fresh pairing code. */
export const pairing: ResultOf<'devices.pair'> = {
  code: 'K7QX-2M9D-HV4T-8RZC',
  expiresAt: '2030-03-01T11:00:00.000Z',
  service: { port: 51820, publicKey: link.publicKey },
};
