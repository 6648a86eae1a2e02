import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { openSerialPort } from '../../native/serial-port.js';
import { ptyPair } from '../../test/helpers/pty-pair.js';
import type { SerialTransport } from '../ports/serial.js';
import { FACTORY_LOCK_KEY, type LockTask } from '../ppd/round.js';
import { SerialLinkError, SerialRequester } from '../serial-link/transaction.js';
import { LockMemory } from './lock-memory.js';
import { encodeLockRequest, type LockResponse } from './lock-messages.js';
import { LockPpdEnd, LOCKOUT_MS } from './lock-ppd-end.js';
import { blacklistOf, LOCK_KEY, lockTask, lockUpdate, OTHER_DOOR, WED_11 } from './lock-test-kit.js';
import { encodeLockUpdate } from './lock-update-bytes.js';
import { LockVisitError, UPDATE_CHUNK_BYTES, visitLock } from './lock-visit.js';

/**
 * PPD↔lock visits over a real pty pair (socat) through serialport: the lock's end (session server,
 * programming) on one side, visitLock on the other, pacing off. The lock's memory is a file, so a
 * lock "rewired" to a new line after a pulled cable is the same lock.
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Line {
  lockPort: SerialTransport;
  ppdPort: SerialTransport;
  end: LockPpdEnd;
  requester: SerialRequester;
  served: LockResponse[];
  /** What the PPD sent, request payloads in order (sealed). */
  sent: Buffer[];
}

function lockFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-lock-visit-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'lock.json');
}

/** A pty pair with the lock's end on one side and a PPD requester on the other. */
async function line(memory: LockMemory, retries = 2): Promise<Line> {
  const pair = await ptyPair();
  const lockPort = await openSerialPort(pair.paths[0], { baudRate: 115_200 });
  const ppdPort = await openSerialPort(pair.paths[1], { baudRate: 115_200 });
  const served: LockResponse[] = [];
  const end = new LockPpdEnd(memory, lockPort, (r) => served.push(r));
  const requester = new SerialRequester(ppdPort, { timeoutMs: 300, retries });
  const sent: Buffer[] = [];
  const request = requester.request.bind(requester);
  requester.request = (payload, opts) => {
    sent.push(Buffer.from(payload));
    return request(payload, opts);
  };
  cleanups.push(async () => {
    requester.close();
    end.close();
    await ppdPort.close();
    await lockPort.close();
    await pair.close();
  });
  return { lockPort, ppdPort, end, requester, served, sent };
}

const clock = { ms: WED_11 };
const roundId = randomUUID();
const opts = (extra: Partial<Parameters<typeof visitLock>[2]> = {}) => ({
  now: () => clock.ms,
  roundId,
  ...extra,
});
const factoryTask = (over: Partial<LockTask> = {}) =>
  lockTask({
    authKey: FACTORY_LOCK_KEY,
    authKeyVersion: 0,
    update: lockUpdate({ blacklist: blacklistOf(200) }),
    ...over,
  });

/** The lock's configuration (what an update changes), to compare before and after. */
const config = (m: LockMemory) => {
  const { doorId, keyVersion, lockKey, cardKeys, revision, timeZone, tables, blacklist } = m.state;
  return structuredClone({ doorId, keyVersion, lockKey, cardKeys, revision, timeZone, tables, blacklist });
};

/** A lock initialised for door 1 (key version 1) by a first visit. */
async function initialisedLock(file = lockFile(), capacity?: number) {
  clock.ms = WED_11;
  const memory = LockMemory.factory(file, () => clock.ms, capacity ? { blacklistCapacity: capacity } : {});
  const l = await line(memory);
  const r = await visitLock(l.requester, () => factoryTask(), opts());
  expect(r.outcome).toBe('updated');
  return { memory, l, file };
}

