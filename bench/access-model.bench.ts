import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventRepo, type NewAccessEvent } from '../app/store/event-repo.js';
import { migrate } from '../app/store/migrations/index.js';
import { openEncrypted, openPlain, tune, type Db } from '../app/store/sqlite.js';
import {
  BIG_SITE,
  DEPARTMENTS,
  FIRST_NAMES,
  LAST_NAMES,
  Random,
  generateBigSite,
  siteEvents,
} from '../test/helpers/big-site.js';
import { serviceFixture } from '../test/helpers/service-fixture.js';
import { compileCard, compileDoor } from '../app/store/access-compiler.js';
import { compared, median, type BenchResult } from './bench-result.js';

// The access model at the size of a large site: events appended as gateways forward them (encrypted,
// through EventRepo, against raw inserts into plain SQLite with the same table and indexes), the
// cardholder search the console types into, and how long the big-site fixture takes to write.
const ROWS = 200_000;
const ROUNDS = 3;
const QUERIES = 200;
const WARM_UP = 10;
// The floor, for 10,000-event commits (the size of a bulk upload from a gateway or a PPD).
// 1,000-event commits are measured too, to show what each commit's fsync costs; the floor is not theirs.
const FLOOR = 200_000;
const FLOOR_BATCH = 10_000;

function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)]!;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const n = (x: number) => Math.round(x).toLocaleString('en');

/** The same rows for both sides: the first 200,000 events of a year at the big site's density. */
function eventRows(): NewAccessEvent[] {
  const rows: NewAccessEvent[] = [];
  for (const e of siteEvents({ doors: BIG_SITE.doors, users: BIG_SITE.users, events: 1_000_000, seed: 5 })) {
    rows.push(e);
    if (rows.length === ROWS) break;
  }
  return rows;
}

/** Events/s through EventRepo.appendBatch into a freshly migrated encrypted site schema. */
function repoRate(dir: string, name: string, rows: readonly NewAccessEvent[], batch: number): number {
  const db = openEncrypted(path.join(dir, `${name}.db`), randomBytes(32), { create: true });
  tune(db);
  migrate(db, () => new Date());
  const repo = new EventRepo(db);
  const t0 = performance.now();
  for (let i = 0; i < rows.length; i += batch) repo.appendBatch(rows.slice(i, i + batch));
  const rate = rows.length / ((performance.now() - t0) / 1000);
  db.close();
  return rate;
}

