import { z } from 'zod';

/**
 * Permissions are granted per method family. The list is the product's full vocabulary so that
 * roles stored today keep their meaning as later families gain methods.
 */
export const permissions = [
  'site:read',
  'settings:admin',
  'operators:admin',
  'audit:read',
  'users:read',
  'users:write',
  'doors:read',
  'doors:write',
  'doors:command',
  'keys:encode',
  'ppd:use',
] as const;

/** One permission string. */
export const Permission = z.enum(permissions);
/** One permission string. */
export type Permission = z.infer<typeof Permission>;

/** Built-in role names; the administrator holds every permission. */
export const builtinRoles = {
  administrator: [...permissions],
} as const satisfies Record<string, readonly Permission[]>;
