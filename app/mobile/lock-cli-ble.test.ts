import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { openSerialPort } from '../../native/serial-port.js';
import { ptyPair } from '../../test/helpers/pty-pair.js';
import { until } from '../../test/helpers/until.js';
import { simLockCommand } from '../lock/cli.js';
import { lockTask, lockUpdate, WED_11 } from '../lock/lock-test-kit.js';
import { visitLock } from '../lock/lock-visit.js';
import { FACTORY_LOCK_KEY } from '../ppd/round.js';
import { SerialRequester } from '../serial-link/transaction.js';
import { groupKeyIdOf, wrapGroupKey } from './group-key.js';
import { Phone } from './phone.js';
import { sealToken, tokenAccessBytes } from './token.js';
import { accessOf, WED_11_S } from './mobile-test-kit.js';

/**
 * `lintel sim lock --ble PORT` in-process: a PPD (on a real pty) loads it with the group key wrapped
 * for the identity in its state file, then a phone opens it over the BLE-like link.
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('lintel sim lock --ble', () => {
  it('takes its group key from the PPD and opens for a phone', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-lock-ble-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const pair = await ptyPair();
    cleanups.push(() => pair.close());
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (c: Buffer) => (text += c.toString('utf8')));
    const state = path.join(dir, 'lock.json');
    const run = simLockCommand(
      { state, port: pair.paths[0], baud: 0, ble: 0 },
      (p, baud) => openSerialPort(p, { baudRate: baud }),
      { input, out: output },
      () => WED_11,
    );
    const port = Number(
      (await until(() => /phones on udp 127\.0\.0\.1:(\d+)/.exec(text) ?? undefined, 'the lock to start'))[1],
    );

    const group = Buffer.alloc(32, 0x77);
    const lockPublic = Buffer.from(JSON.parse(fs.readFileSync(state, 'utf8')).identity.publicKey, 'hex');
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
        mobileKey: {
          groupKeyId: groupKeyIdOf(group).toString('hex'),
          wrapped: wrapGroupKey(group, lockPublic).toString('hex'),
        },
      }),
    });
    const visit = await visitLock(requester, () => task, { now: () => WED_11, roundId: randomUUID() });
    expect(visit.outcome).toBe('updated');
    expect(visit.lock?.publicKey).toBe(lockPublic.toString('hex'));

    const phone = Phone.create(undefined, { now: () => WED_11 });
    expect(
      phone.take(
        sealToken(group, {
          notBefore: WED_11_S - 60,
          notAfter: WED_11_S + 3600,
          devicePublicKey: Buffer.from(phone.devicePublicKey, 'hex'),
          accessData: tokenAccessBytes(accessOf(5)),
          pinHash: null,
        }),
      ),
    ).toBe(true);
    expect(await phone.open('127.0.0.1', port)).toMatchObject({ granted: true });
    await until(() => /phone: granted, credential 5/.test(text), 'the lock to print the opening');
    input.write('status\n');
    await until(
      () => new RegExp(`mobile group key ${groupKeyIdOf(group).toString('hex')}`).test(text),
      'status',
    );
    input.end();
    await run;
  });
});
