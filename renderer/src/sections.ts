import type { Section } from './section.js';
import { AccountScreen } from './screens/account-screen.js';
import { AuditScreen } from './screens/audit-screen.js';
import { DirectoryScreen } from './screens/directory-screen.js';
import { HomeSection } from './screens/home-section.js';
import { OperatorsScreen } from './screens/operators-screen.js';
import { RolesScreen } from './screens/roles-screen.js';

/**
 * The console's sections, in navigation order. A new feature adds its screen here with the
 * permission that shows it; the first entry is where an operator starts.
 */
export const sections: readonly Section[] = [
  { id: 'home', label: 'Home', Component: HomeSection },
  { id: 'operators', label: 'Operators', permission: 'operators:read', Component: OperatorsScreen },
  { id: 'roles', label: 'Roles', permission: 'operators:read', Component: RolesScreen },
  {
    id: 'directory',
    label: 'Directory',
    title: 'Directory (LDAP) settings',
    permission: 'settings:admin',
    Component: DirectoryScreen,
  },
  { id: 'audit', label: 'Audit log', permission: 'audit:read', Component: AuditScreen },
  { id: 'account', label: 'My account', Component: AccountScreen },
];
