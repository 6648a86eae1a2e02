import { z } from 'zod';
import { Blacklist, BLACKLIST_CAPACITY, type BlacklistEntry } from '../access/blacklist.js';
import { blacklistFragmentOf, type CardBlacklist } from '../card/blacklist-fragment.js';
import { MAX_CARD_BLACKLIST } from '../card/format-limits.js';
import { mergeCardFragment } from './card-blacklist.js';

/**
 * A propagation model of the virtual network (issue 9): how long a cancelled key takes to reach every
 * offline lock through the cards of other users, and how update points change it. Deterministic for a
 * seed, discrete-event, and built on the real parts: the locks hold a real {@link Blacklist}, update
 * points write {@link blacklistFragmentOf} onto cards, and locks take them with {@link mergeCardFragment}
 * (a fragment with a gap adds its entries without moving the lock's sequence). Used by
 * bench/locks.bench.ts; it makes no claim beyond the population it is given.
 *
 * The site: offline locks grouped in departments; every lock used by someone. A few locks per
 * department are busy, the rest less so (weights 1, 1/2, 1/3… within a department), so the locks a
 * cancelled key reaches last are the storerooms few people open. Each user has a home set of locks,
 * mostly in their own department. On a day they come in (most working days, rarely at weekends) they
 * arrive in the morning, present their card at each update point on their way (a fixed share of users
 * passes each one: the main entrance, a car-park gate), then present it at locks of their home set
 * through the working day. Only update points write blacklist fragments (an offline lock writes none
 * on cards), so a cancelled key reaches a lock only on a card written after the cancellation while the
 * key was among the site's {@link MAX_CARD_BLACKLIST} newest entries; background cancellations push it
 * out of that window, after which only the PPD round brings it.
 *
 * At the start every lock holds the site's whole blacklist (a PPD round) and every card the fragment
 * of that moment; `warmupDays` of ordinary traffic and background cancellations follow, so locks drift
 * apart as they do on a real site; then the key is cancelled and the model runs `horizonDays` more.
 */

const Share = z.number().min(0).max(1);

/** An online wall reader that rewrites the fragment on every card presented to it. */
export const UpdatePoint = z.strictObject({
  name: z.string().min(1).max(100),
  /** The share of users whose way in passes it (each user passes it every day they come in, or never). */
  coverage: Share,
});
export type UpdatePoint = z.infer<typeof UpdatePoint>;

/** What the model is run on; every field but the update points has a default. */
export const VirtualNetworkScenario = z
  .strictObject({
    locks: z.number().int().min(1).max(10_000).default(100),
    users: z.number().int().min(1).max(100_000).default(500),
    /** Departments the locks are split into; users mostly use the locks of their own. */
    departments: z.number().int().min(1).max(1000).default(10),
    /** Locks each user opens (office, meeting room, store…). */
    homeLocks: z.number().int().min(1).max(50).default(3),
    /** The chance that a home lock is drawn from the whole site instead of the user's department. */
    crossDepartment: Share.default(0.1),
    /** Mean presentations at offline locks per user per day in (Poisson). */
    presentationsPerDay: z.number().min(0).max(100).default(4),
    /** The chance a user comes in on a working day (Monday–Friday), and on a weekend day. */
    attendance: Share.default(0.9),
    weekendAttendance: Share.default(0.05),
    updatePoints: z.array(UpdatePoint).max(100),
    /** Mean keys cancelled per working day besides the one followed (Poisson, during office hours). */
    cancellationsPerDay: z.number().min(0).max(1000).default(2),
    /** Entries on the site's blacklist at the start. */
    initialEntries: z.number().int().min(0).max(10_000).default(100),
    /** Days of ordinary traffic before the followed key is cancelled; day 0 is a Monday. */
    warmupDays: z.number().int().min(0).max(365).default(7),
    /** When on the day after the warm-up the key is cancelled (hours after midnight). */
    cancelAtHour: z.number().min(0).lt(24).default(11),
    /** How long after the cancellation the model runs; locks not reached by then need the PPD round. */
    horizonDays: z.number().int().min(1).max(365).default(14),
    /** The lock's blacklist capacity. */
    lockCapacity: z.number().int().min(1).max(BLACKLIST_CAPACITY).default(BLACKLIST_CAPACITY),
    seed: z.number().int().default(1),
  })
  .refine((s) => s.initialEntries <= s.lockCapacity, {
    message: 'the initial blacklist must fit the lock (initialEntries ≤ lockCapacity)',
    path: ['initialEntries'],
  });
