// Fixtures of the mobile keys tests (not part of the console build).
import type { MobileKey, MobilePhone, RelayStatus } from '../../../../app/contract/methods/mobile.js';

const at = '2030-03-01T09:30:00.000Z';

/** Ada's phone, enrolled, with one key. */
export const pixel: MobilePhone = {
  phoneId: 'ph_pixel',
  userId: 7,
  label: 'Ada’s Pixel',
  enrolledAt: at,
  activeKeys: 1,
};

/** Ada's second phone. */
export const iphone: MobilePhone = { ...pixel, phoneId: 'ph_iphone', label: 'Work iPhone', activeKeys: 0 };

/** A key on its way, one on the phone, one lost by the relay, one revoked. */
export const sentKey: MobileKey = {
  credentialId: 41,
  userId: 7,
  phoneId: pixel.phoneId,
  phoneLabel: pixel.label,
  state: 'sent',
  issuedAt: at,
  notAfter: '2031-03-01T09:30:00.000Z',
  deliveredAt: null,
  revokedAt: null,
};
export const deliveredKey: MobileKey = {
  ...sentKey,
  credentialId: 40,
  state: 'delivered',
  deliveredAt: '2030-03-01T09:31:00.000Z',
};
export const lostKey: MobileKey = { ...sentKey, credentialId: 39, state: 'lost' };
export const revokedKey: MobileKey = {
  ...sentKey,
  credentialId: 38,
  phoneLabel: null,
  state: 'revoked',
  revokedAt: '2030-02-01T10:00:00.000Z',
};

/** A relay set up and answering. */
export const relayOk: RelayStatus = {
  configured: true,
  url: 'https://relay.example.com:8443',
  fingerprint: 'A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90',
  lastContactAt: at,
  lastError: null,
  lastErrorAt: null,
  enrolmentSeq: 3,
  deliverySeq: 5,
};

/** No relay yet. */
export const relayNone: RelayStatus = {
  configured: false,
  url: null,
  fingerprint: null,
  lastContactAt: null,
  lastError: null,
  lastErrorAt: null,
  enrolmentSeq: 0,
  deliverySeq: 0,
};
