import { DAY_TYPES, type DayType } from '../contract/schedule-schemas.js';

/**
 * What the demo site holds: a small office building whose every door kind and every device runs as
 * a simulator. The people who carry cards and a phone are named, so a trainer can say "Ada's card at
 * the lab"; the few hundred others fill the lists as a real site's would, from a fixed seed (the same
 * demo every time).
 */

/** A door of the demo, and what opens it. */
export interface DemoDoor {
  /** The name the hands use (`card ada at entrance`). */
  key: string;
  name: string;
  kind: 'online' | 'offline' | 'rf';
  zone: string;
  auth: 'card' | 'card+pin';
}

export const DEMO_ZONES = ['Main building', 'Labs', 'Offices', 'Stores'] as const;

export const DEMO_DOORS: readonly DemoDoor[] = [
  { key: 'entrance', name: 'Entrance', kind: 'online', zone: 'Main building', auth: 'card' },
  { key: 'lab', name: 'Lab', kind: 'online', zone: 'Labs', auth: 'card+pin' },
  { key: 'room101', name: 'Room 101', kind: 'offline', zone: 'Offices', auth: 'card' },
  { key: 'room102', name: 'Room 102', kind: 'offline', zone: 'Offices', auth: 'card' },
  { key: 'store', name: 'Store room', kind: 'rf', zone: 'Stores', auth: 'card' },
];

const all = (): Partial<Record<DayType, { start: number; end: number }[]>> =>
  Object.fromEntries(DAY_TYPES.map((d) => [d, [{ start: 0, end: 1440 }]]));
const weekdays = (start: number, end: number) =>
  Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [{ start, end }]]));

export const DEMO_PERIODS = [
  { name: 'Always', description: 'Every minute of every day, holidays too', rules: all() },
  {
    name: 'Office hours',
    description: 'Weekdays 07:00–19:00; closed on holidays',
    rules: weekdays(7 * 60, 19 * 60),
  },
  {
    name: 'Cleaning',
    description: 'Weekday evenings 18:00–22:00 and Saturday mornings',
    rules: { ...weekdays(18 * 60, 22 * 60), sat: [{ start: 8 * 60, end: 12 * 60 }] },
  },
] as const;

/** Access levels: [zone, period] rights. */
export const DEMO_LEVELS: readonly { name: string; description: string; rights: [string, string][] }[] = [
  {
    name: 'Staff (24/7)',
    description: 'The building, the offices and the store room at any time',
    rights: [
      ['Main building', 'Always'],
      ['Offices', 'Always'],
      ['Stores', 'Always'],
    ],
  },
  { name: 'Lab staff', description: 'The lab (card and PIN) at any time', rights: [['Labs', 'Always']] },
  {
    name: 'Office hours staff',
    description: 'The building and the offices during office hours',
    rights: [
      ['Main building', 'Office hours'],
      ['Offices', 'Office hours'],
    ],
  },
  {
    name: 'Cleaners',
    description: 'The building and the offices during the cleaning shift',
    rights: [
      ['Main building', 'Cleaning'],
      ['Offices', 'Cleaning'],
    ],
  },
];

/** Someone the hands can act for: a card (encoded at the first start) or a phone. */
export interface DemoPerson {
  key: string;
  firstName: string;
  lastName: string;
  department: string;
  levels: string[];
  pin?: string;
  carries: 'card' | 'phone';
}

export const DEMO_PEOPLE: readonly DemoPerson[] = [
  {
    key: 'ada',
    firstName: 'Ada',
    lastName: 'Lovelace',
    department: 'Research',
    levels: ['Staff (24/7)', 'Lab staff'],
    pin: '4711',
    carries: 'card',
  },
  {
    key: 'bob',
    firstName: 'Bob',
    lastName: 'Baker',
    department: 'Facilities',
    levels: ['Staff (24/7)'],
    carries: 'card',
  },
  {
    key: 'carol',
    firstName: 'Carol',
    lastName: 'Cleaver',
    department: 'Cleaning',
    levels: ['Cleaners'],
    carries: 'card',
  },
  {
    key: 'dan',
    firstName: 'Dan',
    lastName: 'Mobile',
    department: 'Stores',
    levels: ['Staff (24/7)'],
    carries: 'phone',
  },
];

/** Holidays on the site calendar: the demo's year and the next. */
export function demoHolidays(year: number): { date: string; type: 'holiday' }[] {
  return [year, year + 1].flatMap((y) =>
    ['01-01', '05-01', '12-25', '12-26'].map((md) => ({ date: `${y}-${md}`, type: 'holiday' as const })),
  );
}

const FIRST = [
  'Alex',
  'Beatriz',
  'Chen',
  'Dolores',
  'Emil',
  'Farah',
  'Goran',
  'Hana',
  'Ibrahim',
  'Julia',
  'Kofi',
  'Lena',
  'Mateo',
  'Nadia',
  'Oskar',
  'Priya',
  'Quentin',
  'Rosa',
  'Sami',
  'Tove',
  'Umar',
  'Vera',
  'Wen',
  'Ximena',
  'Yusuf',
  'Zofia',
];
const LAST = [
  'Almeida',
  'Berg',
  'Castillo',
  'Dubois',
  'Eriksen',
  'Fischer',
  'García',
  'Horvat',
  'Ivanova',
  'Jensen',
  'Kowalski',
  'López',
  'Moreau',
  'Nakamura',
  'Okafor',
  'Petrov',
  'Quinn',
  'Rossi',
  'Schmidt',
  'Takahashi',
  'Usman',
  'Virtanen',
  'Wagner',
  'Xu',
  'Yilmaz',
  'Zhang',
];
const DEPARTMENTS = ['Research', 'Finance', 'Facilities', 'Sales', 'Stores', 'Cleaning', 'IT'];

/** The crowd: `count` users as users.importCsv reads them, the same every time. */
export function demoCrowdCsv(count: number): string {
  // A linear congruential sequence is enough: the names only need to look varied, and to repeat.
  let seed = 20_261_207;
  const next = (n: number) => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return (seed >>> 8) % n;
  };
  const rows = ['firstName,lastName,identifier,department,accessLevels'];
  for (let i = 0; i < count; i++) {
    const department = DEPARTMENTS[next(DEPARTMENTS.length)]!;
    const levels =
      department === 'Cleaning'
        ? 'Cleaners'
        : department === 'Research'
          ? 'Office hours staff;Lab staff'
          : next(4) === 0
            ? 'Staff (24/7)'
            : 'Office hours staff';
    rows.push(
      `${FIRST[next(FIRST.length)]},${LAST[next(LAST.length)]},E-${2000 + i},${department},${levels}`,
    );
  }
  return `${rows.join('\n')}\n`;
}