export type VirtualNetworkScenario = z.infer<typeof VirtualNetworkScenario>;

/** What one run found. */
export interface VirtualNetworkResult {
  scenario: VirtualNetworkScenario;
  /** Per lock: hours from the cancellation until it listed the key; null when not within the horizon. */
  reachedAfterHours: (number | null)[];
  /** Hours until every lock listed the key; null when some lock was not reached within the horizon. */
  allLocksHours: number | null;
  /** The median and 90th percentile over locks (null: more than half / a tenth never reached). */
  medianHours: number | null;
  p90Hours: number | null;
  /** Locks the key did not reach within the horizon: only the PPD round brings it to them. */
  neverReached: number;
  /**
   * Hours after the cancellation until update points stopped writing the key (the 16th later
   * cancellation pushed it out of the card fragment); null when it was still written at the horizon.
   */
  windowHours: number | null;
  /** Presentations at offline locks, and at update points (cards rewritten), after the cancellation. */
  presentations: number;
  cardsWritten: number;
  /** Fragments merged with a gap (entries added, the lock's sequence kept) over the whole run. */
  gapMerges: number;
  /** Fragments a full lock refused (Blacklist's RangeError: nothing merged; the site must compact). */
  fullRefusals: number;
  /**
   * Locks missing, at the horizon, an entry that update points no longer write (older than the site's
   * 16 newest): a gap that only an old card or the PPD round closes.
   */
  locksBehind: number;
}

/** mulberry32: a small seeded generator, so one seed gives one run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A Poisson draw (Knuth's; the means here are small). */
function poisson(rnd: () => number, mean: number): number {
  if (mean <= 0) return 0;
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rnd();
  while (p > limit) {
    k++;
    p *= rnd();
  }
  return k;
}

const between = (rnd: () => number, lo: number, hi: number) => lo + rnd() * (hi - lo);

/** Draws an index by weight. */
function weighted(rnd: () => number, weights: readonly number[], total: number): number {
  let x = rnd() * total;
  for (let i = 0; i < weights.length; i++) {
    x -= weights[i]!;
    if (x < 0) return i;
  }
  return weights.length - 1;
}

/**
 * The hours by which a share `q` of the locks listed the key (nulls: never within the horizon, so
 * last); null when the share falls among those never reached.
 */
export function quantileHours(values: readonly (number | null)[], q: number): number | null {
  const reached = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  const rank = Math.ceil(q * values.length) - 1;
  return rank < reached.length ? reached[Math.max(rank, 0)]! : null;
}

const ARRIVAL = [7.5, 9.5] as const;
const DEPARTURE = [16.5, 18.5] as const;
const OFFICE = [8, 18] as const;
/** Any expiry a 32-bit door stores: the model never compacts. */
const EXPIRES_AT = 2_000_000_000;
const FOLLOWED_ID = 900_000_000;
const BACKGROUND_ID = 800_000_000;

interface User {
  home: number[];
  /** The fragment on the card, as the last update point wrote it. */
  card: CardBlacklist;
  /** Whether the user's way in passes an update point. */
  passes: boolean;
}

type Event =
  | { at: number; kind: 'cancel'; followed: boolean }
  | { at: number; kind: 'arrive'; user: number }
  | { at: number; kind: 'present'; user: number; lock: number };

/**
 * Users and their home sets. Independent generators for the population, the update-point routes and
 * the days, so changing the coverage of an update point changes nothing else: with the same seed a
 * higher coverage adds users to those who pass it (its unit test relies on that).
 */