/** Events/s for the same rows as bare one-row inserts into plain SQLite with the same schema (migrated). */
function rawPlainRate(dir: string, name: string, rows: readonly unknown[][], batch: number): number {
  const db: Db = openPlain(path.join(dir, `${name}.db`));
  tune(db);
  migrate(db, () => new Date());
  const insert = db.prepare(
    `INSERT INTO access_event (at, kind, door_id, cardholder_id, credential_id, reason, source, detail)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const tx = db.transaction((start: number) => {
    for (let i = start; i < Math.min(start + batch, rows.length); i++) insert.run(...rows[i]!);
  });
  const t0 = performance.now();
  for (let i = 0; i < rows.length; i += batch) tx(i);
  const rate = rows.length / ((performance.now() - t0) / 1000);
  db.close();
  return rate;
}

/** Search strings as people type them: name prefixes, first + last, identifiers, departments. */
function searches(n: number): string[] {
  const rnd = new Random(42);
  return Array.from({ length: n }, (_, i) => {
    const last = rnd.pick(LAST_NAMES);
    switch (i % 5) {
      case 0:
      case 1:
        return last.slice(0, rnd.between(2, 5)).toLowerCase();
      case 2:
        return `${rnd.pick(FIRST_NAMES).slice(0, 3)} ${last.slice(0, 4)}`;
      case 3:
        return `E${String(rnd.between(1, BIG_SITE.users)).padStart(6, '0').slice(0, rnd.between(4, 6))}`;
      default:
        return rnd.pick(DEPARTMENTS).slice(0, rnd.between(3, 9));
    }
  });
}

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];

  // 1. Event insertion, interleaved rounds on fresh files, median.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-bench-events-'));
  const rows = eventRows();
  const raw = rows.map((e) => [
    Date.parse(e.at),
    e.kind,
    e.doorId ?? null,
    e.userId ?? null,
    e.credentialId ?? null,
    e.reason ?? null,
    e.source,
    e.detail ? JSON.stringify(e.detail) : '{}',
  ]);
  const samples: Record<string, number[]> = {};
  const add = (k: string, v: number) => (samples[k] ??= []).push(v);
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const batch of [1000, 10_000]) {
        // Alternate which side goes first so drift in the machine's load hits both equally.
        const sides = r % 2 ? (['plain', 'enc'] as const) : (['enc', 'plain'] as const);
        for (const side of sides) {
          const name = `${side}-${batch}-${r}`;
          add(
            `${side}-${batch}`,
            side === 'enc' ? repoRate(dir, name, rows, batch) : rawPlainRate(dir, name, raw, batch),
          );
        }
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  for (const batch of [1000, 10_000]) {
    const enc = median(samples[`enc-${batch}`]!);
    results.push({
      ...compared(
        `events.append.batch-${batch}`,
        'events/s',
        enc,
        median(samples[`plain-${batch}`]!),
        0.5,
        `${n(ROWS)} events (73 days of a 1,000,000-a-year site) through EventRepo.appendBatch in ` +
          `${n(batch)}-event transactions into the encrypted site schema (3 indexes), vs bare one-row ` +
          `inserts of the same rows into plain SQLite with the same schema; median of ${ROUNDS}; ` +
          (batch === FLOOR_BATCH ? `floor ${n(FLOOR)} events/s` : 'no floor: shows the cost of each commit'),
      ),
      ...(batch === FLOOR_BATCH ? { floor: FLOOR } : {}),
    });
  }

  // 2. The big-site fixture on a real encrypted site, then 3. cardholder search through the Service.
  const f = await serviceFixture();
  try {
    const { ms, counts: c } = generateBigSite(f.site.db, { ...BIG_SITE, blacklistEntries: 65_535 });
    results.push(
      {
        name: 'fixture.doors',
        value: Math.round(ms.doors),
        unit: 'ms',
        note:
          `${c.zones} zones, ${n(c.doors)} doors, ${n(c.doorZones)} door-zone rows; ` +
          'change-log triggers included',
      },
      {
        name: 'fixture.users',
        value: Math.round(ms.users),
        unit: 'ms',
        note:
          `${n(c.users)} cardholders, ${n(c.userLevels)} access-level grants, ${n(c.credentials)} keys, ` +
          `${n(c.blacklist)} blacklist entries; search-index and change-log triggers included`,
      },
      {
        name: 'fixture.all-but-events',
        value: Math.round(ms.schedules + ms.doors + ms.accessLevels + ms.users),
        unit: 'ms',
        note:
          `the two above, ${n(c.timePeriods)} time periods and ${n(c.accessLevels)} access levels with ` +
          `${n(c.rights)} rights; ${n(c.changeLog)} change-log rows written`,
      },
      {
        name: 'fixture.events',
        value: Math.round(ms.events),
        unit: 'ms',
        note:
          `${n(c.events)} events over a year through EventRepo.appendBatch(10,000) into the growing ` +
          `encrypted table: ${n(c.events / (ms.events / 1000))} events/s, generating them included`,
      },
    );

    const caller = f.callerOf(f.admin.token)!;
    const times: number[] = [];
    for (const [i, search] of searches(WARM_UP + QUERIES).entries()) {
      const t0 = performance.now();
      const r = await f.call('users.list', { search, limit: 50 }, { caller });
      if (i >= WARM_UP) times.push(performance.now() - t0);
      if ('error' in r) throw new Error(`users.list ${JSON.stringify(search)}: ${r.error.message}`);
    }
    results.push({
      name: 'users.search.p95',
      value: round1(p95(times)),
      unit: 'ms',
      limit: 30,
      note:
        `${QUERIES} users.list calls through service.dispatcher.call (params, permission, result schema) ` +
        `over ${n(c.users)} cardholders: name prefixes, first + last, identifiers, departments; limit 50; ` +
        `median ${round1(median(times))} ms, after ${WARM_UP} warm-up calls`,
    });

    // 4. Compile every door's tables, as a gateway or the PPD would after a full resync.
    const doorIds = (f.site.db.prepare('SELECT id FROM door ORDER BY id').all() as { id: number }[]).map(
      (d) => d.id,
    );
    const t0 = performance.now();
    let periods = 0;
    for (const id of doorIds) periods += compileDoor(f.site.db, id)!.periods.length;
    const compileMs = performance.now() - t0;
    const cards = (
      f.site.db.prepare('SELECT id FROM credential ORDER BY id LIMIT 10000').all() as { id: number }[]
    ).map((r) => r.id);
    const t1 = performance.now();
    for (const id of cards) compileCard(f.site.db, id);
    const cardMs = performance.now() - t1;
    results.push(
      {
        name: 'compile.all-door-tables',
        value: Math.round(compileMs),
        unit: 'ms',
        note: `${n(doorIds.length)} doors compiled (policy, ${n(periods)} period references in all, calendar, blacklist sequence), ${round1((compileMs * 1000) / doorIds.length)} µs a door`,
      },
      {
        name: 'compile.card-data',
        value: round1((cardMs * 1000) / cards.length),
        unit: 'µs/card',
        note: `${n(cards.length)} keys compiled to card data (rights from their holders' access levels, validity, revalidation)`,
      },
    );
  } finally {
    f.close();
    fs.rmSync(f.temp.root, { recursive: true, force: true });
  }
  return results;
}
