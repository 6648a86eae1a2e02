import { z } from 'zod';

/**
 * Permissions are granted per method family. The list is the product's full vocabulary so that
 * roles stored today keep their meaning as later families gain methods.
 */
export const permissions = [
  'site:read',
  'settings:admin',
  'operators:read',
  'operators:admin',
  'audit:read',
  'users:read',
  'users:write',
  'doors:read',
  'doors:write',
  'doors:command',
  'keys:encode',
  'ppd:use',
  'ppd:emergency',
] as const;

/** One permission string. */
export const Permission = z.enum(permissions);
/** One permission string. */
export type Permission = z.infer<typeof Permission>;

/**
 * The built-in roles, with fixed ids: their permissions are defined here, in code, so an upgrade that
 * adds a permission family gives it to the administrator without a data migration.
 */
export const builtinRoles = {
  administrator: {
    id: 1,
    description: 'Everything, including operators, roles and settings.',
    permissions: [...permissions],
  },
  operator: {
    id: 2,
    description: 'Day-to-day: cardholders, keys and door commands.',
    permissions: ['site:read', 'users:read', 'users:write', 'doors:read', 'doors:command', 'keys:encode'],
  },
  auditor: {
    id: 3,
    description: 'Read-only, including the operator audit log.',
    permissions: ['site:read', 'operators:read', 'audit:read', 'users:read', 'doors:read'],
  },
  technician: {
    id: 4,
    description: 'Installs and programs doors and locks with the PPD.',
    permissions: ['site:read', 'doors:read', 'doors:write', 'ppd:use'],
  },
} as const satisfies Record<string, { id: number; description: string; permissions: readonly Permission[] }>;

/** The name of a built-in role. */
export type BuiltinRoleName = keyof typeof builtinRoles;

/**
 * Where a role's permissions apply: the whole site (null) or only some zones and doors (a tenant's
 * floors in a shared building). The access model checks door-level operations against it.
 */
export const Partition = z
  .strictObject({
    zoneIds: z.array(z.number().int().positive()).max(10_000).default([]),
    doorIds: z.array(z.number().int().positive()).max(10_000).default([]),
  })
  .nullable();
/** Where a role's permissions apply (null: the whole site). */
export type Partition = z.output<typeof Partition>;