function population(s: VirtualNetworkScenario): { home: number[][]; passes: boolean[] } {
  const rnd = prng(s.seed);
  const route = prng(s.seed ^ 0x5bd1e995);
  const deptOf = (lock: number) => lock % s.departments;
  const byDept: number[][] = Array.from({ length: s.departments }, () => []);
  for (let l = 0; l < s.locks; l++) byDept[deptOf(l)]!.push(l);
  const weightsOf = byDept.map((locks) => locks.map((_, rank) => 1 / (rank + 1)));
  const totals = weightsOf.map((w) => w.reduce((a, b) => a + b, 0));
  const siteWeights = Array.from(
    { length: s.locks },
    (_, l) => weightsOf[deptOf(l)]![byDept[deptOf(l)]!.indexOf(l)]!,
  );
  const siteTotal = siteWeights.reduce((a, b) => a + b, 0);

  const home: number[][] = [];
  const passes: boolean[] = [];
  for (let u = 0; u < s.users; u++) {
    const dept = u % s.departments;
    const set = new Set<number>();
    const wanted = Math.min(s.homeLocks, s.locks);
    for (let tries = 0; set.size < wanted && tries < 50 * wanted; tries++) {
      const locks = byDept[dept]!;
      if (rnd() < s.crossDepartment || locks.length === 0) set.add(weighted(rnd, siteWeights, siteTotal));
      else set.add(locks[weighted(rnd, weightsOf[dept]!, totals[dept]!)]!);
    }
    home.push([...set]);
    passes.push(false);
  }
  // Whether each user passes each update point: one draw per (point, user), compared with its coverage.
  for (const point of s.updatePoints) {
    for (let u = 0; u < s.users; u++) if (route() < point.coverage) passes[u] = true;
  }
  // A door nobody opens is not on a site: give each unused lock to someone of its department.
  const used = new Set(home.flat());
  for (let l = 0; l < s.locks; l++) {
    if (used.has(l)) continue;
    const candidates = home.map((_, u) => u).filter((u) => u % s.departments === deptOf(l));
    const u = candidates.length
      ? candidates[Math.floor(rnd() * candidates.length)]!
      : Math.floor(rnd() * s.users);
    home[u]!.push(l);
  }
  return { home, passes };
}

