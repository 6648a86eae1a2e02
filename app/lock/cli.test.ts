import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { openSerialPort } from '../../native/serial-port.js';
import { ptyPair } from '../../test/helpers/pty-pair.js';
import { CardShelf } from '../ncoder/card-shelf.js';
import { FACTORY_LOCK_KEY } from '../ppd/round.js';
import { SerialRequester } from '../serial-link/transaction.js';
import { simLockCommand, simLockOptions } from './cli.js';
import { accessOf, blacklistOf, lockTask, lockUpdate, makeCard, WED_11 } from './lock-test-kit.js';
import { visitLock } from './lock-visit.js';

/**
 * `lintel sim lock` in-process: its stdin and stdout are streams, its serial line one end of a real
 * pty pair, and a PPD (visitLock) on the other end initialises it before a card is presented by name.
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Resolves once the output holds a line matching `re`. */
function waitFor(out: { text: string; wake?: () => void }, re: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const check = () => {
      const m = re.exec(out.text);
      if (m) {
        out.wake = undefined;
        resolve(m[0]);
      }
    };
    out.wake = check;
    check();
  });
}

describe('lintel sim lock', () => {
  it('is initialised by a PPD, then serves cards and commands from stdin', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-sim-lock-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const shelf = new CardShelf(path.join(dir, 'cards'));
    const alice = await makeCard(accessOf(5));
    shelf.save({ name: 'alice', card: alice.card, saved: '' });
    const cancelled = await makeCard(accessOf(6));
    shelf.save({ name: 'bob', card: cancelled.card, saved: '' });

    const pair = await ptyPair();
    cleanups.push(() => pair.close());
    const clock = { ms: WED_11 };
    const input = new PassThrough();
    const output = new PassThrough();
    const out: { text: string; wake?: () => void } = { text: '' };
    output.on('data', (c: Buffer) => {
      out.text += c.toString('utf8');
      out.wake?.();
    });
    const state = path.join(dir, 'lock.json');
    const run = simLockCommand(
      { state, port: pair.paths[0], cards: shelf.dir, baud: 0, capacity: 500, battery: 80 },
      (p, baud) => openSerialPort(p, { baudRate: baud }),
      { input, out: output },
      () => clock.ms,
    );
    await waitFor(out, /Type help for commands/);
    expect(out.text).toMatch(/lock LK-[0-9A-F]{8} .*: not initialised, key version 0/);
    expect(out.text).toMatch(/blacklist 0\/500 .* battery 80%/);

    input.write('present alice\n');
    await waitFor(out, /alice: denied \(door-not-configured\)/);

    const ppdPort = await openSerialPort(pair.paths[1], { baudRate: 115_200 });
    const requester = new SerialRequester(ppdPort, { timeoutMs: 300, retries: 2 });
    cleanups.push(async () => {
      requester.close();
      await ppdPort.close();
    });
    const task = lockTask({
      authKey: FACTORY_LOCK_KEY,
      authKeyVersion: 0,
      update: lockUpdate({
        blacklist: {
          ...blacklistOf(0),
          latestSeq: 1,
          entries: [{ seq: 1, credentialId: 6, expiresAt: 2e9 }],
        },
      }),
    });
    const result = await visitLock(requester, () => task, { now: () => clock.ms, roundId: randomUUID() });
    expect(result.outcome).toBe('updated');
    await waitFor(out, /updated by the PPD: door 1, revision 3, blacklist 1 entries/);

    input.write('present alice\npresent bob\n');
    await waitFor(out, /alice: granted, credential 5/);
    await waitFor(out, /bob: denied \(blacklisted\), credential 6/);
    input.write('clock +36000\npresent alice\n');
    await waitFor(out, /alice: denied \(outside-time-period\)/);
    input.write('battery 10\nstatus\nfly\n');
    await waitFor(out, /error: unknown command "fly": type help/);
    expect(out.text).toMatch(/lock LK-[0-9A-F]{8} .*: door 1, key version 1, revision 3/);
    expect(out.text).toMatch(/battery 10%/);
    input.end();
    await run;
    expect(
      JSON.parse(fs.readFileSync(state, 'utf8')).audit.records.map((r: { event: string }) => r.event),
    ).toContain('battery-low');
    expect(fs.statSync(state).mode & 0o777).toBe(0o600);
  });

  it('exports its options for `lintel sim lock`', () => {
    expect(simLockOptions().map((o) => o.long)).toEqual([
      '--state',
      '--port',
      '--cards',
      '--baud',
      '--drift-ppm',
      '--battery',
      '--capacity',
      '--ble',
    ]);
  });
});
