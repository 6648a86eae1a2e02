import { QueryClientProvider } from '@tanstack/react-query';
import type { ReactElement } from 'react';
import { vi } from 'vitest';
import type { AccessLevel, Door, Zone } from '../../../../app/contract/methods/doors.js';
import type { Permission } from '../../../../app/contract/permissions.js';
import { createQueryClient } from '../../providers.js';
import { call } from '../../rpc/client.js';
import type { SectionProps } from '../../section.js';
import { renderInConsole } from '../../test-render.js';

// What the access screens' tests share: a small site (two zones, a door, a level, two time periods,
// two calendars) and an RPC stand-in that answers each list from it. Each test file mocks
// ../../rpc/client.js itself (vi.mock is per file).

const at = '2026-03-01T09:30:00.000Z';
const stamps = { createdAt: at, updatedAt: at };

export const thirdFloor: Zone = {
  id: 3,
  name: 'Third floor',
  description: 'Tenant offices',
  doorCount: 2,
  ...stamps,
  version: 4,
};
export const lobby: Zone = { ...thirdFloor, id: 4, name: 'Lobby', description: '', doorCount: 0, version: 0 };

export const mainEntrance: Door = {
  id: 7,
  name: 'Main entrance',
  kind: 'offline',
  openSeconds: 5,
  extendedOpenSeconds: 20,
  openMode: 'timed-office',
  officePeriodId: 1,
  auth: { mode: 'card+pin', scheduled: { periodId: 2, mode: 'card' } },
  calendarId: 1,
  zoneIds: [3],
  ...stamps,
  version: 6,
};

export const officeStaff: AccessLevel = {
  id: 5,
  name: 'Office staff',
  description: 'Day staff',
  rights: [
    { zoneId: 3, periodId: 1 },
    { doorId: 7, periodId: 2 },
  ],
  cardholderCount: 12,
  ...stamps,
  version: 9,
};

/** Time periods and calendars as the forms choose from them (their names are all that is read). */
const periods = [
  { id: 1, name: 'Office hours' },
  { id: 2, name: 'Nights' },
];
const calendars = [
  { id: 1, name: 'Site calendar' },
  { id: 2, name: 'Madrid' },
];

/** What the shell gives a section, with the permissions asked for. */
export function sectionProps(permissions: Permission[] = ['doors:read', 'doors:write']): SectionProps {
  return {
    session: {} as SectionProps['session'],
    site: { timeZone: 'UTC' } as SectionProps['site'],
    can: (p) => permissions.includes(p),
    failure: (err) => (err instanceof Error ? `Failed: ${err.message}` : 'Failed'),
    onSiteChanged: () => undefined,
    onSessionRenewed: () => undefined,
  };
}

/** Renders a screen with an RPC cache of its own (nothing read by another test). */
export function renderScreen(ui: ReactElement) {
  return renderInConsole(<QueryClientProvider client={createQueryClient()}>{ui}</QueryClientProvider>);
}

/** The site's lists, by method; a test may replace any of them. */
export interface Lists {
  'zones.list': unknown[];
  'doors.list': unknown[];
  'accessLevels.list': unknown[];
  'timePeriods.list': unknown[];
  'calendars.list': unknown[];
}

/**
 * Answers list calls from the site (with `lists` in place of its own) and any other call as `other`
 * says: what it returns, or what it throws.
 */
export function serve(
  lists: Partial<Lists> = {},
  other: (method: string, params: unknown) => unknown = () => undefined,
) {
  const site: Lists = {
    'zones.list': [thirdFloor, lobby],
    'doors.list': [mainEntrance],
    'accessLevels.list': [officeStaff],
    'timePeriods.list': periods,
    'calendars.list': calendars,
    ...lists,
  };
  vi.mocked(call).mockImplementation((async (method: string, params: unknown) => {
    const items = site[method as keyof Lists];
    if (items) return { items, total: items.length };
    return other(method, params);
  }) as typeof call);
}

/** The params of every call of a method so far. */
export function callsOf(method: string): unknown[] {
  return vi
    .mocked(call)
    .mock.calls.filter(([m]) => m === method)
    .map(([, params]) => params);
}
