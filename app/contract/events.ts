import type { z } from 'zod';
import type { Permission } from './permissions.js';
import { Site } from './methods/site.js';
import { OperationProgress } from './methods/operations.js';

/**
 * One kind of live event: its payload schema and who receives it: every session holding `permission`,
 * or (`ownSession`) only the session whose call it is about.
 */
export type EventSpec<P extends z.ZodType = z.ZodType> = { summary: string; payload: P } & (
  { permission: Permission; ownSession?: never } | { ownSession: true; permission?: never }
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
} as const satisfies Record<string, EventSpec>;

/** A live-event topic name. */
export type EventTopic = keyof typeof events;
/** The payload type of one topic. */
export type EventPayload<T extends EventTopic> = z.infer<(typeof events)[T]['payload']>;
