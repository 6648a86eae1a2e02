import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { PpdMemory } from './ppd-memory.js';
import { encodeRound, payloadDigest } from './ppd-payloads.js';
import type { Round, VisitResult } from './round.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function file(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-ppd-memory-'));
  dirs.push(dir);
  return path.join(dir, 'ppd.json');
}

const round = (): Round => ({
  roundId: randomUUID(),
  siteId: 'site-1',
  createdAt: 1_765_000_000,
  createdBy: 'admin',
  tasks: [{ doorId: 4, doorName: 'Lab', authKey: '0'.repeat(32), authKeyVersion: 0 }],
});

const result = (r: Round, doorId = 4): VisitResult => ({
  roundId: r.roundId,
  doorId,
  visitedAt: 1_765_000_100,
  outcome: 'collected',
  error: null,
  lock: null,
  clockDriftSeconds: null,
  audit: [],
});

/** Loads `r` into `m` in two pieces, as chunks would. */
function load(m: PpdMemory, r: Round): void {
  const bytes = encodeRound(r);
  m.startLoad(r.roundId, payloadDigest(bytes), bytes.length);
  const half = Math.floor(bytes.length / 2);
  m.appendLoad(0, bytes.subarray(0, half));
  m.appendLoad(half, bytes.subarray(half));
  m.commitLoad(r);
}

describe('PpdMemory', () => {
  it('keeps everything across a reopen, in files only its owner reads', () => {
    const f = file();
    const m = PpdMemory.open(f, { serial: 'PPD-MEM1' });
    m.pair(Buffer.alloc(16, 1), Buffer.alloc(16, 2));
    const r = round();
    load(m, r);
    m.addResult(result(r));
    const back = PpdMemory.open(f);
    expect(back.serial).toBe('PPD-MEM1');
    expect(back.pairing).toEqual({
      key: Buffer.alloc(16, 1),
      siteTag: Buffer.alloc(16, 2),
      siteId: 'site-1',
    });
    expect(back.round?.round).toEqual(r);
    expect([...back.round!.visited]).toEqual([4]);
    expect(back.results).toEqual([result(r)]);
    for (const name of fs.readdirSync(path.dirname(f)))
      expect((fs.statSync(path.join(path.dirname(f), name)).mode & 0o777).toString(8)).toBe('600');
  });

  it('acknowledges by seq: a repeat forgets nothing more, an unknown seq is refused, a reset never reuses one', () => {
    const m = PpdMemory.open(file());
    const r = round();
    for (const d of [1, 2, 3]) m.addResult(result(r, d));
    expect(m.firstResultSeq).toBe(1);
    m.ackResults(2);
    m.ackResults(2);
    expect(m.results.map((x) => x.doorId)).toEqual([3]);
    expect(m.firstResultSeq).toBe(3);
    expect(() => m.ackResults(4)).toThrow(/result 4 does not exist \(results 3\.\.3 are held\)/);
    m.reset();
    expect(m.results).toEqual([]);
    expect(m.firstResultSeq).toBe(4);
  });

  it('a round file gone or damaged is dropped (the console loads it again); the results stay', () => {
    const f = file();
    const m = PpdMemory.open(f);
    const r = round();
    load(m, r);
    m.addResult(result(r));
    const roundFile = fs.readdirSync(path.dirname(f)).find((n) => n.includes('.round-'))!;
    fs.writeFileSync(path.join(path.dirname(f), roundFile), 'damaged');
    const back = PpdMemory.open(f);
    expect(back.round).toBeNull();
    expect(back.results).toHaveLength(1);
  });

  it('says what to do with a file that is not a PPD state file', () => {
    const f = file();
    fs.writeFileSync(f, '{"format":"something-else"}');
    expect(() => PpdMemory.open(f)).toThrow(
      /is not a PPD state file \(format: .*\): give another --state file/,
    );
    fs.writeFileSync(f, 'not json');
    expect(() => PpdMemory.open(f)).toThrow(/is not JSON/);
  });
});
