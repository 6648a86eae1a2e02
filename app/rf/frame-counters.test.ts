import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-site.js';
import {
  CounterExhaustedError,
  CounterFile,
  CounterFileError,
  LAST_FRAME_COUNTER,
  OutgoingCounter,
  ReplayGuard,
} from './frame-counters.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function counterPath(): string {
  const d = tempDir('lintel-rf-counters-');
  dirs.push(d);
  return path.join(d, 'counters.json');
}

const A = '00124B0000000001';
const B = '00124B0000000002';
const KEY = Buffer.alloc(16, 1);
const OTHER_KEY = Buffer.alloc(16, 2);

describe('OutgoingCounter', () => {
  it('never repeats a counter across restarts, crashes included', () => {
    const file = counterPath();
    const used = new Set<number>();
    for (let life = 0; life < 5; life++) {
      // A "crash": the counter object is dropped without any shutdown, after a varying number of frames.
      const counter = new OutgoingCounter(CounterFile.open(file), { reserve: 7 });
      for (let i = 0; i < 3 + life * 4; i++) {
        const n = counter.next();
        expect(used.has(n)).toBe(false);
        used.add(n);
      }
    }
    expect(used.size).toBe(3 + 7 + 11 + 15 + 19);
  });

  it('writes the file once per reserve, not per frame, with mode 0600', () => {
    const file = counterPath();
    const counter = new OutgoingCounter(CounterFile.open(file), { reserve: 100 });
    counter.next();
    const first = fs.statSync(file).mtimeMs;
    const ceiling = JSON.parse(fs.readFileSync(file, 'utf8')).outgoingCeiling;
    for (let i = 0; i < 50; i++) counter.next();
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).outgoingCeiling).toBe(ceiling);
    expect(fs.statSync(file).mtimeMs).toBe(first);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses to send once the last counter is used (a new key is needed)', () => {
    const file = counterPath();
    fs.writeFileSync(
      file,
      JSON.stringify({ format: 1, outgoingCeiling: LAST_FRAME_COUNTER - 1, incoming: {} }),
    );
    const counter = new OutgoingCounter(CounterFile.open(file));
    expect(counter.next()).toBe(LAST_FRAME_COUNTER - 1);
    expect(counter.next()).toBe(LAST_FRAME_COUNTER);
    expect(() => counter.next()).toThrow(CounterExhaustedError);
    expect(() => new OutgoingCounter(CounterFile.open(file)).next()).toThrow(CounterExhaustedError);
  });
});

describe('ReplayGuard', () => {
  it('accepts only counters above the highest accepted, per sender and key, across restarts', () => {
    const file = counterPath();
    const guard = new ReplayGuard(CounterFile.open(file));
    expect(guard.accept(A, 10, KEY)).toBe(true);
    expect(guard.accept(A, 10, KEY)).toBe(false);
    expect(guard.accept(A, 9, KEY)).toBe(false);
    expect(guard.accept(B, 3, KEY)).toBe(true);
    expect(guard.accept(A, 1, OTHER_KEY)).toBe(true);
    expect(guard.fresh(A, 11, KEY)).toBe(true);
    const again = new ReplayGuard(CounterFile.open(file));
    expect(again.accept(A, 10, KEY)).toBe(false);
    expect(again.highest(A, KEY)).toBe(10);
    expect(again.accept(A, 11, KEY)).toBe(true);
    again.forget(A);
    expect(again.accept(A, 1, KEY)).toBe(true);
    expect(again.accept(B, 3, KEY)).toBe(false);
  });

  it('does not record what it only checked', () => {
    const cf = CounterFile.open(counterPath());
    const guard = new ReplayGuard(cf);
    expect(guard.fresh(A, 5, KEY)).toBe(true);
    expect(guard.highest(A, KEY)).toBeUndefined();
    expect(guard.fresh(A, -1, KEY)).toBe(false);
    expect(guard.fresh(A, 2 ** 32 - 1, KEY)).toBe(false);
  });

  it('keeps no key in the file, only a fingerprint', () => {
    const file = counterPath();
    new ReplayGuard(CounterFile.open(file)).accept(A, 1, KEY);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain(KEY.toString('hex'));
    expect(Object.keys(JSON.parse(text).incoming)[0]).toMatch(/^00124B0000000001\/[0-9a-f]{8}$/);
  });
});

describe('CounterFile', () => {
  it('refuses a file that is not a counter file, saying what to do', () => {
    const file = counterPath();
    fs.writeFileSync(file, '{"format":1,"outgoingCeiling":-1,"incoming":{}}');
    expect(() => CounterFile.open(file)).toThrow(CounterFileError);
    fs.writeFileSync(file, 'not json');
    expect(() => CounterFile.open(file)).toThrow(/keys are changed too/);
  });
});
