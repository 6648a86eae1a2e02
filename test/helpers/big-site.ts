import type { DenyReason } from '../../app/access/engine.js';
import { DAY_TYPES, type TimePeriodRules } from '../../app/contract/schedule-schemas.js';
import { EventRepo, type NewAccessEvent } from '../../app/store/event-repo.js';
import type { Db } from '../../app/store/sqlite.js';

/** How big a site to generate, and from which seed. */
export interface BigSiteOptions {
  doors: number;
  users: number;
  events: number;
  zones: number;
  accessLevels: number;
  timePeriods: number;
  /** The same seed gives the same site, row for row. */
  seed: number;
  /** Fill the blacklist to this many entries with older lost cards (65,535 is a full blacklist). */
  blacklistEntries?: number;
  /** The site's "now": keys, validity and a year of events end here. */
  now?: Date;
  /** Events per EventRepo.appendBatch call. */
  eventBatch?: number;
}

/** What was written, and how long each part took (milliseconds, change-log triggers included). */
export interface BigSiteReport {
  counts: {
    timePeriods: number;
    calendarDays: number;
    zones: number;
    doors: number;
    doorZones: number;
    accessLevels: number;
    rights: number;
    users: number;
    userLevels: number;
    credentials: number;
    blacklist: number;
    events: number;
    changeLog: number;
  };
  ms: { schedules: number; doors: number; accessLevels: number; users: number; events: number };
}

/** The default: a large site (Salto's limits on time periods and the blacklist in view). */
export const BIG_SITE: BigSiteOptions = {
  doors: 10_000,
  users: 100_000,
  events: 1_000_000,
  zones: 200,
  accessLevels: 2_000,
  timePeriods: 1_024,
  seed: 1,
};

/** A small, fast, deterministic generator (sfc32 seeded through splitmix32). */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
  }

  /** A float in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4_294_967_296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element. */
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

/** A comma-separated list written as a block of text (one name per line would run to hundreds). */
function list(text: string): readonly string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Last names, frequent ones first so that some are much commoner than others (as in life). */
export const LAST_NAMES = list(`
  García, Fernández, González, Rodríguez, López, Martínez, Sánchez, Pérez, Gómez, Martín, Jiménez, Ruiz,
  Hernández, Díaz, Moreno, Muñoz, Álvarez, Romero, Alonso, Gutiérrez, Navarro, Torres, Domínguez, Vázquez,
  Ramos, Gil, Ramírez, Serrano, Blanco, Molina, Morales, Suárez, Ortega, Delgado, Castro, Ortiz, Rubio,
  Marín, Sanz, Núñez, Iglesias, Medina, Garrido, Cortés, Castillo, Santos, Lozano, Guerrero, Cano, Prieto,
  Méndez, Cruz, Calvo, Gallego, Vidal, León, Márquez, Herrera, Peña, Flores, Cabrera, Campos, Vega,
  Fuentes, Carrasco, Diez, Caballero, Reyes, Nieto, Aguilar, Pascual, Santana, Herrero, Lorenzo, Montero,
  Hidalgo, Giménez, Ibáñez, Ferrer, Durán, Santiago, Benítez, Mora, Vicente, Vargas, Arias, Carmona,
  Crespo, Román, Pastor, Soto, Sáez, Velasco, Moya, Soler, Parra, Esteban, Bravo, Gallardo, Rojas, Smith,
  Johnson, Williams, Brown, Jones, Miller, Davis, Wilson, Anderson, Taylor, Thomas, Moore, Jackson, White,
  Harris, Clark, Lewis, Walker, Hall, Young, Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner,
  Becker, Hoffmann, Koch, Martin, Bernard, Dubois, Durand, Lefebvre, Moreau, Laurent, Rossi, Russo,
  Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Silva, Santos, Oliveira, Costa, Pereira, Nowak,
  Kowalski, Wiśniewski, Novák, Horváth, Nagy, Popescu, Ivanova, Petrov, Andersson, Johansson, Nielsen,
  Hansen, Jensen, Virtanen, Korhonen, O'Brien, Murphy, Kelly, Van der Berg, De Jong, Janssen, Peeters,
  Yılmaz, Kaya, Demir, Cohen, Levi, Haddad, Khan, Ali, Ahmed, Hussain, Singh, Kumar, Patel, Sharma, Gupta,
  Chen, Wang, Li, Zhang, Liu, Yang, Huang, Nguyen, Tran, Kim, Lee, Park, Sato, Suzuki, Takahashi, Tanaka,
  Okafor, Mensah, Diallo, Traoré, Mwangi, Rahman, Hosseini
`);

