import { lazy, type ComponentType } from 'react';
import type { Section, SectionProps } from './section.js';

/**
 * A section's screen, loaded when first opened: the login screen and the shell then download without
 * the code of every screen (a cold console is usable sooner), and each screen is its own chunk.
 */
function screen(load: () => Promise<object>, name: string) {
  const Component = lazy(async () => ({
    default: (await load())[name as keyof object] as ComponentType<SectionProps>,
  }));
  return Object.assign(Component, { preload: load });
}

/**
 * The console's sections, in navigation order. A new feature adds its screen here with the
 * permission that shows it; the first entry is where an operator starts.
 */
export const sections: readonly Section[] = [
  { id: 'home', label: 'home', Component: screen(() => import('./screens/home-section.js'), 'HomeSection') },
  {
    id: 'users',
    label: 'users',
    permission: 'users:read',
    Component: screen(() => import('./screens/users-screen.js'), 'UsersScreen'),
  },
  {
    id: 'encoder',
    label: 'encoder',
    title: 'encoder',
    permission: 'keys:encode',
    Component: screen(() => import('./screens/encoder/encoder-screen.js'), 'EncoderScreen'),
  },
  {
    id: 'time-periods',
    label: 'timePeriods',
    permission: 'doors:read',
    Component: screen(() => import('./screens/time-periods-screen.js'), 'TimePeriodsScreen'),
  },
  {
    id: 'calendars',
    label: 'calendars',
    permission: 'doors:read',
    Component: screen(() => import('./screens/calendars-screen.js'), 'CalendarsScreen'),
  },
  {
    id: 'zones',
    label: 'zones',
    permission: 'doors:read',
    Component: screen(() => import('./screens/zones-screen.js'), 'ZonesScreen'),
  },
  {
    id: 'doors',
    label: 'doors',
    permission: 'doors:read',
    Component: screen(() => import('./screens/doors-screen.js'), 'DoorsScreen'),
  },
  {
    id: 'devices',
    label: 'gatewaysAndControlUnits',
    permission: 'doors:read',
    Component: screen(() => import('./screens/devices/devices-screen.js'), 'DevicesScreen'),
  },
  {
    id: 'locks',
    label: 'offlineLocks',
    title: 'offlineLocks',
    permission: 'doors:read',
    Component: screen(() => import('./screens/locks/locks-screen.js'), 'LocksScreen'),
  },
  {
    id: 'rf-locks',
    label: 'rfLocks',
    permission: 'doors:read',
    Component: screen(() => import('./screens/rf/rf-locks-screen.js'), 'RfLocksScreen'),
  },
  {
    id: 'mobile-keys',
    label: 'mobileKeys',
    permission: 'users:read',
    Component: screen(() => import('./screens/mobile/mobile-keys-screen.js'), 'MobileKeysScreen'),
  },
  {
    id: 'access-levels',
    label: 'accessLevels',
    permission: 'doors:read',
    Component: screen(() => import('./screens/access-levels-screen.js'), 'AccessLevelsScreen'),
  },
  {
    id: 'events',
    label: 'events',
    title: 'events',
    permission: 'doors:read',
    Component: screen(() => import('./screens/events-screen.js'), 'EventsScreen'),
  },
  {
    id: 'operators',
    label: 'operators',
    permission: 'operators:read',
    Component: screen(() => import('./screens/operators-screen.js'), 'OperatorsScreen'),
  },
  {
    id: 'roles',
    label: 'roles',
    permission: 'operators:read',
    Component: screen(() => import('./screens/roles-screen.js'), 'RolesScreen'),
  },
  {
    id: 'directory',
    label: 'directory',
    title: 'directory',
    permission: 'settings:admin',
    Component: screen(() => import('./screens/directory-screen.js'), 'DirectoryScreen'),
  },
  {
    id: 'audit',
    label: 'audit',
    permission: 'audit:read',
    Component: screen(() => import('./screens/audit-screen.js'), 'AuditScreen'),
  },
  {
    id: 'account',
    label: 'account',
    Component: screen(() => import('./screens/account-screen.js'), 'AccountScreen'),
  },
];

/**
 * Places kept in the navigation for what arrives with its hardware, shown disabled until their issues
 * land. None now: the PPD arrived with the Offline locks screen, mobile keys with theirs.
 */
export const comingSections: readonly Section['label'][] = [];

/**
 * Starts downloading the screen of the section a route opens (`#/users` → users; `#/` → home), so a
 * console reloaded by a logged-in operator fetches it alongside the session check rather than after
 * the shell has rendered. Downloading twice costs nothing: the browser and `lazy` share the module.
 */
export function preloadSection(hash: string): void {
  const id = /^#\/([\w-]+)/.exec(hash)?.[1] ?? sections[0]!.id;
  const section = sections.find((s) => s.id === id);
  const preload = (section?.Component as { preload?: () => Promise<unknown> } | undefined)?.preload;
  preload?.().catch(() => undefined);
}
