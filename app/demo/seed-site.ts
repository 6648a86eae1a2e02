import {
  DEMO_DOORS,
  DEMO_LEVELS,
  DEMO_PEOPLE,
  DEMO_PERIODS,
  DEMO_ZONES,
  demoCrowdCsv,
  demoHolidays,
} from './demo-plan.js';
import type { SiteRpc } from './site-rpc.js';

/**
 * Writes the demo plan into a new site through the console's own calls (so everything the console
 * shows of it — revisions, audit, change log — is what an administrator's work would have made).
 */

/** Users beyond the named people: enough for the lists to page and the search to matter. */
export const CROWD_SIZE = 300;

export interface SeededSite {
  doors: Record<string, number>;
  people: Record<string, { userId: number }>;
}

export async function seedSite(rpc: SiteRpc, year: number): Promise<SeededSite> {
  const zones = new Map<string, number>();
  for (const name of DEMO_ZONES)
    zones.set(name, (await rpc.call<{ id: number }>('zones.create', { name })).id);

  const periods = new Map<string, number>();
  for (const p of DEMO_PERIODS)
    periods.set(p.name, (await rpc.call<{ id: number }>('timePeriods.create', p)).id);

  // The site calendar (id 1, which every door uses unless told otherwise) gets the public holidays.
  const { items } = await rpc.call<{ items: { id: number; version: number }[] }>('calendars.list', {});
  const site = items.find((c) => c.id === 1);
  if (site) await rpc.call('calendars.update', { id: 1, version: site.version, days: demoHolidays(year) });
  await rpc.call('calendars.create', {
    name: 'Lab shutdown',
    days: [
      { date: `${year + 1}-08-10`, type: 'special1' },
      { date: `${year + 1}-08-11`, type: 'special1' },
    ],
  });

  const levels = new Map<string, number>();
  for (const l of DEMO_LEVELS) {
    const rights = l.rights.map(([zone, period]) => ({
      zoneId: zones.get(zone)!,
      periodId: periods.get(period)!,
    }));
    levels.set(l.name, (await rpc.call<{ id: number }>('accessLevels.create', { ...l, rights })).id);
  }

  const doors: Record<string, number> = {};
  for (const d of DEMO_DOORS) {
    const door = await rpc.call<{ id: number }>('doors.create', {
      name: d.name,
      kind: d.kind,
      openSeconds: 3,
      extendedOpenSeconds: 8,
      auth: { mode: d.auth },
      zoneIds: [zones.get(d.zone)!],
    });
    doors[d.key] = door.id;
  }

  const people: Record<string, { userId: number }> = {};
  for (const p of DEMO_PEOPLE) {
    const user = await rpc.call<{ id: number }>('users.create', {
      firstName: p.firstName,
      lastName: p.lastName,
      department: p.department,
      ...(p.pin ? { pin: p.pin } : {}),
      accessLevelIds: p.levels.map((l) => levels.get(l)!),
    });
    people[p.key] = { userId: user.id };
  }

  const imported = await rpc.call<{ imported: number; errorCount: number }>('users.importCsv', {
    csv: demoCrowdCsv(CROWD_SIZE),
    mode: 'all-or-nothing',
  });
  if (imported.errorCount)
    throw new Error(`the demo's users did not import (${imported.errorCount} bad rows)`);
  return { doors, people };
}
