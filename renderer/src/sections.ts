import type { Section } from './section.js';
import { AccountScreen } from './screens/account-screen.js';
import { AccessLevelsScreen } from './screens/access-levels-screen.js';
import { AuditScreen } from './screens/audit-screen.js';
import { CalendarsScreen } from './screens/calendars-screen.js';
import { DirectoryScreen } from './screens/directory-screen.js';
import { DoorsScreen } from './screens/doors-screen.js';
import { EventsScreen } from './screens/events-screen.js';
import { HomeSection } from './screens/home-section.js';
import { OperatorsScreen } from './screens/operators-screen.js';
import { RolesScreen } from './screens/roles-screen.js';
import { UsersScreen } from './screens/users-screen.js';
import { TimePeriodsScreen } from './screens/time-periods-screen.js';
import { ZonesScreen } from './screens/zones-screen.js';

/**
 * The console's sections, in navigation order. A new feature adds its screen here with the
 * permission that shows it; the first entry is where an operator starts.
 */
export const sections: readonly Section[] = [
  { id: 'home', label: 'home', Component: HomeSection },
  { id: 'users', label: 'users', permission: 'users:read', Component: UsersScreen },
  { id: 'time-periods', label: 'timePeriods', permission: 'doors:read', Component: TimePeriodsScreen },
  { id: 'calendars', label: 'calendars', permission: 'doors:read', Component: CalendarsScreen },
  { id: 'zones', label: 'zones', permission: 'doors:read', Component: ZonesScreen },
  { id: 'doors', label: 'doors', permission: 'doors:read', Component: DoorsScreen },
  { id: 'access-levels', label: 'accessLevels', permission: 'doors:read', Component: AccessLevelsScreen },
  { id: 'events', label: 'events', title: 'events', permission: 'doors:read', Component: EventsScreen },
  { id: 'operators', label: 'operators', permission: 'operators:read', Component: OperatorsScreen },
  { id: 'roles', label: 'roles', permission: 'operators:read', Component: RolesScreen },
  {
    id: 'directory',
    label: 'directory',
    title: 'directory',
    permission: 'settings:admin',
    Component: DirectoryScreen,
  },
  { id: 'audit', label: 'audit', permission: 'audit:read', Component: AuditScreen },
  { id: 'account', label: 'account', Component: AccountScreen },
];

/**
 * Places kept in the navigation for what arrives with its hardware: the USB encoder, the portable
 * programming device, door gateways and mobile keys. Shown disabled until their issues land.
 */
export const comingSections = ['encoder', 'ppd', 'gateways', 'mobileKeys'] as const;
