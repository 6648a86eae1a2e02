import { z } from 'zod';
import type { Permission } from './permissions.js';
import { Site } from './methods/site.js';
import { OperationProgress } from './methods/operations.js';
import { AccessEvent } from './methods/events.js';
import { EncoderStatus } from './methods/encoder.js';
import { Device } from './methods/devices.js';
import { OfflineLock } from './methods/locks.js';
import { MobileChange } from './methods/mobile.js';

/**
 * One kind of live event: its payload schema and who receives it: every session holding `permission`,
 * or (`ownSession`) only the session whose call it is about. A `partitioned` topic is narrowed per
 * session to what the partition of its `permission` shows (as the matching list method reads it): a
 * session limited to part of the site receives only the part of each payload inside it, or nothing.
 */
export type EventSpec<P extends z.ZodType = z.ZodType> = { summary: string; payload: P } & (
  | { permission: Permission; partitioned?: boolean; ownSession?: never }
  | { ownSession: true; permission?: never; partitioned?: never }
);

/** Every live event the service publishes (SSE in the browser, `subscribe` over IPC). */
export const events = {
  'site.updated': {
    summary: 'The site settings changed.',
    payload: Site,
    permission: 'site:read',
  },
  'operation.progress': {
    summary: 'A long call of this session (named by its operationId) made progress.',
    payload: OperationProgress,
    ownSession: true,
  },
  'encoder.changed': {
    summary:
      'The NCoder was plugged in, unplugged, paired or became busy or ready (the card on it is not tracked: poll encoder.status).',
    payload: EncoderStatus,
    permission: 'keys:encode',
  },
  'devices.changed': {
    summary:
      'A gateway or control unit changed: registered, paired, removed, came online or went offline, or reported a new state.',
    payload: Device,
    permission: 'doors:read',
  },
  'locks.changed': {
    summary:
      'An offline lock changed: a PPD sync imported its visit, a round was loaded for it, or its door changed.',
    payload: OfflineLock,
    permission: 'doors:read',
    partitioned: true,
  },
  'mobile.changed': {
    summary:
      'Mobile keys changed: a phone enrolled or was removed, a key was issued, delivered or revoked, or the relay answered or failed.',
    payload: MobileChange,
    permission: 'users:read',
  },
  'events.appended': {
    summary:
      'Access or device events were stored (as events.list reads them); a session limited to part of the site ' +
      'receives only the events at its doors:read doors, and none without a door.',
    payload: z.array(AccessEvent).min(1),
    permission: 'doors:read',
    partitioned: true,
  },
} as const satisfies Record<string, EventSpec>;

/** A live-event topic name. */
export type EventTopic = keyof typeof events;
/** The payload type of one topic. */
export type EventPayload<T extends EventTopic> = z.infer<(typeof events)[T]['payload']>;
