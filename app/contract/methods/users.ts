import { z } from 'zod';
import { method, needs } from '../method.js';
import { DisplayName, NoParams, Timestamp, Version, listQuery, page } from '../schemas.js';
import { OperationId } from './operations.js';

const Id = z.number().int().positive();

// eslint-disable-next-line no-control-regex
const unprintable = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** Trimmed text of `min` to `max` characters, nothing unprintable. */
function text(max: number, min = 0) {
  return z
    .string()
    .trim()
    .min(min, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !unprintable.test(s), 'must not contain control characters');
}

function unique(ids: readonly number[]): boolean {
  return new Set(ids).size === ids.length;
}

/** Most access levels one user holds. */
export const MAX_USER_ACCESS_LEVELS = 1_000;
/** Most users one bulk update changes. */
export const MAX_BULK_USERS = 1_000;
/** The largest CSV file users.importCsv reads (50 MiB). */
export const MAX_CSV_BYTES = 50 * 1024 * 1024;
/**
 * The largest users.importCsv request: the file in base64 (4/3 of its size) or as JSON-escaped text
 * (a little more than its size, unless it is full of control characters) with room for the rest.
 */
export const MAX_IMPORT_REQUEST_BYTES = 2 * MAX_CSV_BYTES + 64 * 1024;
/** The longest CSV field accepted. */
export const MAX_CSV_FIELD = 10_000;
/** How many row errors users.importCsv returns at most (`errorCount` has them all). */
export const MAX_IMPORT_ERRORS = 1_000;

/** A cardholder's first name (may be empty). */
export const FirstName = text(100);
/** A cardholder's last name. */
export const LastName = DisplayName;
/** A badge or employee number, unique in the site regardless of case. */
export const Identifier = text(64, 1);
/** A department. */
export const Department = text(100);
/** Free notes about a cardholder. */
export const Notes = z.string().max(2_000, 'must be at most 2000 characters');
/** A PIN for card+PIN doors. Write-only: stored as an Argon2id hash, never returned. */
export const Pin = z.string().regex(/^[0-9]{4,8}$/, 'must be 4 to 8 digits');
/** Access level ids: existing ones, no repeats. */
export const AccessLevelIds = z
  .array(Id)
  .max(MAX_USER_ACCESS_LEVELS)
  .refine(unique, 'must not repeat an access level');

/** What a cardholder's keys let them do beyond opening. */
export const Privileges = z.object({
  office: z.boolean().describe('may toggle office mode (the door stays open until toggled again)'),
  privacyOverride: z.boolean().describe('opens a door whose privacy latch is set from inside'),
  extendedOpening: z.boolean().describe("gets the door's extended opening time"),
});
/** What a cardholder's keys let them do beyond opening. */
export type Privileges = z.infer<typeof Privileges>;

/** How often an update point must refresh a key (hours, at most a year). */
export const RevalidationHours = z
  .number()
  .int()
  .min(1)
  .max(8_760)
  .describe('the key stops unless an update point refreshes it within this many hours');

/** Where a key is in its life. `expired` is computed from `expiresAt` when it is read. */
export const KeyStatus = z.enum(['issued', 'needs-update', 'cancelled', 'expired']);
/** Where a key is in its life. */
export type KeyStatus = z.infer<typeof KeyStatus>;

/** A key (a card, identified by its UID); its id is what blacklists carry. */
export const Key = z.object({
  id: Id,
  userId: Id.nullable().describe('null once the user was deleted (the key stays for its blacklist entry)'),
  uid: z.string().describe('the card UID, upper-case hex'),
  status: KeyStatus,
  expiresAt: Timestamp.nullable(),
  revalidationHours: z.number().int().nullable(),
  revalidatedAt: Timestamp.nullable(),
  revalidateBy: Timestamp.nullable().describe('an update point must refresh the key before this or it stops'),
  issuedAt: Timestamp,
  cancelledAt: Timestamp.nullable(),
  blacklistSeq: z.number().int().nullable().describe('its blacklist entry, until compacted'),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: Version,
});
/** A key. */
export type Key = z.infer<typeof Key>;

