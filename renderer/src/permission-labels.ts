import { useCallback } from 'react';
import { permissions, type Permission } from '../../app/contract/permissions.js';
import { useT } from './i18n/i18n.js';
import type { operators } from './i18n/operators.js';

/** A key of the operators strings' `permissions`. */
type PermissionKey = keyof (typeof operators)['en']['permissions'];

/**
 * The key of each permission's words. A permission's own name cannot be the key: i18next reads the
 * colon as a namespace separator. The Record type makes a permission added to the contract fail to
 * compile until it has words.
 */
const permissionKeys: Record<Permission, PermissionKey> = {
  'site:read': 'siteRead',
  'settings:admin': 'settingsAdmin',
  'operators:read': 'operatorsRead',
  'operators:admin': 'operatorsAdmin',
  'audit:read': 'auditRead',
  'users:read': 'usersRead',
  'users:write': 'usersWrite',
  'doors:read': 'doorsRead',
  'doors:write': 'doorsWrite',
  'doors:command': 'doorsCommand',
  'keys:encode': 'keysEncode',
  'ppd:use': 'ppdUse',
  'ppd:emergency': 'ppdEmergency',
};

/** Every permission, in the contract's order. */
export const permissionList: readonly Permission[] = permissions;

/** What a permission lets an operator do, in the console's language. */
export function usePermissionLabel(): (permission: Permission) => string {
  const { t } = useT('operators');
  return useCallback((p) => t(`permissions.${permissionKeys[p]}`), [t]);
}
