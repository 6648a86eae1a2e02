import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openEncrypted, openPlain, tune, type Db } from '../app/store/sqlite.js';
import { compared, median, type BenchResult } from './bench-result.js';

// The shape of the Service's busiest table to come: access events appended in batches as gateways
// forward them, indexed by door and time.
const SCHEMA = `
  CREATE TABLE event (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    door_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    kind    TEXT NOT NULL,
    detail  TEXT NOT NULL
  ) STRICT;
  CREATE INDEX event_door_at ON event (door_id, at);
`;
const ROWS = 200_000;
const READS = 200_000;
const ROUNDS = 5;

function prepare(dir: string, name: string, encrypted: boolean): Db {
  const file = path.join(dir, `${name}.db`);
  // Both sides get the production tuning (WAL, synchronous=FULL, cache, checkpoint size): only the
  // page encryption differs.
  const db = encrypted ? openEncrypted(file, randomBytes(32), { create: true }) : openPlain(file);
  tune(db);
  db.exec(SCHEMA);
  return db;
}

function insertRate(db: Db, batch: number): number {
  const insert = db.prepare('INSERT INTO event (at, door_id, user_id, kind, detail) VALUES (?, ?, ?, ?, ?)');
  const base = Date.parse('2026-01-01T00:00:00Z');
  const tx = db.transaction((start: number) => {
    for (let i = start; i < start + batch; i++) {
      insert.run(
        new Date(base + i * 1000).toISOString(),
        i % 50,
        i % 5000,
        i % 7 ? 'granted' : 'denied',
        `{"reader":${i % 3}}`,
      );
    }
  });
  const t0 = performance.now();
  for (let start = 0; start < ROWS; start += batch) tx(start);
  return ROWS / ((performance.now() - t0) / 1000);
}

function readRate(db: Db): number {
  const get = db.prepare('SELECT * FROM event WHERE id = ?');
  const t0 = performance.now();
  for (let i = 0; i < READS; i++) get.get(1 + ((i * 7919) % ROWS));
  return READS / ((performance.now() - t0) / 1000);
}

/** Encrypted store vs the same schema and settings unencrypted, interleaved, median of rounds. */
export async function run(): Promise<BenchResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-bench-'));
  const samples: Record<string, number[]> = {};
  const add = (k: string, v: number) => (samples[k] ??= []).push(v);
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which side goes first so drift in the machine's load hits both equally.
      for (const encrypted of round % 2 ? [true, false] : [false, true]) {
        const side = encrypted ? 'enc' : 'plain';
        for (const batch of [1000, 10_000]) {
          const db = prepare(dir, `${side}-${round}-${batch}`, encrypted);
          add(`${side}-insert-${batch}`, insertRate(db, batch));
          if (batch === 1000) add(`${side}-read`, readRate(db));
          db.close();
        }
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const m = (k: string) => median(samples[k]!);
  return [
    compared(
      'store.insert.batch-1000',
      'rows/s',
      m('enc-insert-1000'),
      m('plain-insert-1000'),
      0.9,
      `${ROWS} event rows in 1,000-row transactions, encrypted (ChaCha20-Poly1305 pages) vs plain SQLite, WAL, synchronous=FULL`,
    ),
    compared(
      'store.insert.batch-10000',
      'rows/s',
      m('enc-insert-10000'),
      m('plain-insert-10000'),
      0.9,
      `${ROWS} event rows in 10,000-row transactions, encrypted vs plain`,
    ),
    compared(
      'store.read.point',
      'reads/s',
      m('enc-read'),
      m('plain-read'),
      0.9,
      `${READS} primary-key lookups in the ${ROWS}-row table, encrypted vs plain`,
    ),
  ];
}
