import type { AccessEvent } from '../../../../app/contract/methods/events.js';

/** An access event as the service sends it, for the events tests: Ada at the main entrance unless told. */
export const event = (id: number, at: string, over: Partial<AccessEvent> = {}): AccessEvent => ({
  id,
  at,
  kind: 'access-granted',
  doorId: 1,
  doorName: 'Main entrance',
  userId: 7,
  userName: 'Ada Lovelace',
  credentialId: 70,
  reason: null,
  source: 'gw-1',
  detail: {},
  ...over,
});
