import { z } from 'zod';
import { method, needs } from '../method.js';
import { SPECIAL_DAY_TYPES, TimePeriodRules } from '../schedule-schemas.js';

const Id = z.number().int().positive();
const AuthMode = z.enum(['card', 'card+pin', 'card+biometric', 'pin+biometric']);
const EpochSeconds = z.number().int().describe('seconds since 1970-01-01T00:00:00Z');

/** One numbered change of the access model. */
export const Change = z.object({
  revision: z.number().int().positive(),
  entity: z.string().describe('the table: door, zone, access_level, cardholder, credential, blacklist, …'),
  entityId: z.number().int(),
  op: z.enum(['insert', 'update', 'delete']),
});

/** What one door needs to decide on its own, at a revision of the model. */
export const DoorTablesData = z.object({
  revision: z.number().int().nonnegative(),
  door: z.object({
    doorId: Id,
    zoneIds: z.array(Id).readonly(),
    openMode: z.enum(['standard', 'office', 'timed-office', 'lockdown']),
    officePeriodId: Id.optional(),
    auth: z.object({ mode: AuthMode, scheduled: z.object({ periodId: Id, mode: AuthMode }).optional() }),
    openSeconds: z.number().int(),
    extendedOpenSeconds: z.number().int(),
  }),
  periods: z.array(z.object({ id: Id, rules: TimePeriodRules })),
  calendar: z.object({
    id: Id,
    days: z.array(z.object({ date: z.string(), type: z.enum(SPECIAL_DAY_TYPES) })),
  }),
  blacklistSeq: z.number().int().nonnegative(),
});

/** What a card carries for the decision, at a revision of the model. */
export const CardData = z.object({
  revision: z.number().int().nonnegative(),
  uid: z.string(),
  credentialId: Id,
  userId: Id,
  validFrom: EpochSeconds.nullable(),
  validUntil: EpochSeconds.nullable(),
  revalidateBy: EpochSeconds.nullable(),
  rights: z.array(z.object({ kind: z.enum(['door', 'zone']), id: Id, periodId: Id })).readonly(),
  privileges: z.object({ office: z.boolean(), privacyOverride: z.boolean(), extendedOpening: z.boolean() }),
});

/** The compiled model and its change feed, for devices and for checking what a device should hold. */
export const syncMethods = {
  'sync.changes': method({
    summary:
      'The access-model changes after a revision, oldest first (a device asks with the revision it holds).',
    params: z.strictObject({
      since: z.number().int().nonnegative(),
      limit: z.number().int().min(1).max(1000).default(500),
    }),
    result: z.object({
      revision: z.number().int().nonnegative(),
      changes: z.array(Change),
      more: z.boolean(),
    }),
    access: needs('doors:read'),
    effect: 'read',
    example: { since: 0, limit: 100 },
  }),
  'sync.doorTables': method({
    summary:
      'A door’s compiled tables: policy, the time periods that matter there, its calendar, the blacklist sequence.',
    params: z.strictObject({ doorId: Id }),
    result: DoorTablesData,
    access: needs('doors:read'),
    effect: 'read',
    example: { doorId: 1 },
  }),
  'sync.cardData': method({
    summary: 'What a key must carry: rights, validity, revalidation deadline, privileges.',
    params: z.strictObject({ credentialId: Id }),
    result: CardData,
    access: needs('users:read'),
    effect: 'read',
    example: { credentialId: 1 },
  }),
};