/** Runs the model. Throws a ZodError naming the field when the scenario is out of range. */
export function simulateVirtualNetwork(input: z.input<typeof VirtualNetworkScenario>): VirtualNetworkResult {
  const s = VirtualNetworkScenario.parse(input);
  const days = prng(s.seed ^ 0x27d4eb2f);
  const cancels = prng(s.seed ^ 0x165667b1);

  // The site's blacklist as the Service holds it, and the fragment update points write now.
  const site: BlacklistEntry[] = Array.from({ length: s.initialEntries }, (_, i) => ({
    seq: i + 1,
    credentialId: BACKGROUND_ID + i + 1,
    expiresAt: EXPIRES_AT,
  }));
  let fragment = blacklistFragmentOf(site, site.length);
  const locks = Array.from({ length: s.locks }, () => new Blacklist(site, s.lockCapacity));
  // Fragments each lock merged with a gap at its present sequence. Merging one again would add
  // nothing (every entry is there, and the model never compacts) but costs a rebuild of the lock's
  // list, and a lock stuck behind a gap meets the same few fragments thousands of times: skipped.
  // Cards written between two cancellations share one fragment object, so this stays small.
  const takenAt = locks.map(() => ({ seq: -1, gaps: new Set<CardBlacklist>() }));
  const { home, passes } = population(s);
  const users: User[] = home.map((h, u) => ({ home: h, card: fragment, passes: passes[u]! }));

  const t0 = s.warmupDays * 24 + s.cancelAtHour;
  const end = t0 + s.horizonDays * 24;
  const reachedAt: (number | null)[] = Array.from({ length: s.locks }, () => null);
  let followedSeq: number | null = null;
  let windowClosedAt: number | null = null;
  let presentations = 0;
  let cardsWritten = 0;
  let gapMerges = 0;
  let fullRefusals = 0;

  for (let day = 0; day * 24 < end; day++) {
    const weekend = day % 7 >= 5;
    const events: Event[] = [];
    if (!weekend) {
      for (let i = poisson(cancels, s.cancellationsPerDay); i > 0; i--) {
        events.push({
          at: day * 24 + between(cancels, OFFICE[0], OFFICE[1]),
          kind: 'cancel',
          followed: false,
        });
      }
    }
    if (day === s.warmupDays) events.push({ at: t0, kind: 'cancel', followed: true });
    users.forEach((user, u) => {
      if (days() >= (weekend ? s.weekendAttendance : s.attendance)) return;
      const arrive = day * 24 + between(days, ARRIVAL[0], ARRIVAL[1]);
      const leave = day * 24 + between(days, DEPARTURE[0], DEPARTURE[1]);
      events.push({ at: arrive, kind: 'arrive', user: u });
      for (let i = poisson(days, s.presentationsPerDay); i > 0; i--) {
        const lock = user.home[Math.floor(days() * user.home.length)]!;
        events.push({ at: between(days, arrive, leave), kind: 'present', user: u, lock });
      }
    });
    events.sort((a, b) => a.at - b.at);

    for (const e of events) {
      if (e.at >= end) break;
      const after = e.at >= t0;
      if (e.kind === 'cancel') {
        const seq = site.length + 1;
        site.push({
          seq,
          credentialId: e.followed ? FOLLOWED_ID : BACKGROUND_ID + seq,
          expiresAt: EXPIRES_AT,
        });
        fragment = blacklistFragmentOf(site.slice(-MAX_CARD_BLACKLIST), seq);
        if (e.followed) followedSeq = seq;
        // 16 newer entries: update points no longer write the followed key.
        if (followedSeq !== null && windowClosedAt === null && seq - followedSeq >= MAX_CARD_BLACKLIST)
          windowClosedAt = e.at;
      } else if (e.kind === 'arrive') {
        const user = users[e.user]!;
        if (!user.passes) continue;
        user.card = fragment;
        if (after) cardsWritten++;
      } else {
        const lock = locks[e.lock]!;
        const card = users[e.user]!.card;
        const taken = takenAt[e.lock]!;
        if (taken.seq !== lock.sequence) {
          taken.seq = lock.sequence;
          taken.gaps.clear();
        }
        if (taken.gaps.has(card)) {
          gapMerges++; // the same fragment again: the lock would add nothing (see takenAt)
        } else {
          try {
            if (mergeCardFragment(lock, card).gap) {
              gapMerges++;
              taken.gaps.add(card);
            }
          } catch (err) {
            if (!(err instanceof RangeError)) throw err;
            fullRefusals++; // the lock is full: it records it and opens on its old list
          }
        }
        if (after) {
          presentations++;
          if (reachedAt[e.lock] === null && lock.has(FOLLOWED_ID)) reachedAt[e.lock] = e.at - t0;
        }
      }
    }
  }

  // Entries update points no longer write: a lock missing one of them waits for an old card or the PPD.
  const stale = site.slice(0, -MAX_CARD_BLACKLIST);
  const reachedAfterHours = reachedAt.map((h) => (h === null ? null : Math.round(h * 100) / 100));
  const neverReached = reachedAfterHours.filter((h) => h === null).length;
  return {
    scenario: s,
    reachedAfterHours,
    allLocksHours: neverReached ? null : Math.max(...(reachedAfterHours as number[])),
    medianHours: quantileHours(reachedAfterHours, 0.5),
    p90Hours: quantileHours(reachedAfterHours, 0.9),
    neverReached,
    windowHours: windowClosedAt === null ? null : Math.round((windowClosedAt - t0) * 100) / 100,
    presentations,
    cardsWritten,
    gapMerges,
    fullRefusals,
    locksBehind: locks.filter((lock) => stale.some((e) => !lock.has(e.credentialId))).length,
  };
}
