import type { eventMethods } from '../contract/methods/events.js';
import type { HandlerGroup, ServiceKit } from './handler-kit.js';

/** Access and device events. */
export function eventHandlers(_kit: ServiceKit): HandlerGroup<keyof typeof eventMethods> {
  return {};
}
