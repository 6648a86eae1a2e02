import type { z } from 'zod';
import type { Permission } from './permissions.js';
import { Site } from './methods/site.js';

/** One kind of live event: its payload schema and the permission needed to receive it. */
export interface EventSpec<P extends z.ZodType = z.ZodType> {
  summary: string;
  payload: P;
  permission: Permission;
}

/** Every live event the service publishes (SSE in the browser, `subscribe` over IPC). */
export const events = {
  'site.updated': {
    summary: 'The site settings changed.',
    payload: Site,
    permission: 'site:read',
  },
} as const satisfies Record<string, EventSpec>;

/** A live-event topic name. */
export type EventTopic = keyof typeof events;
/** The payload type of one topic. */
export type EventPayload<T extends EventTopic> = z.infer<(typeof events)[T]['payload']>;
