import type { Choice } from '../../components/search-select.js';
import { call } from '../../rpc/client.js';

/** A cardholder to encode a key for: their id and name. */
export type Holder = Choice;

/** Up to a screenful of users matching the typed text, by last name (all, when empty). */
export async function findHolders(search: string): Promise<Holder[]> {
  const page = await call('users.list', { ...(search ? { search } : {}), sort: 'lastName', limit: 50 });
  return page.items.map((u) => ({ id: u.id, label: `${u.firstName} ${u.lastName}`.trim() }));
}
