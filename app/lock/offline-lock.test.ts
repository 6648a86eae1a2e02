import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { readCard } from '../card/lintel-card.js';
import { deviceCardKeys, MasterKeyNotHeldError } from '../control-unit/update-point-keys.js';
import type { DesfireCard } from '../desfire/index.js';
import type { LockUpdate } from '../ppd/round.js';
import { LockMemory, LockMemoryError } from './lock-memory.js';
import { LockProgramming } from './lock-programming.js';
import {
  accessOf,
  cardKeys,
  connect,
  doorTables,
  lockCardKeys,
  lockUpdate,
  makeCard,
  newUid,
  WED_11,
  WED_21,
} from './lock-test-kit.js';
import { encodeLockUpdate, transferIdOf } from './lock-update-bytes.js';
import { OfflineLock } from './offline-lock.js';

/**
 * Card presentations at an offline lock with real cards: formatted and written by app/card on the
 * DESFire emulator, read by the lock with its own (lock) key, audit records appended on the card and
 * read back with the encoder's keys.
 */

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-lock-'));
  dirs.push(dir);
  return path.join(dir, 'lock.json');
}

/** Loads an update the way the PPD does (begin, chunk, commit), without the serial link. */
function load(memory: LockMemory, update: LockUpdate) {
  const p = new LockProgramming(memory);
  const bytes = encodeLockUpdate(update);
  expect(
    p.handle({ type: 'begin-update', transferId: transferIdOf(bytes), totalBytes: bytes.length }),
  ).toEqual({
    type: 'begin-update',
    resumeAt: 0,
  });
  p.handle({ type: 'chunk', offset: 0, bytes });
  return p.handle({ type: 'commit' });
}

/** An initialised lock whose clock reads `at` (ms). */
function lockAt(at: number, update = lockUpdate(), file?: string) {
  const clock = { ms: at };
  const memory = LockMemory.factory(file, () => clock.ms);
  expect(load(memory, update).type).toBe('commit');
  return { memory, lock: new OfflineLock(memory), clock };
}

async function present(lock: OfflineLock, card: DesfireCard) {
  const shown = card.activation.uid;
  const outcome = await lock.present(connect(card), shown);
  card.powerOff();
  return outcome;
}

async function cardAudit(card: DesfireCard, uid: Buffer) {
  const reading = await readCard(connect(card), cardKeys(uid));
  card.powerOff();
  return reading.audit;
}