describe('visitLock over a pty pair', () => {
  it('initialises a factory lock: clock set (drift recorded), update, audit collected', async () => {
    clock.ms = WED_11;
    const memory = LockMemory.factory(lockFile(), () => clock.ms);
    memory.setClock(clock.ms + 42_000); // the lock's clock ran 42 s fast
    const l = await line(memory);
    const progress: [number, number][] = [];
    const task = factoryTask();
    const result = await visitLock(
      l.requester,
      () => task,
      opts({ onProgress: (d, t) => progress.push([d, t]) }),
    );
    expect(result).toMatchObject({
      roundId,
      doorId: 1,
      outcome: 'updated',
      error: null,
      clockDriftSeconds: 42,
    });
    expect(result.lock).toMatchObject({
      doorId: 1,
      keyVersion: 1,
      revision: 3,
      blacklistSize: 200,
      blacklistSeq: 200,
    });
    expect(result.audit.map((r) => r.event)).toEqual(['clock-set', 'updated']);
    expect(result.audit[0]!.detail).toBe('+42 s');
    expect(memory.state).toMatchObject({ doorId: 1, keyVersion: 1, lockKey: LOCK_KEY, staged: null });
    expect(memory.nowSeconds()).toBe(WED_11 / 1000);
    const chunks = Math.ceil(encodeLockUpdate(task.update!).length / UPDATE_CHUNK_BYTES);
    expect(l.served.filter((r) => r.type === 'chunk')).toHaveLength(chunks);
    expect(progress.at(-1)![0]).toBe(progress.at(-1)![1]);
    expect(progress.map(([d]) => d)).toEqual([...progress.map(([d]) => d)].sort((a, b) => a - b));

    // From now on a factory-key task is refused and the lock key works; the audit comes back whole.
    const refused = await visitLock(
      l.requester,
      () => lockTask({ authKey: FACTORY_LOCK_KEY, authKeyVersion: 0 }),
      opts(),
    );
    expect(refused.outcome).toBe('failed');
    expect(refused.error).toMatch(
      /holds key version 1, the task for door 1 \(Store room\) carries version 0/,
    );
    const again = await visitLock(l.requester, () => lockTask(), opts());
    expect(again).toMatchObject({ outcome: 'collected', error: null, clockDriftSeconds: 0 });
    expect(again.audit.map((r) => r.seq)).toEqual([1, 2, 3]);

    // The same initialisation again (its first answer lost at the commit): the new key opens, nothing changes.
    const held = JSON.stringify(memory.state.blacklist);
    const repeat = await visitLock(l.requester, () => task, opts());
    expect(repeat).toMatchObject({ outcome: 'updated', error: null });
    expect(JSON.stringify(memory.state.blacklist)).toBe(held);
    expect(memory.state).toMatchObject({ doorId: 1, keyVersion: 1, revision: 3 });
  });

  it('opens in an emergency while the opening is valid, and refuses it once expired', async () => {
    const { memory, l } = await initialisedLock();
    const emergency = {
      operatorId: 4,
      operatorName: 'Ana Ruiz',
      reason: 'flooding in the store room',
      validUntil: WED_11 / 1000 + 3600,
    };
    const opened = await visitLock(l.requester, () => lockTask({ emergency }), opts());
    expect(opened).toMatchObject({ outcome: 'emergency-opened', error: null });
    expect(opened.audit.at(-1)).toMatchObject({
      event: 'emergency-opened',
      detail: 'Ana Ruiz: flooding in the store room',
    });

    clock.ms = WED_11 + 2 * 3_600_000;
    const before = memory.state.audit.nextSeq;
    const late = await visitLock(l.requester, () => lockTask({ emergency }), opts());
    expect(late.outcome).toBe('failed');
    expect(late.error).toMatch(/refused the emergency opening: the emergency opening was valid until/);
    expect(memory.state.audit.records.filter((r) => r.seq >= before).map((r) => r.event)).toEqual([
      'clock-set',
    ]);
  });

  it('drops a replayed and a tampered frame in the session, changing nothing', async () => {
    const { memory, l } = await initialisedLock();
    l.sent.length = 0;
    expect((await visitLock(l.requester, () => lockTask(), opts())).outcome).toBe('collected');
    const setTime = l.sent.find((p) => p[0] === 0x05); // the first sealed request after the handshake
    expect(setTime).toBeDefined();
    const state = JSON.stringify(memory.state);
    const session = l.end.session;
    const replay = session.refused.replay;
    await expect(l.requester.request(setTime!, { timeoutMs: 150 })).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
    expect(session.refused.replay).toBeGreaterThan(replay);

    const tampered = Buffer.from(setTime!);
    tampered.writeBigUInt64BE(2n ** 40n, 1); // a counter far ahead, under the old tag: forged
    const forged = session.refused.forged;
    await expect(l.requester.request(tampered, { timeoutMs: 150 })).rejects.toBeInstanceOf(SerialLinkError);
    expect(session.refused.forged).toBeGreaterThan(forged);
    expect(JSON.stringify(memory.state)).toBe(state);
  });

  it('a cable pulled mid-transfer leaves the lock unchanged; the next visit resumes and commits', async () => {
    const file = lockFile();
    clock.ms = WED_11;
    const memory = LockMemory.factory(file, () => clock.ms);
    const before = config(memory);
    const task = factoryTask({ update: lockUpdate({ blacklist: blacklistOf(3000) }) });
    const first = await line(memory, 0);
    let pulled = false;
    const cut = await visitLock(
      first.requester,
      () => task,
      opts({
        onProgress: (done) => {
          if (done >= 12 && !pulled) {
            pulled = true;
            void first.ppdPort.close();
          }
        },
      }),
    );
    expect(cut.outcome).toBe('failed');
    expect(cut.error).toMatch(/stopped answering during the update .*resumes where it stopped/);
    expect(config(memory)).toEqual(before);
    const had = memory.state.staged!.received;
    expect(fs.statSync(`${file}.staged`).size).toBeGreaterThanOrEqual(had);
    expect(had).toBeGreaterThan(0);

    // The lock on a new line (its memory is its file): the visit resumes where the transfer stopped.
    const reopened = LockMemory.open(file, () => clock.ms);
    const second = await line(reopened);
    const done = await visitLock(second.requester, () => task, opts());
    expect(done).toMatchObject({ outcome: 'updated', error: null });
    expect(second.served.find((r) => r.type === 'begin-update')).toEqual({
      type: 'begin-update',
      resumeAt: had,
    });
    const total = Math.ceil(encodeLockUpdate(task.update!).length / UPDATE_CHUNK_BYTES);
    expect(second.served.filter((r) => r.type === 'chunk').length).toBeLessThan(total);
    expect(reopened.report()).toMatchObject({ doorId: 1, blacklistSize: 3000, keyVersion: 1 });
  });

  it('refuses a blacklist over the lock’s capacity with what to do, the lock unchanged', async () => {
    const { memory, l } = await initialisedLock(lockFile(), 250);
    const before = config(memory);
    const result = await visitLock(
      l.requester,
      () =>
        lockTask({ update: lockUpdate({ revision: 9, newLockKey: undefined, blacklist: blacklistOf(310) }) }),
      opts(),
    );
    expect(result.outcome).toBe('failed');
    expect(result.error).toBe(
      'The lock holds at most 250 blacklist entries and the site has 310: compact the blacklist (expired keys) in the console, or replace the lock with one of larger memory; the lock was not changed.',
    );
    expect(config(memory)).toEqual(before);
    expect(memory.state.staged).toBeNull();
    expect(result.lock).toMatchObject({ revision: 3, blacklistSize: 200 });
    expect(result.audit.length).toBeGreaterThan(0);
  });

  it('answers nothing but the handshake before the PPD authenticated', async () => {
    clock.ms = WED_11;
    const memory = LockMemory.factory(lockFile(), () => clock.ms);
    const l = await line(memory);
    const before = JSON.stringify(memory.state);
    const status = encodeLockRequest({ type: 'status' });
    const answer = await l.requester.request(
      Buffer.concat([Buffer.of(0x05), Buffer.alloc(8), status, Buffer.alloc(16)]),
    );
    expect(answer[0]).toBe(0x7f); // the session's error, in clear
    expect(answer.subarray(2).toString('utf8')).toMatch(/authenticate first/);
    const plain = await l.requester.request(status);
    expect(plain[0]).toBe(0x7f);
    expect(l.end.session.refused.noSession).toBe(1);
    expect(l.served).toEqual([]);
    expect(JSON.stringify(memory.state)).toBe(before);
  });

  it('refuses a lock on another door before authenticating', async () => {
    const { memory, l } = await initialisedLock();
    const before = config(memory);
    const result = await visitLock(
      l.requester,
      () =>
        lockTask({ doorId: OTHER_DOOR, doorName: 'Boiler room', update: lockUpdate({ doorId: OTHER_DOOR }) }),
      opts(),
    );
    expect(result).toMatchObject({ outcome: 'failed', doorId: OTHER_DOOR, lock: null });
    expect(result.error).toMatch(/^This lock \(LK-[0-9A-F]{8}\) is on door 1, not door 2 \(Boiler room\)/);
    expect(config(memory)).toEqual(before);
    await expect(visitLock(l.requester, () => undefined, opts())).rejects.toMatchObject({ code: 'NO_TASK' });
    await expect(visitLock(l.requester, () => undefined, opts())).rejects.toBeInstanceOf(LockVisitError);
  });

  it('locks itself out for 30 s of its clock after 5 failed authentications in a row', async () => {
    const { l } = await initialisedLock();
    const wrong = lockTask({ authKey: 'a1'.repeat(16) });
    for (let i = 0; i < 5; i++) {
      const r = await visitLock(l.requester, () => wrong, opts());
      expect(r.outcome).toBe('failed');
      expect(r.error).toMatch(/does not hold the key of door 1/);
    }
    await expect(visitLock(l.requester, () => lockTask(), opts())).rejects.toMatchObject({
      code: 'LOCKED_OUT',
      message: expect.stringMatching(/after 5 failed attempts in a row it waits 30 s/),
    });
    expect(l.end.lockedOut).toBe(true);
    clock.ms += LOCKOUT_MS - 1000;
    await expect(visitLock(l.requester, () => lockTask(), opts())).rejects.toMatchObject({
      code: 'LOCKED_OUT',
    });
    clock.ms += 2000;
    expect((await visitLock(l.requester, () => lockTask(), opts())).outcome).toBe('collected');
  });
});
