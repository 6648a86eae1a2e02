import type { userMethods } from '../contract/methods/users.js';
import type { HandlerGroup, ServiceKit } from './handler-kit.js';

/** Cardholders, keys, the blacklist and CSV import/export. */
export function userHandlers(_kit: ServiceKit): HandlerGroup<keyof typeof userMethods> {
  return {};
}
