import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Blacklist } from './blacklist.js';
import {
  AUTH_MODES,
  DENY_REASONS,
  OPEN_MODES,
  decide,
  type AccessRight,
  type AuthMode,
  type CredentialData,
  type Decision,
  type DenyReason,
  type DoorPolicy,
  type DoorState,
  type DoorTables,
  type OpenMode,
  type Presented,
} from './engine.js';
import {
  DAY,
  compileZone,
  dateOf,
  dayOf,
  instantsOf,
  intlOffset,
  offsetAt,
  toLocal,
  type ZoneTable,
} from './local-time.js';
import {
  DAY_TYPES,
  SPECIAL_DAY_TYPES,
  TimePeriodRules,
  compileCalendar,
  type DayType,
  type Interval,
  type SpecialDayType,
} from './schedule.js';

// Property tests of the access decision over generated sites, checked against a reference written
// here from the rules as stated (wall-clock time from Intl, not from the compiled tables), so that a
// shared mistake in toLocal or periodAllows cannot hide behind itself.

const ZONES = ['Europe/Madrid', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'UTC'] as const;
type Zone = (typeof ZONES)[number];
const FROM_YEAR = 2024;
const TO_YEAR = 2030;
// Sized so the whole file runs in a few seconds on the two shared CI cores; Intl is the slow part.
const RUNS = 500;

const zoneTables = new Map<Zone, ZoneTable>();
beforeAll(() => {
  for (const zone of ZONES) zoneTables.set(zone, compileZone(zone, FROM_YEAR, TO_YEAR));
});
const tableOf = (zone: Zone) => zoneTables.get(zone)!;
const s = (iso: string) => Date.parse(iso) / 1000;

// ---------------------------------------------------------------------------------------------
// The reference: wall-clock time as Intl gives it, and the rules applied to it directly.

const WEEKDAY_TYPES: readonly DayType[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const INTL_WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

interface WallClock {
  date: string;
  /** 0 = Monday. */
  weekday: number;
  second: number;
}

const wallFormatters = new Map<string, Intl.DateTimeFormat>();
function wallClock(zone: string, at: number): WallClock {
  let f = wallFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    wallFormatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(at * 1000)).map((x) => [x.type, x.value]));
  return {
    date: `${p.year}-${p.month}-${p.day}`,
    weekday: INTL_WEEKDAYS.indexOf(p.weekday!),
    second: Number(p.hour) * 3600 + Number(p.minute) * 60 + Number(p.second),
  };
}

/** A calendar as the reference keeps it: date string → special type. */
type DateCalendar = ReadonlyMap<string, SpecialDayType>;

function refAllows(rules: TimePeriodRules, calendar: DateCalendar, wall: WallClock): boolean {
  const type = calendar.get(wall.date) ?? WEEKDAY_TYPES[wall.weekday]!;
  const minute = Math.floor(wall.second / 60);
  return rules[type].some((i) => i.start <= minute && minute < i.end);
}

const refCovers = (right: AccessRight, door: DoorPolicy) =>
  right.kind === 'door' ? right.id === door.doorId : door.zoneIds.includes(right.id);

function refNeeds(mode: AuthMode) {
  return { card: mode !== 'pin+biometric', pin: mode.includes('pin'), biometric: mode.includes('biometric') };
}