/** First names, a mix like the last names. */
export const FIRST_NAMES = list(`
  María, Carmen, Ana, Isabel, Laura, Lucía, Cristina, Marta, Elena, Paula, Sara, Raquel, Pilar, Beatriz,
  Nuria, Silvia, Julia, Irene, Alba, Patricia, Rocío, Andrea, Mónica, Inés, Claudia, Sofía, Noelia, Eva,
  Lorena, Alicia, Antonio, Manuel, José, Francisco, David, Juan, Javier, Daniel, Carlos, Jesús, Alejandro,
  Miguel, Rafael, Pablo, Sergio, Fernando, Jorge, Luis, Alberto, Álvaro, Adrián, Diego, Raúl, Iván, Rubén,
  Óscar, Andrés, Enrique, Ramón, Vicente, Joaquín, Hugo, Mario, Marcos, Ignacio, Gonzalo, Emma, Olivia,
  Ava, Mia, Charlotte, Amelia, Grace, Chloe, Hannah, Lena, Anna, Marie, Camille, Léa, Chiara, Giulia,
  Francesca, Beatriz, Joana, Zofia, Ewa, Ingrid, Astrid, Freya, Aoife, Siobhan, Fatima, Aisha, Leila,
  Yasmin, Priya, Ananya, Mei, Xin, Yuki, Hana, Ji-woo, Amara, Nia, James, John, Robert, Michael, William,
  Thomas, George, Oliver, Jack, Harry, Noah, Liam, Lukas, Felix, Jonas, Maximilian, Louis, Gabriel, Arthur,
  Lorenzo, Matteo, Leonardo, João, Tiago, Piotr, Jakub, Erik, Lars, Mikko, Seán, Omar, Ahmed, Yusuf,
  Mehmet, Arjun, Rohan, Wei, Jun, Hiroshi, Kenji, Min-jun, Kwame, Chidi, Tomás, Nicolás, Mateo, Santiago,
  Valentina, Camila, Ximena
`);

/** Departments of a large organisation. */
export const DEPARTMENTS = list(`
  Engineering, Finance, Human Resources, Legal, Marketing, Sales, Operations, Logistics, Facilities,
  Security, IT Support, Research, Quality, Procurement, Customer Service, Communications, Compliance,
  Data Science, Design, Executive Office, Maintenance, Cleaning, Catering, Reception, Laboratory
`);

const BUILDINGS = list(`North, South, East, West, Central, Tower A, Tower B, Annex, Lab, Depot`);
const SHARED_ZONES = ['Car park', 'Lifts', 'Fire exits', 'Server rooms', 'Loading docks', 'Roof access'];
const ROOMS = list(`Office, Meeting room, Store room, Lab, Kitchen, Print room, Archive, Plant room`);
const SHIFTS = list(`office hours, early shift, late shift, night shift, weekends, 24/7, cleaning, visits`);
const PERIOD_NAMES = list(`
  Office hours, Early shift, Late shift, Night shift, Weekend, Cleaners, Security 24/7, Deliveries,
  Maintenance, Visitors, Canteen, Lab hours
`);
const SOURCES_ONLINE = Array.from({ length: 20 }, (_, i) => `gateway-${String(i + 1).padStart(2, '0')}`);
const SOURCES_OFFLINE = ['ppd-download', 'update-point-1', 'update-point-2', 'update-point-3'];

/** Denial reasons as they are seen on a real site: mostly no right or the wrong hour. */
const DENIALS: readonly [DenyReason, number][] = [
  ['no-access-to-door', 40],
  ['outside-time-period', 25],
  ['expired', 8],
  ['blacklisted', 6],
  ['wrong-pin', 8],
  ['revalidation-lapsed', 4],
  ['not-yet-valid', 2],
  ['door-locked-down', 2],
  ['door-in-privacy', 3],
  ['pin-required', 2],
];

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const cycle = <T>(xs: readonly T[], i: number): T => xs[i % xs.length]!;
/** The building and floor of floor zone `z` (zones count from 1, building by building). */
const floorOf = (z: number) => ({
  building: cycle(BUILDINGS, z - 1),
  floor: Math.floor((z - 1) / BUILDINGS.length),
});

function weighted<T>(rnd: Random, table: readonly (readonly [T, number])[]): T {
  const total = table.reduce((s, [, w]) => s + w, 0);
  let x = rnd.next() * total;
  for (const [v, w] of table) if ((x -= w) < 0) return v;
  return table[table.length - 1]![0];
}