describe('OfflineLock.present', () => {
  it('grants a valid card in its period and records it on the card and in the ring', async () => {
    const { lock, memory } = lockAt(WED_11);
    const { card, uid } = await makeCard(accessOf(5));
    const outcome = await present(lock, card);
    expect(outcome).toMatchObject({
      granted: true,
      action: 'open',
      credentialId: 5,
      merged: 0,
      cardAudited: true,
    });
    expect(await cardAudit(card, uid)).toEqual([
      { event: 'granted', reason: null, doorId: 1, at: WED_11 / 1000, credentialId: 5 },
    ]);
    expect(memory.state.audit.records.at(-1)).toMatchObject({
      event: 'granted',
      credentialId: 5,
      at: WED_11 / 1000,
    });
  });

  it('reads a random-ID card through its real UID', async () => {
    const { lock } = lockAt(WED_11);
    const { card, uid } = await makeCard(accessOf(6), undefined, { randomId: true });
    expect(card.activation.uid.length).toBe(4);
    card.powerOff();
    expect(await present(lock, card)).toMatchObject({ granted: true, credentialId: 6 });
    expect((await cardAudit(card, uid)).map((r) => r.event)).toEqual(['granted']);
  });

  it('refuses outside the period, by the lock clock', async () => {
    const { lock, clock } = lockAt(WED_11);
    const { card, uid } = await makeCard(accessOf(7));
    clock.ms = WED_21;
    expect(await present(lock, card)).toMatchObject({ granted: false, reason: 'outside-time-period' });
    expect(await cardAudit(card, uid)).toEqual([
      { event: 'denied', reason: 'outside-time-period', doorId: 1, at: WED_21 / 1000, credentialId: 7 },
    ]);
  });

  it('uses its own drifting clock, not the host clock', async () => {
    // 17:59 on the host, but a lock running 100,000 ppm fast since 10:00 reads past 18:00.
    const clock = { ms: WED_11 };
    const memory = LockMemory.factory(undefined, () => clock.ms, { driftPpm: 100_000 });
    load(memory, lockUpdate());
    const lock = new OfflineLock(memory);
    clock.ms = Date.UTC(2026, 11, 2, 16, 59, 0);
    const { card } = await makeCard(accessOf(8));
    expect(memory.nowMs()).toBeGreaterThan(Date.UTC(2026, 11, 2, 17, 0, 0));
    expect(await present(lock, card)).toMatchObject({ granted: false, reason: 'outside-time-period' });
  });

  it('refuses a card whose revalidation lapsed', async () => {
    const { lock } = lockAt(WED_11);
    const { card } = await makeCard(
      accessOf(9, { revalidation: { by: WED_11 / 1000 - 60, windowSeconds: 7 * 86_400 } }),
    );
    expect(await present(lock, card)).toMatchObject({ granted: false, reason: 'revalidation-lapsed' });
  });

  it('learns a cancelled card from another user’s card, then refuses the cancelled card', async () => {
    const { lock, memory } = lockAt(WED_11);
    const cancelled = await makeCard(accessOf(20));
    const expiresAt = WED_11 / 1000 + 86_400 * 30;
    const messenger = await makeCard(accessOf(21), {
      highestSeq: 1,
      entries: [{ seq: 1, credentialId: 20, expiresAt }],
    });
    expect(await present(lock, messenger.card)).toMatchObject({ granted: true, merged: 1, credentialId: 21 });
    expect(memory.report()).toMatchObject({ blacklistSeq: 1, blacklistSize: 1 });
    expect((await cardAudit(messenger.card, messenger.uid)).map((r) => r.event)).toEqual([
      'blacklist-merged',
      'granted',
    ]);
    expect(memory.state.audit.records.map((r) => r.event).slice(-2)).toEqual(['blacklist-merged', 'granted']);

    expect(await present(lock, cancelled.card)).toMatchObject({
      granted: false,
      reason: 'blacklisted',
      credentialId: 20,
    });
    expect(await cardAudit(cancelled.card, cancelled.uid)).toEqual([
      { event: 'denied', reason: 'blacklisted', doorId: 1, at: WED_11 / 1000, credentialId: 20 },
    ]);
  });

  it('keeps what it learnt across a restart (saved after every change)', async () => {
    const file = tempFile();
    const { clock } = lockAt(WED_11, lockUpdate(), file);
    const messenger = await makeCard(accessOf(31), {
      highestSeq: 4,
      entries: [{ seq: 4, credentialId: 30, expiresAt: WED_11 / 1000 + 86_400 }],
    });
    const first = new OfflineLock(LockMemory.open(file, () => clock.ms));
    expect(await present(first, messenger.card)).toMatchObject({ merged: 1 });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const again = new OfflineLock(LockMemory.open(file, () => clock.ms));
    expect(again.memory.report()).toMatchObject({ blacklistSeq: 4, blacklistSize: 1 });
    const cancelled = await makeCard(accessOf(30));
    expect(await present(again, cancelled.card)).toMatchObject({ granted: false, reason: 'blacklisted' });
  });

  it('a full lock records it, goes on deciding and says blacklist-full', async () => {
    const clock = { ms: WED_11 };
    const memory = LockMemory.factory(undefined, () => clock.ms, { blacklistCapacity: 1 });
    load(
      memory,
      lockUpdate({ blacklist: { latestSeq: 1, entries: [{ seq: 1, credentialId: 40, expiresAt: 2e9 }] } }),
    );
    const lock = new OfflineLock(memory);
    const messenger = await makeCard(accessOf(41), {
      highestSeq: 2,
      entries: [
        { seq: 2, credentialId: 42, expiresAt: 2e9 },
        { seq: 1, credentialId: 40, expiresAt: 2e9 },
      ],
    });
    expect(await present(lock, messenger.card)).toMatchObject({
      granted: true,
      blacklistFull: true,
      merged: 0,
    });
    expect(memory.report()).toMatchObject({ blacklistSeq: 1, blacklistSize: 1 });
    expect(memory.state.audit.records.at(-2)?.detail).toMatch(/blacklist full \(1 entries\)/);
  });

  it('toggles office mode with an office card at an office door', async () => {
    const { lock, memory } = lockAt(WED_11, lockUpdate({ tables: doorTables({ openMode: 'office' }) }));
    const { card, uid } = await makeCard(
      accessOf(50, {
        flags: { pinRequired: false, office: true, privacyOverride: false, extendedOpening: false },
      }),
    );
    expect(await present(lock, card)).toMatchObject({ granted: true, action: 'office-on' });
    expect(memory.state.office).toBe(true);
    expect(await present(lock, card)).toMatchObject({ granted: true, action: 'office-off' });
    expect((await cardAudit(card, uid)).map((r) => r.event)).toEqual(['office-opened', 'office-closed']);
  });

  it('refuses at a card + PIN door: a lock holds no PIN hashes', async () => {
    const { lock } = lockAt(WED_11, lockUpdate({ tables: doorTables({ auth: { mode: 'card+pin' } }) }));
    const { card } = await makeCard(
      accessOf(60, {
        flags: { pinRequired: true, office: false, privacyOverride: false, extendedOpening: false },
      }),
    );
    expect(await present(lock, card)).toMatchObject({ granted: false, reason: 'pin-required' });
  });

  it('refuses every card before it was initialised', async () => {
    const memory = LockMemory.factory(undefined, () => WED_11);
    const { card } = await makeCard(accessOf(70));
    expect(await present(new OfflineLock(memory), card)).toMatchObject({
      granted: false,
      reason: 'door-not-configured',
    });
    expect(memory.state.audit.records.at(-1)).toMatchObject({ event: 'denied', credentialId: null });
  });

  it('holds the lock key only: the update and master keys are not there to misuse', () => {
    const keys = deviceCardKeys(lockCardKeys(), newUid());
    expect(keys.lock).toHaveLength(16);
    expect(() => keys.update).toThrow(MasterKeyNotHeldError);
    expect(() => keys.appMaster).toThrow(MasterKeyNotHeldError);
  });

  it('refuses a card of another site', async () => {
    const { lock } = lockAt(
      WED_11,
      lockUpdate({ cardKeys: { ...lockUpdate().cardKeys!, siteId: '0a0b0c0d-1111-4222-8333-444455556666' } }),
    );
    const { card } = await makeCard(accessOf(80));
    expect(await present(lock, card)).toMatchObject({ granted: false, reason: 'other-site' });
  });
});

