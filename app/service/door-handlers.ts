import type { doorMethods } from '../contract/methods/doors.js';
import type { HandlerGroup, ServiceKit } from './handler-kit.js';

/** Zones, doors and access levels. */
export function doorHandlers(_kit: ServiceKit): HandlerGroup<keyof typeof doorMethods> {
  return {};
}