/** A time period's rules: weekday intervals, sometimes Saturdays, special days, split shifts. */
function periodRules(rnd: Random, i: number): TimePeriodRules {
  const rules = Object.fromEntries(
    DAY_TYPES.map((d) => [d, [] as { start: number; end: number }[]]),
  ) as TimePeriodRules;
  const start = [360, 420, 480, 540, 840, 1320][i % 6]!;
  const length = rnd.pick([240, 480, 510, 540, 600]);
  const span = (s: number, len: number) =>
    s + len <= 1440
      ? [{ start: s, end: s + len }]
      : [
          { start: 0, end: s + len - 1440 },
          { start: s, end: 1440 },
        ];
  for (const d of ['mon', 'tue', 'wed', 'thu', 'fri'] as const) rules[d] = span(start, length);
  if (i % 5 === 0) rules.sat = [{ start: 540, end: 840 }];
  if (i % 7 === 0) rules.sun = [{ start: 600, end: 720 }];
  if (i % 4 === 0) rules.special1 = [{ start: 480, end: 900 }];
  if (i % 9 === 0)
    // A split shift: morning and evening, with up to 8 intervals on Mondays.
    rules.mon = Array.from({ length: rnd.between(2, 8) }, (_, k) => ({ start: k * 180, end: k * 180 + 90 }));
  return rules;
}