/** A cardholder (the product calls them users). */
export const User = z.object({
  id: Id,
  firstName: z.string(),
  lastName: z.string(),
  identifier: z.string().nullable(),
  department: z.string(),
  validFrom: Timestamp.nullable(),
  validUntil: Timestamp.nullable(),
  pinSet: z.boolean(),
  fingerprintEnrolled: z
    .boolean()
    .describe('a fingerprint is enrolled (users.enrollFingerprint): card + fingerprint doors check it'),
  privileges: Privileges,
  notes: z.string(),
  accessLevelIds: z.array(Id),
  activeKeys: z.number().int().nonnegative().describe('keys issued or needing an update, not expired'),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: Version,
});
/** A cardholder. */
export type User = z.infer<typeof User>;

/** A cardholder with their keys. */
export const UserDetail = User.extend({ keys: z.array(Key) });
/** A cardholder with their keys. */
export type UserDetail = z.infer<typeof UserDetail>;

/** The site's blacklist: how full, what compaction would free, and when it fills at the current rate. */
export const BlacklistStatus = z.object({
  entries: z.number().int().nonnegative(),
  capacity: z.number().int().positive(),
  latestSeq: z.number().int().nonnegative().describe('the newest sequence number ever given (never reused)'),
  compactable: z.number().int().nonnegative().describe('entries whose key expired more than the margin ago'),
  forecast: z.object({
    perDay: z.number().nonnegative().describe('cancellations per day over the last 30 days'),
    fullInDays: z.number().int().nonnegative().nullable().describe('null: no cancellations lately'),
  }),
});
/** The blacklist's state. */
export type BlacklistStatus = z.infer<typeof BlacklistStatus>;

/** One problem found in an imported CSV row. */
export const ImportError = z.object({
  row: z.number().int().positive().describe('the line the record starts on (the header is line 1)'),
  field: z.string().nullable().describe('the column, or null for the whole row'),
  message: z.string(),
});
/** One problem found in an imported CSV row. */
export type ImportError = z.infer<typeof ImportError>;

const validOrder = (p: { validFrom?: string | null; validUntil?: string | null }) =>
  !p.validFrom || !p.validUntil || Date.parse(p.validFrom) < Date.parse(p.validUntil);
const afterFrom = { message: 'must be after validFrom', path: ['validUntil'] };

const ListFilters = {
  department: z.string().trim().max(100).optional().describe('exactly this department (any case)'),
  accessLevelId: Id.optional().describe('users holding this access level'),
  validity: z
    .enum(['active', 'expired', 'not-yet-valid'])
    .optional()
    .describe('by validFrom / validUntil against now'),
  hasKey: z.boolean().optional().describe('with (true) or without (false) an active key'),
};

const userList = listQuery(['lastName', 'firstName', 'identifier', 'department', 'updatedAt']).extend({
  search: z
    .string()
    .trim()
    .max(100)
    .optional()
    .describe(
      'every word must occur in the first or last name, identifier or department (case-insensitive; accents ignored from 3 characters)',
    ),
  ...ListFilters,
});

