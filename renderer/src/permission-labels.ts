import type { Permission } from '../../app/contract/permissions.js';

/** What each permission lets an operator do, in the words of the role editor. */
export const permissionLabels: Record<Permission, string> = {
  'site:read': 'See the site and its settings',
  'settings:admin': 'Change site and directory settings',
  'operators:read': 'See operators and roles',
  'operators:admin': 'Create, change and delete operators and roles',
  'audit:read': 'Read and verify the operator audit log',
  'users:read': 'See cardholders',
  'users:write': 'Create and change cardholders',
  'doors:read': 'See doors and zones',
  'doors:write': 'Create and change doors and zones',
  'doors:command': 'Open and lock doors remotely',
  'keys:encode': 'Encode, revalidate and cancel keys',
  'ppd:use': 'Program locks with the portable programming device',
};

/**
 * Every permission, in the contract's order. Derived from the labels rather than imported from the
 * contract's `permissions`, whose module builds zod schemas: importing it would put zod in the bundle.
 * The Record type above makes a permission added to the contract fail to compile until labelled here.
 */
export const permissionList = Object.keys(permissionLabels) as Permission[];
