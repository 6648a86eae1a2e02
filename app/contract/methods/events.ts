import { z } from 'zod';
import { method, needs } from '../method.js';
import { Timestamp } from '../schemas.js';

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

/** Access and device events: the site's history of who went where, and what the doors reported. */
export const eventMethods = {
  'events.list': method({
    summary: 'Reads access and device events, newest first by event time, with filters; page with `before`.',
    params: z.strictObject({
      before: Id.optional().describe('only events listed after this one (pass the previous `nextBefore`)'),
      limit: z.number().int().min(1).max(500).default(100),
      kinds: z.array(EventKind).min(1).max(EVENT_KINDS.length).optional(),
      doorId: Id.optional(),
      userId: Id.optional(),
      credentialId: Id.optional(),
      reason: z.string().max(100).optional(),
      from: Timestamp.optional().describe('events at or after this instant'),
      to: Timestamp.optional().describe('events before this instant'),
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
};