/** The factor checks that fail for a mode, by name. */
function factorFailures(mode: AuthMode, p: Presented): DenyReason[] {
  const n = refNeeds(mode);
  const out: DenyReason[] = [];
  if (n.card && !p.card) out.push('card-required');
  if (n.pin && p.pin === undefined) out.push('pin-required');
  if (n.pin && p.pin === 'mismatch') out.push('wrong-pin');
  if (n.biometric && p.biometric === undefined) out.push('biometric-required');
  if (n.biometric && p.biometric === 'mismatch') out.push('biometric-mismatch');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Generated sites.

/** A site, a door, a credential and a moment: everything decide() takes, plus the reference's view. */
interface Scenario {
  zone: Zone;
  at: number;
  periods: Map<number, TimePeriodRules>;
  calendar: Map<string, SpecialDayType>;
  blacklisted: number[];
  credential: CredentialData;
  door: DoorPolicy;
  state: DoorState;
  presented: Presented;
}

function tablesOf(sc: Scenario): DoorTables {
  return {
    zone: tableOf(sc.zone),
    periods: sc.periods,
    calendar: compileCalendar([...sc.calendar].map(([date, type]) => ({ date, type }))),
    blacklist: new Blacklist(
      sc.blacklisted.map((credentialId, i) => ({ seq: i + 1, credentialId, expiresAt: 0 })),
    ),
  };
}

const run = (sc: Scenario, tables = tablesOf(sc), at = sc.at): Decision =>
  decide(sc.credential, sc.door, sc.state, sc.presented, tables, at);

/** Sorted, non-overlapping (possibly touching) minute intervals, at most 8: pairs of sorted cut points. */
const intervalsArb: fc.Arbitrary<Interval[]> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Interval[]>([]) },
  { weight: 2, arbitrary: fc.constant<Interval[]>([{ start: 0, end: 1440 }]) },
  {
    weight: 6,
    arbitrary: fc.array(fc.integer({ min: 0, max: 1440 }), { maxLength: 16 }).map((cuts) => {
      const sorted = [...cuts].sort((a, b) => a - b);
      const out: Interval[] = [];
      for (let i = 0; i + 1 < sorted.length; i += 2)
        if (sorted[i]! < sorted[i + 1]!) out.push({ start: sorted[i]!, end: sorted[i + 1]! });
      return out;
    }),
  },
);

// Validated by the schema itself, so a generator mistake shows up as a parse error, not a false alarm.
const rulesArb: fc.Arbitrary<TimePeriodRules> = fc
  .record(Object.fromEntries(DAY_TYPES.map((d) => [d, intervalsArb])) as Record<DayType, typeof intervalsArb>)
  .map((r) => TimePeriodRules.parse(r));

const specialArb = fc.constantFrom(...SPECIAL_DAY_TYPES);
const modeArb = fc.constantFrom(...AUTH_MODES);
const factorArb = fc.constantFrom<'match' | 'mismatch' | undefined>(undefined, 'match', 'mismatch');
const presentedArb: fc.Arbitrary<Presented> = fc.record({
  card: fc.boolean(),
  pin: factorArb,
  biometric: factorArb,
});
const ALL_FACTORS: Presented = { card: true, pin: 'match', biometric: 'match' };

/** Period ids 1…6 may exist; rights and schedules also name 7 and 8, which never do. */
const periodIdArb = fc.integer({ min: 1, max: 8 });
const rightArb: fc.Arbitrary<AccessRight> = fc.record({
  kind: fc.constantFrom<'door' | 'zone'>('door', 'zone'),
  id: fc.integer({ min: 1, max: 6 }),
  periodId: periodIdArb,
});

const doorArb: fc.Arbitrary<DoorPolicy> = fc.record({
  doorId: fc.integer({ min: 1, max: 6 }),
  zoneIds: fc.uniqueArray(fc.integer({ min: 1, max: 6 }), { maxLength: 3 }),
  openMode: fc.oneof(
    { weight: 4, arbitrary: fc.constant<OpenMode>('standard') },
    { weight: 3, arbitrary: fc.constantFrom(...OPEN_MODES) },
  ),
  officePeriodId: fc.option(periodIdArb, { nil: undefined }),
  auth: fc.record({
    mode: fc.oneof(
      { weight: 3, arbitrary: fc.constant<AuthMode>('card') },
      { weight: 2, arbitrary: modeArb },
    ),
    scheduled: fc.option(fc.record({ periodId: periodIdArb, mode: modeArb }), { nil: undefined, freq: 2 }),
  }),
  openSeconds: fc.integer({ min: 1, max: 30 }),
  extendedOpenSeconds: fc.integer({ min: 1, max: 120 }),
});