/** Cardholders ("users"), their keys, the blacklist and CSV import/export. */
export const userMethods = {
  'users.list': method({
    summary: 'Lists users: search as you type, filters, sorting and paging.',
    params: userList,
    result: page(User),
    access: needs('users:read'),
    effect: 'read',
    example: { search: 'love', validity: 'active', sort: 'lastName', limit: 20 },
  }),
  'users.get': method({
    summary: 'Returns one user with their access level ids and keys.',
    params: z.strictObject({ id: Id }),
    result: UserDetail,
    access: needs('users:read'),
    effect: 'read',
    example: { id: 1 },
  }),
  'users.create': method({
    summary:
      'Creates a user; access levels must exist (and lie inside the caller’s partition); the PIN is write-only.',
    params: z
      .strictObject({
        firstName: FirstName.default(''),
        lastName: LastName,
        identifier: Identifier.optional(),
        department: Department.default(''),
        validFrom: Timestamp.nullable().default(null),
        validUntil: Timestamp.nullable().default(null),
        pin: Pin.optional(),
        privileges: z
          .strictObject({
            office: z.boolean().default(false),
            privacyOverride: z.boolean().default(false),
            extendedOpening: z.boolean().default(false),
          })
          .default({ office: false, privacyOverride: false, extendedOpening: false }),
        notes: Notes.default(''),
        accessLevelIds: AccessLevelIds.default([]),
      })
      .refine(validOrder, afterFrom),
    result: UserDetail,
    access: needs('users:write'),
    effect: 'write',
    example: {
      firstName: 'Ada',
      lastName: 'Lovelace',
      identifier: 'E-1001',
      department: 'Engineering',
      validUntil: '2027-12-31T23:00:00.000Z',
      pin: '4711',
      privileges: { extendedOpening: true },
    },
  }),
  'users.update': method({
    summary:
      'Changes a user (accessLevelIds replaces the set; pin null clears it); fails with CONFLICT on a stale version. Marks their issued keys needs-update when access, validity or privileges change.',
    params: z
      .strictObject({
        id: Id,
        version: Version,
        firstName: FirstName.optional(),
        lastName: LastName.optional(),
        identifier: Identifier.nullable().optional(),
        department: Department.optional(),
        validFrom: Timestamp.nullable().optional(),
        validUntil: Timestamp.nullable().optional(),
        pin: Pin.nullable().optional(),
        privileges: z
          .strictObject({
            office: z.boolean().optional(),
            privacyOverride: z.boolean().optional(),
            extendedOpening: z.boolean().optional(),
          })
          .optional(),
        notes: Notes.optional(),
        accessLevelIds: AccessLevelIds.optional(),
      })
      .refine(validOrder, afterFrom),
    result: UserDetail,
    access: needs('users:write'),
    effect: 'write',
    example: { id: 1, version: 0, department: 'Research', accessLevelIds: [] },
  }),
  'users.delete': method({
    summary:
      'Deletes a user; fails with CONFLICT on a stale version, or (reason "has keys") while they hold a key that is neither cancelled nor expired.',
    params: z.strictObject({ id: Id, version: Version }),
    result: z.object({ deleted: z.literal(true) }),
    access: needs('users:write'),
    effect: 'write',
    example: { id: 1, version: 0 },
  }),
  'users.bulkUpdate': method({
    summary: `Changes up to ${MAX_BULK_USERS} users at once, all or nothing, audited as one entry.`,
    params: z.strictObject({
      ids: z.array(Id).min(1).max(MAX_BULK_USERS).refine(unique, 'must not repeat a user'),
      changes: z
        .strictObject({
          department: Department.optional(),
          addAccessLevelIds: AccessLevelIds.optional(),
          removeAccessLevelIds: AccessLevelIds.optional(),
          validUntil: Timestamp.nullable().optional(),
        })
        .refine((c) => Object.values(c).some((v) => v !== undefined), 'name at least one change')
        .refine(
          (c) => !(c.addAccessLevelIds ?? []).some((id) => (c.removeAccessLevelIds ?? []).includes(id)),
          { message: 'must not also be added', path: ['removeAccessLevelIds'] },
        ),
    }),
    result: z.object({ updated: z.number().int().nonnegative() }),
    access: needs('users:write'),
    effect: 'write',
    example: { ids: [1, 2], changes: { department: 'Finance', validUntil: '2027-06-30T22:00:00.000Z' } },
  }),
  'users.importCsv': method({
    summary:
      'Imports users from CSV (header: firstName,lastName,identifier,department,validFrom,validUntil,accessLevels,notes); reports each bad row.',
    params: z.strictObject({
      csv: z
        .string()
        .max(Math.ceil(MAX_CSV_BYTES / 3) * 4)
        .describe(`the file, at most ${MAX_CSV_BYTES} bytes: UTF-8 text, or its bytes in base64`),
      encoding: z
        .enum(['text', 'base64'])
        .default('text')
        .describe('base64 lets the service report bytes that are not UTF-8, row by row'),
      mode: z
        .enum(['all-or-nothing', 'valid-rows'])
        .describe('all-or-nothing writes nothing if any row is bad; valid-rows imports the good ones'),
      dryRun: z.boolean().default(false).describe('check everything, write nothing'),
      operationId: OperationId.optional().describe(
        'names the import for operation.progress events and operations.cancel',
      ),
    }),
    maxRequestBytes: MAX_IMPORT_REQUEST_BYTES,
    result: z.object({
      rows: z.number().int().nonnegative().describe('data rows read'),
      imported: z.number().int().nonnegative().describe('users created (or that would be, in a dry run)'),
      dryRun: z.boolean(),
      errors: z.array(ImportError).describe(`the first ${MAX_IMPORT_ERRORS}`),
      errorCount: z.number().int().nonnegative(),
    }),
    access: needs('users:write'),
    effect: 'write',
    example: {
      csv: 'firstName,lastName,identifier,department,validUntil\nAda,Lovelace,E-1001,Engineering,2027-12-31T23:00:00Z\n',
      mode: 'all-or-nothing',
      dryRun: true,
    },
  }),
  'users.exportCsv': method({
    summary: 'Exports the users matching the users.list filters as CSV that users.importCsv reads back.',
    params: userList.omit({ limit: true, offset: true }),
    result: z.object({ csv: z.string(), rows: z.number().int().nonnegative() }),
    access: needs('users:read'),
    effect: 'read',
    example: { department: 'Engineering' },
  }),
  'keys.list': method({
    summary: 'Lists keys, by user and status; search matches the UID.',
    params: listQuery(['issuedAt', 'id']).extend({
      userId: Id.optional(),
      status: KeyStatus.optional(),
    }),
    result: page(Key),
    access: needs('users:read'),
    effect: 'read',
    example: { userId: 1, status: 'issued' },
  }),
  'keys.issue': method({
    summary: 'Issues a key (a card by its UID) to a user.',
    params: z.strictObject({
      userId: Id,
      uid: z
        .string()
        .regex(/^(?:[0-9A-Fa-f]{8}|[0-9A-Fa-f]{14})$/, 'must be a 4- or 7-byte UID: 8 or 14 hex digits'),
      expiresAt: Timestamp.optional(),
      revalidationHours: RevalidationHours.optional(),
    }),
    result: Key,
    access: needs('keys:encode'),
    effect: 'write',
    example: { userId: 1, uid: '04A2B3C4D5E6F7', revalidationHours: 168 },
  }),
  'keys.cancel': method({
    summary:
      'Cancels a key and blacklists it with the next sequence number; CONFLICT "blacklist full" when it must be compacted first.',
    params: z.strictObject({ id: Id, version: Version }),
    result: Key,
    access: needs('keys:encode'),
    effect: 'write',
    example: { id: 1, version: 0 },
  }),
  'keys.revalidate': method({
    summary: 'Records that an update point refreshed a key: revalidated now, status issued.',
    params: z.strictObject({ id: Id }),
    result: Key,
    access: needs('keys:encode'),
    effect: 'write',
    example: { id: 1 },
  }),
  'blacklist.status': method({
    summary: 'How full the blacklist is, what compaction would remove and when it fills at the current rate.',
    params: NoParams,
    result: BlacklistStatus,
    access: needs('users:read'),
    effect: 'read',
    example: {},
  }),
  'blacklist.compact': method({
    summary: 'Removes the entries of keys that expired more than the margin ago (no door can accept them).',
    params: NoParams,
    result: z.object({ removed: z.number().int().nonnegative(), entries: z.number().int().nonnegative() }),
    access: needs('users:write'),
    effect: 'write',
    example: {},
  }),
};
