import { z } from 'zod';
import { CARD_DENIAL_REASONS, DENIAL_REASONS } from '../deny-reasons.js';
import { method, needs } from '../method.js';
import { Timestamp } from '../schemas.js';
import { OperationId } from './operations.js';

/** What happened: a decision at a door, a door's own state, or a device or configuration notice. */
export const EVENT_KINDS = [
  'access-granted',
  'access-denied',
  'door-forced',
  'door-left-open',
  'door-closed',
  'device',
  'configuration',
] as const;
/** The kind of an access or device event. */
export const EventKind = z.enum(EVENT_KINDS);
/** The kind of an access or device event. */
export type EventKind = z.infer<typeof EventKind>;

/** The `reason` of a `configuration` event the console stores when an operator changes a key. */
export const KEY_CHANGE_REASONS = ['key-cancelled', 'key-revalidated'] as const;

const Id = z.number().int().positive();

/** One access or device event, with the names of its door and cardholder as they are now. */
export const AccessEvent = z.object({
  id: Id,
  at: Timestamp.describe('when it happened at the door (UTC), not when the Service heard of it'),
  kind: EventKind,
  doorId: Id.nullable(),
  doorName: z.string().nullable().describe('null when the event names no door or the door was deleted'),
  userId: Id.nullable(),
  userName: z
    .string()
    .nullable()
    .describe('"First Last"; null when the event names no cardholder or they were deleted'),
  credentialId: Id.nullable(),
  reason: z.string().nullable().describe('why access was denied (blacklisted, outside-time-period, …)'),
  source: z.string().describe('what reported it: a gateway, a control unit, a PPD download'),
  detail: z.record(z.string(), z.unknown()),
});
/** One access or device event. */
export type AccessEvent = z.infer<typeof AccessEvent>;

/** The filters events.list and events.exportCsv share. */
const eventFilter = z.strictObject({
  kinds: z.array(EventKind).min(1).max(EVENT_KINDS.length).optional(),
  doorId: Id.optional(),
  userId: Id.optional(),
  credentialId: Id.optional(),
  reason: z
    .string()
    .max(100)
    .optional()
    .describe(
      `exactly this reason: ${[...DENIAL_REASONS, ...CARD_DENIAL_REASONS].join(', ')} (access-denied); ${KEY_CHANGE_REASONS.join(', ')} (configuration)`,
    ),
  from: Timestamp.optional().describe('events at or after this instant'),
  to: Timestamp.optional().describe('events before this instant'),
});

/** The most events one CSV export holds: narrow the time range for more. */
export const MAX_EVENT_EXPORT_ROWS = 100_000;

/** The columns of an events CSV, in the order events.exportCsv writes them. */
export const EVENT_CSV_COLUMNS = [
  'at',
  'siteTime',
  'kind',
  'doorId',
  'door',
  'userId',
  'user',
  'keyId',
  'reason',
  'source',
  'detail',
] as const;

/** Access and device events: the site's history of who went where, and what the doors reported. */
export const eventMethods = {
  'events.list': method({
    summary: 'Reads access and device events, newest first by event time, with filters; page with `before`.',
    params: eventFilter.extend({
      before: Id.optional().describe('only events listed after this one (pass the previous `nextBefore`)'),
      limit: z.number().int().min(1).max(500).default(100),
    }),
    result: z.object({
      events: z.array(AccessEvent),
      nextBefore: Id.optional().describe('pass as `before` for the next page; absent on the last page'),
    }),
    access: needs('doors:read'),
    effect: 'read',
    example: {
      doorId: 1,
      kinds: ['access-denied', 'door-forced'],
      from: '2026-11-01T00:00:00Z',
      to: '2026-12-01T00:00:00Z',
      limit: 50,
    },
  }),
  'events.exportCsv': method({
    summary:
      `Exports the events matching the events.list filters as CSV, newest first, at most ${MAX_EVENT_EXPORT_ROWS.toLocaleString('en')} ` +
      'rows (narrow the time range for more). Audited: it copies who went where in bulk. With an `operationId` ' +
      'it reports progress and stops on operations.cancel with CANCELLED.',
    params: eventFilter.extend({
      maxRows: z
        .number()
        .int()
        .min(1)
        .max(MAX_EVENT_EXPORT_ROWS)
        .default(MAX_EVENT_EXPORT_ROWS)
        .describe('the newest this many events; `truncated` says whether more matched'),
      operationId: OperationId.optional().describe(
        'names the export for operation.progress events (rows written of those it will write) and operations.cancel',
      ),
    }),
    result: z.object({
      csv: z
        .string()
        .describe(
          `UTF-8 with a byte-order mark, CRLF line ends; columns ${EVENT_CSV_COLUMNS.join(', ')}: ` +
            '`at` in UTC, `siteTime` the same instant in the site time zone with its offset, `detail` as JSON',
        ),
      rows: z.number().int().nonnegative(),
      truncated: z.boolean().describe('more events matched than `maxRows`: only the newest are in the file'),
      timeZone: z.string().describe('the site time zone of the siteTime column'),
    }),
    access: needs('doors:read'),
    effect: 'read',
    example: {
      kinds: ['access-denied'],
      from: '2026-11-01T00:00:00Z',
      to: '2026-12-01T00:00:00Z',
    },
  }),
};

export {
  CARD_DENIAL_REASONS,
  DENIAL_REASONS,
  type CardDenialReason,
  type DenialReason,
} from '../deny-reasons.js';