/** A bound near the moment: half the time none, otherwise within three days either side. */
const boundArb = fc.option(fc.integer({ min: -3 * DAY, max: 3 * DAY }), { nil: null, freq: 2 });

/** An instant in a zone: anywhere in the compiled years, or within `near` seconds of a DST change. */
function instantArb(zone: Zone, near: number): fc.Arbitrary<number> {
  const t = tableOf(zone);
  const uniform = fc.integer({ min: t.from + 1, max: t.until - 1 });
  const changes = t.changes.slice(1).map((c) => c.at);
  if (changes.length === 0) return uniform;
  const nearChange = fc
    .tuple(fc.constantFrom(...changes), fc.integer({ min: -near, max: near }))
    .map(([at, d]) => at + d);
  return fc.oneof(uniform, nearChange);
}

const placeArb = (near = 2 * 3600) =>
  fc.constantFrom(...ZONES).chain((zone) => instantArb(zone, near).map((at) => ({ zone, at })));

const CREDENTIAL_IDS = 40;

function scenarioArb(near?: number): fc.Arbitrary<Scenario> {
  return fc
    .record({
      place: placeArb(near),
      periods: fc.array(rulesArb, { minLength: 1, maxLength: 6 }),
      // Calendar days around the moment, so the override is exercised, and a few anywhere.
      calendarNear: fc.array(fc.record({ offset: fc.integer({ min: -1, max: 1 }), type: specialArb }), {
        maxLength: 2,
      }),
      calendarFar: fc.array(
        fc.record({
          day: fc.integer({ min: dayOf('2024-01-01'), max: dayOf('2030-12-31') }),
          type: specialArb,
        }),
        { maxLength: 20 },
      ),
      blacklisted: fc.uniqueArray(fc.integer({ min: 1, max: CREDENTIAL_IDS }), { maxLength: 4 }),
      credentialId: fc.integer({ min: 1, max: CREDENTIAL_IDS }),
      validFrom: boundArb,
      validUntil: boundArb,
      revalidateBy: boundArb,
      rights: fc.array(rightArb, { maxLength: 6 }),
      privileges: fc.record({
        office: fc.boolean(),
        privacyOverride: fc.boolean(),
        extendedOpening: fc.boolean(),
      }),
      door: doorArb,
      privacy: fc.oneof(
        { weight: 4, arbitrary: fc.constant(false) },
        { weight: 1, arbitrary: fc.constant(true) },
      ),
      presented: fc.oneof(presentedArb, fc.constant(ALL_FACTORS)),
    })
    .map((r): Scenario => {
      const { zone, at } = r.place;
      const today = dayOf(wallClock(zone, at).date);
      const calendar = new Map<string, SpecialDayType>();
      for (const c of r.calendarFar) calendar.set(dateOf(c.day), c.type);
      for (const c of r.calendarNear) calendar.set(dateOf(today + c.offset), c.type);
      const rel = (d: number | null) => (d === null ? null : at + d);
      return {
        zone,
        at,
        periods: new Map(r.periods.map((rules, i) => [i + 1, rules])),
        calendar,
        blacklisted: r.blacklisted,
        credential: {
          credentialId: r.credentialId,
          userId: r.credentialId + 1000,
          validFrom: rel(r.validFrom),
          validUntil: rel(r.validUntil),
          revalidateBy: rel(r.revalidateBy),
          rights: r.rights,
          privileges: r.privileges,
        },
        door: r.door,
        state: { privacy: r.privacy },
        presented: r.presented,
      };
    });
}

/** The same scenario with every check before the rights neutral: valid, not listed, door not locked down. */
function credentialOnly(sc: Scenario): Scenario {
  return {
    ...sc,
    blacklisted: sc.blacklisted.filter((id) => id !== sc.credential.credentialId),
    credential: { ...sc.credential, validFrom: null, validUntil: null, revalidateBy: null },
    door: { ...sc.door, openMode: sc.door.openMode === 'lockdown' ? 'standard' : sc.door.openMode },
  };
}

