import { z } from 'zod';
import { method, needs } from '../method.js';
import { NoParams, Timestamp } from '../schemas.js';

/**
 * RF locks: battery locks on doors of kind `rf` that talk over an 802.15.4-style radio to an RF node in a
 * control unit. The operator adds a lock with its EUI-64 and types the join code shown here into it; the
 * lock joins its control unit's RF network, after which the unit keeps its configuration and blacklist in
 * step and forwards its audit records as events.
 */

const Id = z.number().int().positive();

/** An IEEE EUI-64 as 16 hex digits (any case, `:` or `-` between bytes allowed on input; stored upper case). */
export const Eui64 = z
  .string()
  .trim()
  .regex(
    /^[0-9A-Fa-f]{2}([:-]?[0-9A-Fa-f]{2}){7}$/,
    'must be 16 hex digits (the lock’s EUI-64, printed on its label)',
  )
  .transform((s) => s.replace(/[:-]/g, '').toUpperCase());

/** The lifecycle of an RF lock on its network. */
export const RfLockState = z
  .enum(['waiting-to-join', 'joined'])
  .describe('waiting-to-join: type the join code into the lock; joined: it holds the network key');

/** An RF lock as the Service knows it, with what its control unit last reported of it. */
export const RfLock = z.object({
  doorId: Id,
  doorName: z.string(),
  unitId: Id.describe('the control unit whose RF node it talks to'),
  unitName: z.string(),
  eui64: z.string().describe('16 upper-case hex digits'),
  state: RfLockState,
  online: z.boolean().describe('its control unit heard it in the last 90 s'),
  lastHeard: Timestamp.nullable(),
  lqi: z.number().int().min(0).max(255).nullable().describe('link quality of the last frame heard, 0–255'),
  battery: z.number().int().min(0).max(100).nullable().describe('percent'),
  revision: z.number().int().describe('the configuration revision it holds (0: none yet)'),
  blacklistSeq: z.number().int().describe('the newest blacklist entry it holds'),
  upToDate: z.boolean().describe('it holds its door’s current configuration and the site’s newest blacklist'),
  publicKey: z.string().nullable().describe('its X25519 identity key (hex), once reported'),
});
export type RfLock = z.infer<typeof RfLock>;

/** A join code: the lock's one-time join key, to type into the lock. */
export const JoinCode = z.object({
  joinCode: z
    .string()
    .describe(
      '32 hex digits in groups of 4 (`lintel sim rflock --join CODE`, dashes optional); valid until the lock joins',
    ),
});

/** The RF lock methods. */
export const rfMethods = {
  'rf.locks.list': method({
    summary:
      'The RF locks (doors of kind rf), with their control unit, whether they joined, and what their unit last reported.',
    params: NoParams,
    result: z.object({ locks: z.array(RfLock) }),
    access: needs('doors:read'),
    effect: 'read',
    example: {},
  }),
  'rf.locks.add': method({
    summary:
      'Puts the lock with this EUI-64 on an rf door, served by a control unit, and returns its one-time join code. ' +
      'The door must be of kind rf and have no lock yet; the device must be a control unit; an EUI-64 is on one ' +
      'door only (CONFLICT).',
    params: z.strictObject({ doorId: Id, unitId: Id, eui64: Eui64 }),
    result: JoinCode,
    access: needs('settings:admin'),
    effect: 'write',
    example: { doorId: 5, unitId: 2, eui64: '00124B0001A2B3C4' },
  }),
  'rf.locks.rejoin': method({
    summary:
      'Issues a new join code for the lock of an rf door (a replaced or reset lock): it must join again, and the ' +
      'earlier code stops working.',
    params: z.strictObject({ doorId: Id }),
    result: JoinCode,
    access: needs('settings:admin'),
    effect: 'write',
    example: { doorId: 5 },
  }),
  'rf.locks.remove': method({
    summary: 'Forgets the lock of an rf door: its control unit stops serving it.',
    params: z.strictObject({ doorId: Id }),
    result: z.object({ removed: z.literal(true) }),
    access: needs('settings:admin'),
    effect: 'write',
    example: { doorId: 5 },
  }),
};
