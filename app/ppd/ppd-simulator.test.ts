import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeSerialPorts } from '../../native/serial-port.js';
import { ptyPair } from '../../test/helpers/pty-pair.js';
import { rejectionOf } from '../../test/helpers/rejection.js';
import { LockMemory } from '../lock/lock-memory.js';
import { LockPpdEnd } from '../lock/lock-ppd-end.js';
import { blacklistOf, lockTask, lockUpdate, SITE_ID, WED_11 } from '../lock/lock-test-kit.js';
import { simPpdCommand, simPpdOptions } from './cli.js';
import { PpdError, PpdHost } from './ppd-host.js';
import { FACTORY_LOCK_KEY, type Round } from './round.js';

/**
 * `lintel sim ppd` in-process (stdin and stdout are streams) between the Service's client (PpdHost) on
 * one pty pair and a lock (the lock's own end, app/lock) on a second pty pair: the console loads a
 * round, the technician visits the lock from stdin, and the result comes back to the console. Pacing
 * off; every layer real.
 */

const SITE_TAG = Buffer.alloc(16, 0x61);
const KEY = Buffer.alloc(16, 0x33);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Out {
  text: string;
  wake?: () => void;
}

/** Resolves once the output holds a match for `re` after position `from`. */
function waitFor(out: Out, re: RegExp, from = 0): Promise<string> {
  return new Promise((resolve) => {
    const check = () => {
      const m = re.exec(out.text.slice(from));
      if (m) {
        out.wake = undefined;
        resolve(m[0]);
      }
    };
    out.wake = check;
    check();
  });
}

describe('lintel sim ppd', () => {
  it('loads a round from the console, visits a factory lock from stdin, and brings the result back', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-sim-ppd-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const clock = { ms: WED_11 };

    // The lock on its own line, factory-new.
    const lockLine = await ptyPair();
    cleanups.push(() => lockLine.close());
    const lockMemory = LockMemory.factory(path.join(dir, 'lock.json'), () => clock.ms);
    const lockPort = await nodeSerialPorts.open(lockLine.paths[0], { baudRate: 115_200 });
    const lockEnd = new LockPpdEnd(lockMemory, lockPort);
    cleanups.push(async () => {
      lockEnd.close();
      await lockPort.close();
    });

    // The PPD on the console cable.
    const cable = await ptyPair();
    cleanups.push(() => cable.close());
    const input = new PassThrough();
    const output = new PassThrough();
    const out: Out = { text: '' };
    output.on('data', (c: Buffer) => {
      out.text += c.toString('utf8');
      out.wake?.();
    });
    const state = path.join(dir, 'ppd.json');
    const running = simPpdCommand(
      { port: cable.paths[1], state, baud: 0, serial: 'PPD-SIM00001' },
      { input, out: output },
      { ports: nodeSerialPorts, now: () => clock.ms },
    );
    cleanups.push(async () => {
      input.end();
      await running;
    });
    await waitFor(out, /Type help for commands/);
    expect(out.text).toMatch(/PPD PPD-SIM00001 \(1\.0\.0-sim\), battery 100%\npaired: no/);

    // The console pairs it and loads a round: initialise door 1's lock, collect door 2's.
    const host = await PpdHost.open(nodeSerialPorts, cable.paths[0]);
    cleanups.push(() => host.close());
    await host.pair(KEY, SITE_TAG);
    await host.authenticate(KEY);
    const round: Round = {
      roundId: randomUUID(),
      siteId: SITE_ID,
      createdAt: Math.floor(WED_11 / 1000),
      createdBy: 'admin',
      tasks: [
        lockTask({
          authKey: FACTORY_LOCK_KEY,
          authKeyVersion: 0,
          update: lockUpdate({ blacklist: blacklistOf(300) }),
        }),
        lockTask({ doorId: 2, doorName: 'Archive' }),
      ],
    };
    await host.loadRound(round);
    await waitFor(out, /console: round loaded/);

    let mark = out.text.length;
    input.write('tasks\n');
    await waitFor(out, /\[ \] door 2 Archive \(key v1, collect\)/, mark);
    expect(out.text.slice(mark)).toMatch(/\[ \] door 1 Store room \(key v0, initialise\/rekey\)/);

    // The technician visits the lock: the factory lock gets the first initialisation task.
    mark = out.text.length;
    clock.ms += 60_000;
    input.write(`visit ${lockLine.paths[1]}\n`);
    const outcome = await waitFor(out, /door 1: \w+.*\n/, mark);
    expect(outcome).toMatch(/^door 1: updated, lock LK-[0-9A-F]{8}, battery \d+%/);
    expect(out.text.slice(mark)).toMatch(/100% \(\d+\/\d+\)/);
    expect(lockMemory.state.doorId).toBe(1);
    expect(lockMemory.state.blacklist.entries).toHaveLength(300);

    mark = out.text.length;
    input.write('tasks\nstatus\n');
    await waitFor(out, /results not yet synced: 1/, mark);
    expect(out.text.slice(mark)).toMatch(/\[x\] door 1 Store room/);

    // The cable pulled and put back: the console cannot reach it meanwhile, then carries on.
    mark = out.text.length;
    input.write('unplug\n');
    await waitFor(out, /console cable pulled/, mark);
    expect((await rejectionOf(host.state(), PpdError)).code).toBe('DISCONNECTED');
    input.write('plug\n');
    await waitFor(out, /console cable plugged in/, mark);

    // Back at the console: the visit's result, acknowledged once stored.
    const results = await host.readResults();
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      roundId: round.roundId,
      doorId: 1,
      outcome: 'updated',
      error: null,
      lock: { serial: lockMemory.state.serial, doorId: 1, keyVersion: 1, blacklistSize: 300 },
    });
    expect(await host.state()).toMatchObject({ round: { visited: 1, tasks: 2 }, resultsPending: 1 });
    await host.ackResults(1);
    expect((await host.state()).resultsPending).toBe(0);

    mark = out.text.length;
    input.write('help\nfrobnicate\n');
    await waitFor(out, /unknown command "frobnicate": type help/, mark);
    expect(out.text.slice(mark)).toMatch(/visit LOCKPORT \[DOOR\]/);
  });

  it('exports its options for the `sim ppd` command', () => {
    const flags = simPpdOptions().map((o) => o.flags);
    expect(flags).toEqual(['--port <path>', '--state <file>', '--baud <n>', '--serial <serial>']);
    const baud = simPpdOptions()[2]!;
    expect(baud.defaultValue).toBe(115_200);
    expect(() => baud.parseArg!('fast', undefined)).toThrow(/baud: 0 to 1000000/);
  });
});