/** Every check that fails for a scenario, by the reason it would give, computed by the reference. */
function failures(sc: Scenario): Set<DenyReason> {
  const { credential: c, door, at } = sc;
  const wall = wallClock(sc.zone, at);
  const out = new Set<DenyReason>();
  if (sc.blacklisted.includes(c.credentialId)) out.add('blacklisted');
  if (c.validFrom !== null && at < c.validFrom) out.add('not-yet-valid');
  if (c.validUntil !== null && at >= c.validUntil) out.add('expired');
  if (c.revalidateBy !== null && at >= c.revalidateBy) out.add('revalidation-lapsed');
  if (door.openMode === 'lockdown') out.add('door-locked-down');
  const covering = c.rights.filter((r) => refCovers(r, door));
  if (covering.length === 0) out.add('no-access-to-door');
  else if (
    !covering.some(
      (r) => sc.periods.has(r.periodId) && refAllows(sc.periods.get(r.periodId)!, sc.calendar, wall),
    )
  )
    out.add(
      covering.some((r) => !sc.periods.has(r.periodId)) ? 'unknown-time-period' : 'outside-time-period',
    );
  if (sc.state.privacy && !c.privileges.privacyOverride) out.add('door-in-privacy');
  for (const mode of refModes(sc, wall)) for (const f of factorFailures(mode, sc.presented)) out.add(f);
  return out;
}

/** The factor sets the door wants now, by the reference: a schedule whose period is missing asks for both. */
function refModes(sc: Scenario, wall: WallClock): AuthMode[] {
  const sched = sc.door.auth.scheduled;
  if (!sched) return [sc.door.auth.mode];
  const rules = sc.periods.get(sched.periodId);
  if (!rules) return [sc.door.auth.mode, sched.mode];
  return [refAllows(rules, sc.calendar, wall) ? sched.mode : sc.door.auth.mode];
}

const EARLIER_THAN_RIGHTS: readonly DenyReason[] = [
  'blacklisted',
  'not-yet-valid',
  'expired',
  'revalidation-lapsed',
  'door-locked-down',
];

// ---------------------------------------------------------------------------------------------