/** A card UID: 7 bytes as 14 upper-case hex digits, unique by construction (odd multiplier mod 2^32). */
function uid(rnd: Random, n: number): string {
  const unique = (Math.imul(n, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0');
  return `04${unique}${rnd.int(0x10000).toString(16).padStart(4, '0')}`.toUpperCase();
}

/**
 * Writes a large, realistic, deterministic site straight into the access tables of a migrated site
 * database whose access tables are empty, one transaction per part, through every CHECK, foreign key
 * and change-log trigger of the schema (nothing is switched off, so the feed stays consistent). Events
 * go through EventRepo.appendBatch, the path gateways use.
 */
export function generateBigSite(db: Db, options: Partial<BigSiteOptions> = {}): BigSiteReport {
  const o = { ...BIG_SITE, ...options };
  const now = (o.now ?? new Date('2026-11-29T09:00:00.000Z')).getTime();
  const stamp = iso(now - 400 * DAY_MS);
  const rnd = new Random(o.seed);
  const ms = { schedules: 0, doors: 0, accessLevels: 0, users: 0, events: 0 };
  const timed = (part: keyof typeof ms, f: () => void) => {
    const t0 = performance.now();
    db.transaction(f)();
    ms[part] += performance.now() - t0;
  };
  const counts = { rights: 0, doorZones: 0, userLevels: 0, credentials: 0, blacklist: 0, calendarDays: 0 };

  // Time periods and the site calendar's holidays.
  timed('schedules', () => {
    const add = db.prepare(
      'INSERT INTO time_period (id, name, description, rules, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (let i = 1; i <= o.timePeriods; i++) {
      const name = `${cycle(PERIOD_NAMES, i)} ${Math.ceil(i / PERIOD_NAMES.length)}`;
      add.run(i, name, '', JSON.stringify(periodRules(rnd, i)), stamp, stamp);
    }
    const day = db.prepare('INSERT INTO calendar_day (calendar_id, date, type) VALUES (1, ?, ?)');
    const year = new Date(now).getUTCFullYear();
    for (const y of [year - 1, year])
      for (const md of ['01-01', '01-06', '05-01', '08-15', '10-12', '11-01', '12-06', '12-08', '12-25']) {
        day.run(`${y}-${md}`, 'holiday');
        counts.calendarDays++;
      }
  });

  // Zones: floors of buildings, then site-wide areas; doors on floors, some also in a shared zone.
  const floorZones = Math.max(1, o.zones - SHARED_ZONES.length);
  const doorsOfZone: number[][] = Array.from({ length: o.zones + 1 }, () => []);
  const doorKind: ('online' | 'offline' | 'rf')[] = [];
  timed('doors', () => {
    const zone = db.prepare(
      'INSERT INTO zone (id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
    );
    for (let z = 1; z <= o.zones; z++) {
      const name =
        z <= floorZones
          ? `${floorOf(z).building} building, floor ${floorOf(z).floor}`
          : `${cycle(SHARED_ZONES, z - floorZones - 1)} ${Math.ceil((z - floorZones) / SHARED_ZONES.length)}`;
      zone.run(z, name, '', stamp, stamp);
    }
    const door = db.prepare(
      `INSERT INTO door (id, name, kind, open_seconds, extended_open_seconds, open_mode, office_period_id,
         auth_mode, auth_scheduled_mode, auth_period_id, calendar_id, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
    );
    const inZone = db.prepare('INSERT INTO door_zone (door_id, zone_id) VALUES (?, ?)');
    for (let d = 1; d <= o.doors; d++) {
      const z = 1 + Math.floor(((d - 1) * floorZones) / o.doors);
      const kind = weighted(rnd, [
        ['offline', 70],
        ['online', 20],
        ['rf', 10],
      ] as const);
      const mode = weighted(rnd, [
        ['standard', 90],
        ['office', 6],
        ['timed-office', 3.9],
        ['lockdown', 0.1],
      ] as const);
      const scheduled = rnd.chance(0.05);
      door.run(
        d,
        `${floorOf(z).building} ${floorOf(z).floor}.${d} ${rnd.pick(ROOMS)}`,
        kind,
        rnd.pick([3, 5, 5, 5, 8]),
        rnd.pick([15, 20, 30]),
        mode,
        mode === 'timed-office' ? rnd.between(1, o.timePeriods) : null,
        rnd.chance(0.1) ? 'card+pin' : 'card',
        scheduled ? 'card+pin' : null,
        scheduled ? rnd.between(1, o.timePeriods) : null,
        stamp,
        stamp,
      );
      inZone.run(d, z);
      doorsOfZone[z]!.push(d);
      counts.doorZones++;
      if (o.zones > floorZones && rnd.chance(0.15)) {
        const shared = rnd.between(floorZones + 1, o.zones);
        inZone.run(d, shared);
        doorsOfZone[shared]!.push(d);
        counts.doorZones++;
      }
      doorKind[d] = kind;
    }
  });

  // Access levels: a department's rights in a building during a shift, as zones and a few single doors.
  const levelZone: number[] = [];
  timed('accessLevels', () => {
    const level = db.prepare(
      'INSERT INTO access_level (id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
    );
    const right = db.prepare(
      'INSERT INTO access_level_right (access_level_id, door_id, zone_id, period_id) VALUES (?, ?, ?, ?)',
    );
    const combos = DEPARTMENTS.length * BUILDINGS.length * SHIFTS.length;
    for (let l = 1; l <= o.accessLevels; l++) {
      const i = l - 1;
      const building = cycle(BUILDINGS, Math.floor(i / DEPARTMENTS.length));
      const shift = cycle(SHIFTS, Math.floor(i / (DEPARTMENTS.length * BUILDINGS.length)));
      const base = `${cycle(DEPARTMENTS, i)}, ${building} building, ${shift}`;
      level.run(l, i < combos ? base : `${base} (${Math.floor(i / combos) + 1})`, '', stamp, stamp);
      const seen = new Set<string>();
      const home = 1 + rnd.int(floorZones);
      levelZone[l] = home;
      const n = rnd.between(2, 6);
      for (let k = 0; k < n; k++) {
        const period = rnd.between(1, o.timePeriods);
        const doorRight = k > 0 && rnd.chance(0.25);
        const target = doorRight ? rnd.between(1, o.doors) : k === 0 ? home : rnd.between(1, o.zones);
        const key = `${doorRight ? 'd' : 'z'}${target}:${period}`;
        if (seen.has(key)) continue;
        seen.add(key);
        right.run(l, doorRight ? target : null, doorRight ? null : target, period);
        counts.rights++;
      }
    }
  });

  // Cardholders with 1–3 levels and ~1.2 keys; a few keys lost and blacklisted, more when asked.
  const keysOf: number[][] = [[]];
  const lostOf = new Map<number, number>();
  const userZone = new Int32Array(o.users + 1);
  timed('users', () => {
    const user = db.prepare(
      `INSERT INTO cardholder (id, first_name, last_name, identifier, department, valid_from, valid_until,
         office, privacy_override, extended_opening, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const hold = db.prepare(
      'INSERT INTO cardholder_access_level (cardholder_id, access_level_id) VALUES (?, ?)',
    );
    const key = db.prepare(
      `INSERT INTO credential (id, cardholder_id, uid, status, expires_at, revalidation_hours, revalidated_at,
         issued_at, cancelled_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    let keyId = 0;
    const cancelled: { id: number; at: number; expires: number }[] = [];
    const addKey = (
      u: number,
      status: 'issued' | 'needs-update' | 'cancelled' | 'expired',
      issued: number,
    ) => {
      keyId++;
      const expires =
        status === 'expired' ? now - rnd.between(1, 300) * DAY_MS : issued + rnd.between(730, 1825) * DAY_MS;
      const revalidation = rnd.chance(0.2) ? rnd.pick([24, 72, 168]) : null;
      const cancelledAt = status === 'cancelled' ? issued + rnd.int(Math.max(1, now - issued)) : null;
      key.run(
        keyId,
        u,
        uid(rnd, keyId),
        status,
        iso(expires),
        revalidation,
        revalidation ? iso(now - rnd.int(revalidation * 3_600_000)) : null,
        iso(issued),
        cancelledAt === null ? null : iso(cancelledAt),
        iso(issued),
        iso(cancelledAt ?? issued),
      );
      if (cancelledAt !== null) cancelled.push({ id: keyId, at: cancelledAt, expires });
      return keyId;
    };
    for (let u = 1; u <= o.users; u++) {
      const contractor = rnd.chance(0.1);
      const from = contractor ? now - rnd.between(0, 300) * DAY_MS : null;
      const until = contractor ? from! + rnd.between(30, 400) * DAY_MS : null;
      const department = rnd.pick(DEPARTMENTS);
      // A squared draw makes the first names of each list commoner, as real names are.
      const last = LAST_NAMES[Math.floor(rnd.next() ** 2 * LAST_NAMES.length)]!;
      user.run(
        u,
        rnd.pick(FIRST_NAMES),
        last,
        `${contractor ? 'C' : 'E'}${String(u).padStart(6, '0')}`,
        department,
        from === null ? null : iso(from),
        until === null ? null : iso(until),
        rnd.chance(0.02) ? 1 : 0,
        rnd.chance(0.01) ? 1 : 0,
        rnd.chance(0.02) ? 1 : 0,
        stamp,
        stamp,
      );
      const levels = new Set<number>();
      const want = rnd.between(1, 3);
      // Mostly the levels of one's own department, sometimes another's.
      const deptIndex = DEPARTMENTS.indexOf(department);
      while (levels.size < Math.min(want, o.accessLevels)) {
        const own =
          deptIndex + 1 + DEPARTMENTS.length * rnd.int(Math.ceil(o.accessLevels / DEPARTMENTS.length));
        levels.add(own <= o.accessLevels && rnd.chance(0.8) ? own : rnd.between(1, o.accessLevels));
      }
      for (const l of levels) hold.run(u, l);
      counts.userLevels += levels.size;
      userZone[u] = levelZone[[...levels][0]!]!;

      const issued = now - rnd.between(1, 1500) * DAY_MS;
      const mine = [
        addKey(u, rnd.chance(0.03) ? 'expired' : rnd.chance(0.05) ? 'needs-update' : 'issued', issued),
      ];
      if (rnd.chance(0.18)) mine.push(addKey(u, 'issued', issued + rnd.between(0, 100) * DAY_MS));
      if (rnd.chance(0.02)) lostOf.set(u, addKey(u, 'cancelled', issued - rnd.between(1, 400) * DAY_MS));
      keysOf[u] = mine;
    }
    // Older lost cards, until the blacklist is as full as asked.
    for (let extra = (o.blacklistEntries ?? 0) - cancelled.length; extra > 0; extra--) {
      const u = rnd.between(1, o.users);
      const id = addKey(u, 'cancelled', now - rnd.between(30, 1500) * DAY_MS);
      if (!lostOf.has(u)) lostOf.set(u, id);
    }
    counts.credentials = keyId;
    // Blacklist sequence numbers follow the order of cancellation.
    cancelled.sort((a, b) => a.at - b.at || a.id - b.id);
    const listed = db.prepare('INSERT INTO blacklist (credential_id, expires_at, added_at) VALUES (?, ?, ?)');
    for (const c of cancelled) listed.run(c.id, iso(c.expires), iso(c.at));
    counts.blacklist = cancelled.length;
  });

  const t0 = performance.now();
  const repo = new EventRepo(db);
  let batch: NewAccessEvent[] = [];
  for (const e of siteEvents(
    { doors: o.doors, users: o.users, events: o.events, seed: o.seed + 1, now: new Date(now) },
    {
      keyOf: (u) => keysOf[u]![0]!,
      lostKeyOf: (u) => lostOf.get(u),
      homeDoor: (u, r) => {
        const doors = doorsOfZone[userZone[u]!]!;
        return doors.length ? r.pick(doors) : undefined;
      },
      online: (d) => doorKind[d] === 'online',
    },
  )) {
    batch.push(e);
    if (batch.length === (o.eventBatch ?? 10_000)) {
      repo.appendBatch(batch);
      batch = [];
    }
  }
  if (batch.length) repo.appendBatch(batch);
  ms.events = performance.now() - t0;

  const count = (t: string) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
  return {
    counts: {
      timePeriods: o.timePeriods,
      zones: o.zones,
      doors: o.doors,
      accessLevels: o.accessLevels,
      users: o.users,
      events: o.events,
      ...counts,
      changeLog: count('change_log'),
    },
    ms,
  };
}

/** What the event stream knows of a generated site (all optional: the benchmark streams without one). */
export interface SiteShape {
  keyOf?: (user: number) => number;
  lostKeyOf?: (user: number) => number | undefined;
  homeDoor?: (user: number, rnd: Random) => number | undefined;
  online?: (door: number) => boolean;
}

/**
 * A year of events ending at `now`, in time order: busy weekdays, quiet weekends, a morning and an
 * evening peak; mostly granted openings at the cardholder's usual doors, some denials (with their
 * reasons), door alarms and device notices.
 */
export function* siteEvents(
  size: { doors: number; users: number; events: number; seed: number; now?: Date },
  site: SiteShape = {},
): Generator<NewAccessEvent> {
  const rnd = new Random(size.seed);
  const end = Math.floor((size.now ?? new Date('2026-11-29T09:00:00.000Z')).getTime() / DAY_MS) * DAY_MS;
  const start = end - 365 * DAY_MS;
  const weights = Array.from({ length: 365 }, (_, i) => {
    const weekday = new Date(start + i * DAY_MS).getUTCDay();
    return weekday === 0 || weekday === 6 ? 0.2 : 1;
  });
  const total = weights.reduce((a, b) => a + b, 0);
  let emitted = 0;
  let acc = 0;
  const times: number[] = [];
  for (let day = 0; day < 365; day++) {
    acc += weights[day]!;
    const upto = day === 364 ? size.events : Math.round((acc / total) * size.events);
    times.length = 0;
    for (let k = emitted; k < upto; k++) {
      // Arrivals around 08:30, departures around 17:30, the rest spread over the day (UTC+1, roughly).
      const peak = rnd.next();
      const hour =
        peak < 0.35
          ? 7.5 + rnd.next() * 2
          : peak < 0.6
            ? 16.5 + rnd.next() * 2
            : rnd.chance(0.9)
              ? 7 + rnd.next() * 12
              : rnd.next() * 24;
      times.push(start + day * DAY_MS + Math.floor(hour * 3_600_000));
    }
    times.sort((a, b) => a - b);
    for (const t of times) yield event(t);
    emitted = upto;
  }

  function event(t: number): NewAccessEvent {
    const at = iso(t);
    const kind = weighted(rnd, [
      ['access-granted', 880],
      ['access-denied', 60],
      ['door-closed', 25],
      ['door-left-open', 15],
      ['door-forced', 5],
      ['device', 12],
      ['configuration', 3],
    ] as const);
    const anyDoor = rnd.between(1, size.doors);
    const source = (door: number) =>
      site.online?.(door) ? SOURCES_ONLINE[door % SOURCES_ONLINE.length]! : rnd.pick(SOURCES_OFFLINE);
    if (kind === 'access-granted' || kind === 'access-denied') {
      const userId = rnd.between(1, size.users);
      const reason = kind === 'access-denied' ? weighted(rnd, DENIALS) : null;
      const doorId = (reason !== 'no-access-to-door' && site.homeDoor?.(userId, rnd)) || anyDoor;
      const lost = reason === 'blacklisted' ? site.lostKeyOf?.(userId) : undefined;
      return {
        at,
        kind,
        doorId,
        userId,
        credentialId: lost ?? site.keyOf?.(userId) ?? userId,
        reason,
        source: source(doorId),
      };
    }
    if (kind === 'device')
      return {
        at,
        kind,
        doorId: anyDoor,
        source: source(anyDoor),
        detail: rnd.chance(0.7) ? { battery: 'low' } : { clock: 'drift', seconds: rnd.between(30, 600) },
      };
    if (kind === 'configuration')
      return { at, kind, doorId: anyDoor, source: 'ppd-download', detail: { programmed: true } };
    return { at, kind, doorId: anyDoor, source: source(anyDoor) };
  }
}
