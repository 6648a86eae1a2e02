import { call } from '../../rpc/client.js';

/** The stored directory settings, cached by method and params like every read of the console. */
export const settingsQuery = {
  queryKey: ['directory.get', {}],
  queryFn: () => call('directory.get', {}),
} as const;

/** The roles a mapping may give. */
export const rolesQuery = {
  queryKey: ['roles.list', {}],
  queryFn: () => call('roles.list', {}),
} as const;