describe('local time from a compiled table (property)', () => {
  it('pins every change of offset to the second, two a year where there is DST', () => {
    for (const zone of ZONES) {
      const t = tableOf(zone);
      for (const c of t.changes.slice(1)) {
        expect(intlOffset(zone, c.at - 1)).not.toBe(c.offset);
        expect(intlOffset(zone, c.at)).toBe(c.offset);
      }
      // Two changes a year where there is DST, none where there is not.
      expect(t.changes.length - 1).toBe(zone === 'UTC' || zone === 'Asia/Kathmandu' ? 0 : 2 * 7);
    }
  });

  it('agrees with Intl on date, weekday, time of day and offset in every zone', () => {
    fc.assert(
      fc.property(placeArb(), ({ zone, at }) => {
        const table = tableOf(zone);
        const local = toLocal(table, at);
        const wall = wallClock(zone, at);
        expect({ date: dateOf(local.day), weekday: local.weekday, second: local.second }).toEqual(wall);
        expect(offsetAt(table, at)).toBe(intlOffset(zone, at));
        expect(local.offset).toBe(offsetAt(table, at));
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('finds every instant back from its wall-clock time, and only instants that show it', () => {
    fc.assert(
      fc.property(placeArb(), fc.integer({ min: -3600, max: 3600 }), ({ zone, at }, shift) => {
        const table = tableOf(zone);
        const { day, second } = toLocal(table, at);
        expect(instantsOf(table, day, second)).toContain(at);
        // A wall-clock time near a change (so in the spring gap or the autumn repeat at times): the
        // instants that show it, by Intl, among those one of the zone's offsets away.
        const wanted = Math.min(DAY - 1, Math.max(0, second + shift));
        const offsets = new Set(table.changes.map((c) => c.offset));
        const expected = [...offsets]
          .map((o) => day * DAY + wanted - o)
          .filter((t) => t >= table.from && t < table.until)
          .filter((t) => {
            const w = wallClock(zone, t);
            return w.date === dateOf(day) && w.second === wanted;
          })
          .sort((a, b) => a - b);
        expect(instantsOf(table, day, wanted)).toEqual(expected);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('the access decision (property)', () => {
  it('gives the first failing check in the order of DENY_REASONS, or opens when none fails', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        const fails = failures(sc);
        const d = run(sc);
        const expected = DENY_REASONS.find((r) => fails.has(r));
        if (expected) expect(d).toMatchObject({ granted: false, reason: expected });
        else
          expect(d).toMatchObject({
            granted: true,
            action:
              sc.credential.privileges.office && sc.door.openMode === 'office' ? 'office-toggle' : 'open',
            openSeconds: sc.credential.privileges.extendedOpening
              ? sc.door.extendedOpenSeconds
              : sc.door.openSeconds,
          });
        const key = d.granted ? 'granted' : d.reason;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }),
      { numRuns: RUNS * 2 },
    );
    // Not vacuous: the generator reaches the grant and most reasons.
    expect(seen.get('granted')).toBeGreaterThan(5);
    expect(seen.size).toBeGreaterThanOrEqual(10);
  });

  it('1. never opens a door none of the rights covers (by door id or a zone of the door)', () => {
    fc.assert(
      fc.property(scenarioArb(), (raw) => {
        const sc = {
          ...raw,
          credential: {
            ...raw.credential,
            rights: raw.credential.rights.filter((r) => !refCovers(r, raw.door)),
          },
        };
        const d = run(sc);
        expect(d.granted).toBe(false);
        const earlier = EARLIER_THAN_RIGHTS.find((r) => failures(sc).has(r));
        expect(d).toMatchObject({ reason: earlier ?? 'no-access-to-door' });
      }),
      { numRuns: RUNS },
    );
  });

  it('2. opens only inside a covering right’s time period, with the calendar’s day type', () => {
    let granted = 0;
    fc.assert(
      fc.property(scenarioArb(), (raw) => {
        // Neutral on everything but the rights, the periods and the moment, so grants are common.
        const sc = { ...credentialOnly(raw), state: { privacy: false }, presented: ALL_FACTORS };
        const wall = wallClock(sc.zone, sc.at);
        const covering = sc.credential.rights.filter((r) => refCovers(r, sc.door));
        const allowing = covering.filter(
          (r) => sc.periods.has(r.periodId) && refAllows(sc.periods.get(r.periodId)!, sc.calendar, wall),
        );
        const d = run(sc);
        expect(d.granted).toBe(allowing.length > 0);
        if (d.granted) granted++;
        else if (covering.length > 0)
          expect(d).toMatchObject({
            reason: covering.some((r) => !sc.periods.has(r.periodId))
              ? 'unknown-time-period'
              : 'outside-time-period',
          });
      }),
      { numRuns: RUNS * 2 },
    );
    expect(granted).toBeGreaterThan(RUNS / 10);
  });

  it('3. never opens for a blacklisted credential, whatever else holds', () => {
    fc.assert(
      fc.property(scenarioArb(), (raw) => {
        const sc = { ...raw, blacklisted: [...raw.blacklisted, raw.credential.credentialId] };
        expect(run(sc)).toMatchObject({ granted: false, reason: 'blacklisted' });
      }),
      { numRuns: RUNS },
    );
  });

  it('4. a calendar day decides as if its special intervals were its weekday’s', () => {
    fc.assert(
      fc.property(scenarioArb(), specialArb, (raw, type) => {
        const wall = wallClock(raw.zone, raw.at);
        const special = { ...raw, calendar: new Map(raw.calendar).set(wall.date, type) };
        // Copy the special day's intervals into the weekday in every period (the door's schedule too),
        // and drop the date from the calendar.
        const weekday = WEEKDAY_TYPES[wall.weekday]!;
        const plain = {
          ...raw,
          calendar: new Map([...raw.calendar].filter(([date]) => date !== wall.date)),
          periods: new Map([...raw.periods].map(([id, rules]) => [id, { ...rules, [weekday]: rules[type] }])),
        };
        expect(run(special)).toEqual(run(plain));
      }),
      { numRuns: RUNS },
    );
  });

  it('5. honours validity and revalidation to the second, also at and around DST changes', () => {
    fc.assert(
      fc.property(scenarioArb(5), (raw) => {
        const sc = credentialOnly(raw);
        const T = sc.at;
        const c = sc.credential;
        const neutral = EARLIER_THAN_RIGHTS.slice(0, 4) as DenyReason[];
        const reason = (d: Decision) => (d.granted ? 'granted' : d.reason);

        const until = { ...sc, credential: { ...c, validUntil: T } };
        expect(neutral).not.toContain(reason(run(until, undefined, T - 1)));
        expect(run(until, undefined, T)).toMatchObject({ reason: 'expired' });

        const reval = { ...sc, credential: { ...c, revalidateBy: T } };
        expect(neutral).not.toContain(reason(run(reval, undefined, T - 1)));
        expect(run(reval, undefined, T)).toMatchObject({ reason: 'revalidation-lapsed' });

        const from = { ...sc, credential: { ...c, validFrom: T } };
        expect(run(from, undefined, T - 1)).toMatchObject({ reason: 'not-yet-valid' });
        expect(neutral).not.toContain(reason(run(from, undefined, T)));
      }),
      { numRuns: RUNS },
    );
  });

  it('6. reports the most fundamental reason first (explicit cases)', () => {
    const zone: Zone = 'Europe/Madrid';
    // Tuesday 1 December 2026, 20:00 CET: outside an 08:00–18:00 weekday period.
    const at = s('2026-12-01T19:00:00Z');
    const day = [{ start: 480, end: 1080 }];
    const base: Scenario = {
      zone,
      at,
      periods: new Map([[1, TimePeriodRules.parse({ mon: day, tue: day, wed: day, thu: day, fri: day })]]),
      calendar: new Map(),
      blacklisted: [],
      credential: {
        credentialId: 7,
        userId: 7,
        validFrom: null,
        validUntil: null,
        revalidateBy: null,
        rights: [{ kind: 'door', id: 1, periodId: 1 }],
        privileges: { office: false, privacyOverride: false, extendedOpening: false },
      },
      door: {
        doorId: 1,
        zoneIds: [],
        openMode: 'standard',
        auth: { mode: 'card' },
        openSeconds: 5,
        extendedOpenSeconds: 9,
      },
      state: { privacy: true },
      presented: { card: false },
    };
    const expired = { ...base, credential: { ...base.credential, validUntil: at - 1 } };
    expect(run({ ...expired, blacklisted: [7] })).toMatchObject({ reason: 'blacklisted' });
    expect(run(expired)).toMatchObject({ reason: 'expired' });
    expect(run({ ...expired, door: { ...base.door, openMode: 'lockdown' } })).toMatchObject({
      reason: 'expired',
    });
    expect(run(base)).toMatchObject({ reason: 'outside-time-period' });
    expect(run({ ...base, at: at - 3 * 3600 })).toMatchObject({ reason: 'door-in-privacy' });
    expect(run({ ...base, at: at - 3 * 3600, state: { privacy: false } })).toMatchObject({
      reason: 'card-required',
    });
  });

  it('7. asks for exactly the factors of the door’s mode (every mode, every combination presented)', () => {
    const at = s('2026-06-10T10:00:00Z');
    const allDay = TimePeriodRules.parse(
      Object.fromEntries(DAY_TYPES.map((d) => [d, [{ start: 0, end: 1440 }]])),
    );
    for (const mode of AUTH_MODES)
      for (const card of [false, true])
        for (const pin of [undefined, 'match', 'mismatch'] as const)
          for (const biometric of [undefined, 'match', 'mismatch'] as const) {
            const presented = { card, pin, biometric };
            const sc: Scenario = {
              zone: 'Europe/Madrid',
              at,
              periods: new Map([[1, allDay]]),
              calendar: new Map(),
              blacklisted: [],
              credential: {
                credentialId: 1,
                userId: 1,
                validFrom: null,
                validUntil: null,
                revalidateBy: null,
                rights: [{ kind: 'door', id: 1, periodId: 1 }],
                privileges: { office: false, privacyOverride: false, extendedOpening: false },
              },
              door: {
                doorId: 1,
                zoneIds: [],
                openMode: 'standard',
                auth: { mode },
                openSeconds: 5,
                extendedOpenSeconds: 9,
              },
              state: { privacy: false },
              presented,
            };
            const n = refNeeds(mode);
            const satisfied =
              (!n.card || card) && (!n.pin || pin === 'match') && (!n.biometric || biometric === 'match');
            const d = run(sc);
            expect({ mode, presented, granted: d.granted }).toEqual({ mode, presented, granted: satisfied });
            if (!d.granted) expect(factorFailures(mode, presented)).toContain(d.reason);
          }
  });

  it('7. applies a scheduled mode inside its period and the default mode outside it', () => {
    let inside = 0;
    let outside = 0;
    fc.assert(
      fc.property(
        scenarioArb(),
        modeArb,
        modeArb,
        presentedArb,
        fc.integer({ min: 1, max: 8 }),
        (raw, def, sched, presented, periodId) => {
          const base = { ...credentialOnly(raw), state: { privacy: false }, presented };
          // A credential good for this door now, so only the factors decide.
          const sc: Scenario = {
            ...base,
            credential: {
              ...base.credential,
              rights: [{ kind: 'door', id: base.door.doorId, periodId: 100 }],
            },
            periods: new Map(base.periods).set(
              100,
              TimePeriodRules.parse(Object.fromEntries(DAY_TYPES.map((d) => [d, [{ start: 0, end: 1440 }]]))),
            ),
            door: { ...base.door, auth: { mode: def, scheduled: { periodId, mode: sched } } },
          };
          const rules = sc.periods.get(periodId);
          const applies = rules !== undefined && refAllows(rules, sc.calendar, wallClock(sc.zone, sc.at));
          if (applies) inside++;
          else if (rules) outside++;
          // A missing period asks for both modes' factors (fail closed).
          const modes = !rules ? [def, sched] : [applies ? sched : def];
          const failed = modes.flatMap((m) => factorFailures(m, presented));
          const d = run(sc);
          expect(d.granted).toBe(failed.length === 0);
          if (!d.granted) expect(failed).toContain(d.reason);
        },
      ),
      { numRuns: RUNS },
    );
    expect(inside).toBeGreaterThan(RUNS / 10);
    expect(outside).toBeGreaterThan(RUNS / 10);
  });

  it('8. is deterministic and leaves its inputs alone', () => {
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        const tables = tablesOf(sc);
        const before = JSON.stringify([
          sc.credential,
          sc.door,
          sc.state,
          sc.presented,
          [...sc.periods],
          tables.zone,
        ]);
        const first = run(sc, tables);
        expect(run(sc, tables)).toEqual(first);
        // Fresh, equal inputs (new tables, new blacklist) give the same answer too.
        expect(run(structuredClone(sc))).toEqual(first);
        expect(
          JSON.stringify([sc.credential, sc.door, sc.state, sc.presented, [...sc.periods], tables.zone]),
        ).toBe(before);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('DST examples (Europe/Madrid 2026)', () => {
  const zone: Zone = 'Europe/Madrid';
  // A period 02:00–03:00 on Sundays only.
  const night = () => TimePeriodRules.parse({ sun: [{ start: 120, end: 180 }] });
  const scenarioAt = (at: number): Scenario => ({
    zone,
    at,
    periods: new Map([[1, night()]]),
    calendar: new Map(),
    blacklisted: [],
    credential: {
      credentialId: 1,
      userId: 1,
      validFrom: null,
      validUntil: null,
      revalidateBy: null,
      rights: [{ kind: 'zone', id: 5, periodId: 1 }],
      privileges: { office: false, privacyOverride: false, extendedOpening: false },
    },
    door: {
      doorId: 1,
      zoneIds: [5],
      openMode: 'standard',
      auth: { mode: 'card' },
      openSeconds: 5,
      extendedOpenSeconds: 9,
    },
    state: { privacy: false },
    presented: { card: true },
  });
  /** The instants, minute by minute over [from, to), at which the door opens. */
  const grantedMinutes = (from: number, to: number) => {
    const out: number[] = [];
    for (let t = from; t < to; t += 60) if (run(scenarioAt(t)).granted) out.push(t);
    return out;
  };

  it('29 March (02:00 → 03:00): 02:00–03:00 never happens, so the period allows nothing', () => {
    // Local midnight to midnight: 00:00 CET is 23:00Z the day before, the next midnight (CEST) 22:00Z.
    expect(grantedMinutes(s('2026-03-28T23:00:00Z'), s('2026-03-29T22:00:00Z'))).toEqual([]);
    const t = tableOf(zone);
    const day = dayOf('2026-03-29');
    expect(instantsOf(t, day, 2 * 3600)).toEqual([]);
    expect(instantsOf(t, day, 2.5 * 3600)).toEqual([]);
    expect(instantsOf(t, day, 3 * 3600 - 1)).toEqual([]);
    expect(instantsOf(t, day, 2 * 3600 - 1)).toEqual([s('2026-03-29T00:59:59Z')]);
    expect(instantsOf(t, day, 3 * 3600)).toEqual([s('2026-03-29T01:00:00Z')]);
  });

  it('25 October (03:00 → 02:00): 02:00–03:00 happens twice, so the period allows two real hours', () => {
    const minutes = grantedMinutes(s('2026-10-24T22:00:00Z'), s('2026-10-25T23:00:00Z'));
    // 02:00 CEST is 00:00Z; 03:00 CET, the end of the repeated hour, is 02:00Z.
    const expected = Array.from({ length: 120 }, (_, i) => s('2026-10-25T00:00:00Z') + i * 60);
    expect(minutes).toEqual(expected);
    expect(run(scenarioAt(s('2026-10-25T01:59:59Z'))).granted).toBe(true);
    expect(run(scenarioAt(s('2026-10-25T02:00:00Z'))).granted).toBe(false);
    expect(run(scenarioAt(s('2026-10-24T23:59:59Z'))).granted).toBe(false);
    const t = tableOf(zone);
    const day = dayOf('2026-10-25');
    expect(instantsOf(t, day, 2 * 3600)).toEqual([s('2026-10-25T00:00:00Z'), s('2026-10-25T01:00:00Z')]);
    expect(instantsOf(t, day, 3 * 3600 - 1)).toEqual([s('2026-10-25T00:59:59Z'), s('2026-10-25T01:59:59Z')]);
    expect(instantsOf(t, day, 2 * 3600 - 1)).toEqual([s('2026-10-24T23:59:59Z')]);
    expect(instantsOf(t, day, 3 * 3600)).toEqual([s('2026-10-25T02:00:00Z')]);
  });

  it('matches Intl every minute for three hours either side of both changes, and every second at them', () => {
    const t = tableOf(zone);
    for (const change of [s('2026-03-29T01:00:00Z'), s('2026-10-25T01:00:00Z')]) {
      expect(t.changes.map((c) => c.at)).toContain(change);
      const check = (at: number) => {
        const local = toLocal(t, at);
        expect({ at, date: dateOf(local.day), weekday: local.weekday, second: local.second }).toEqual({
          at,
          ...wallClock(zone, at),
        });
      };
      for (let at = change - 3 * 3600; at <= change + 3 * 3600; at += 60) check(at);
      for (let at = change - 120; at <= change + 120; at++) check(at);
    }
  });
});