describe('LockProgramming', () => {
  it('a commit of arbitrary bytes changes nothing but dropping the transfer', () => {
    const { memory } = lockAt(WED_11);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 600 }), (bytes) => {
        const before = JSON.stringify({ ...memory.state, staged: null });
        const p = new LockProgramming(memory);
        const b = Buffer.from(bytes);
        p.handle({ type: 'begin-update', transferId: transferIdOf(b), totalBytes: b.length });
        p.handle({ type: 'chunk', offset: 0, bytes: b });
        const answer = p.handle({ type: 'commit' });
        expect(answer).toMatchObject({
          type: 'error',
          code: expect.stringMatching(/INVALID_UPDATE|BAD_MESSAGE/),
        });
        expect(JSON.stringify(memory.state)).toBe(before);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses an update for another door, and chunks out of order', () => {
    const { memory } = lockAt(WED_11);
    const before = JSON.stringify(memory.state);
    expect(load(memory, lockUpdate({ doorId: 2, tables: doorTables({ doorId: 2 }) }))).toMatchObject({
      type: 'error',
      code: 'WRONG_DOOR',
      message: 'this lock is on door 1, the update is for door 2',
    });
    const p = new LockProgramming(memory);
    const bytes = encodeLockUpdate(lockUpdate());
    p.handle({ type: 'begin-update', transferId: transferIdOf(bytes), totalBytes: bytes.length });
    expect(p.handle({ type: 'chunk', offset: 5, bytes })).toMatchObject({
      type: 'error',
      code: 'BAD_OFFSET',
    });
    expect(p.handle({ type: 'commit' })).toMatchObject({ type: 'error', code: 'INCOMPLETE' });
    expect(JSON.stringify({ ...memory.state, staged: null })).toBe(before);
  });
});

describe('LockMemory', () => {
  it('refuses a damaged state file with a clear error', () => {
    const file = tempFile();
    LockMemory.factory(file, () => WED_11);
    fs.writeFileSync(file, '{"format":1,"serial":');
    expect(() => LockMemory.open(file, () => WED_11)).toThrow(LockMemoryError);
    const good = LockMemory.factory(file, () => WED_11);
    fs.writeFileSync(file, JSON.stringify({ ...good.state, battery: 300 }));
    expect(() => LockMemory.open(file, () => WED_11)).toThrow(/damaged \(battery/);
  });

  it('refuses any file that is not a lock state, never loading part of it', () => {
    const file = tempFile();
    const good = JSON.stringify(LockMemory.factory(undefined, () => WED_11).state);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.nat(good.length - 1).map((n) => good.slice(0, n)),
        ),
        (text) => {
          fs.writeFileSync(file, text);
          expect(() => LockMemory.open(file, () => WED_11)).toThrow(LockMemoryError);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps a ring of audit records numbered for life, the oldest overwritten', () => {
    const memory = LockMemory.factory(undefined, () => WED_11, { auditCapacity: 3 });
    for (let i = 0; i < 5; i++) memory.audit({ event: 'clock-set', detail: String(i) });
    expect(memory.state.audit.records.map((r) => r.seq)).toEqual([3, 4, 5]);
    expect(memory.auditFrom(4, 10).map((r) => r.seq)).toEqual([4, 5]);
    expect(memory.report().auditSeq).toBe(5);
  });
});
