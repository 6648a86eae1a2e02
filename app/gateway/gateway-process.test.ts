import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lintelBin, requireBuild } from '../../test/helpers/lintel-process.js';
import { watchProcess, type WatchedProcess } from '../../test/helpers/watched-process.js';
import { humanToken } from '../crypto/random.js';
import { loadOrCreateIdentity } from '../devices/device-identity.js';
import { freeUdpPort, TestUnit, TestUpstream, until } from './test-rig.js';

/**
 * `lintel gateway` as a process (the built CLI: `npm run build` first): real enrolment over UDP with the
 * pairing code, then `kill -9` while a unit's events flow through it.
 */

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-gateway-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function startGatewayProcess(args: string[]): WatchedProcess & { kill9(): void } {
  const proc = spawn(process.execPath, [lintelBin, 'gateway', ...args], {
    env: { ...process.env, LINTEL_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const watched = watchProcess(proc, 'lintel gateway');
  cleanups.push(() => watched.stop('SIGKILL'));
  return { ...watched, kill9: () => void proc.kill('SIGKILL') };
}

describe('lintel gateway (process)', () => {
  it('enrols with a pairing code, and loses nothing it acknowledged when killed with -9', async () => {
    requireBuild();
    const upstream = await TestUpstream.start();
    cleanups.push(() => upstream.close());
    const model = upstream.model;
    const gwDir = tempDir();
    // The gateway's key exists before its first start only so the model can name it to the unit.
    const gatewayKey = Buffer.from(loadOrCreateIdentity(gwDir, 'gateway').staticKey.publicKey);
    const unit = TestUnit.create(tempDir(), 2);
    cleanups.push(() => unit.close());
    const psk = model.addUnit(2, unit.publicKey, [10]).psk;
    model.putCard(1);
    const code = humanToken();
    upstream.acceptEnrolment(code, 1);

    const port = await freeUdpPort();
    const listen = ['--data-dir', gwDir, '--listen', `127.0.0.1:${port}`];
    let gw = startGatewayProcess([
      ...listen,
      '--enrol',
      // As a person types it from the console: lower case, in groups.
      code.toLowerCase().replace(/(.{4})(?!$)/g, '$1-'),
      '--service',
      `127.0.0.1:${upstream.port}`,
    ]);
    await gw.waitFor(/^gateway enrolled as device 1 with the Service at 127\.0\.0\.1:\d+$/m);
    await gw.waitFor(
      new RegExp(`^gateway 1 ready: listening on 127\\.0\\.0\\.1:${port}, revision 0, 0 units$`, 'm'),
    );
    expect(upstream.enrolled).toEqual({ kind: 'gateway', version: expect.any(String), listenPort: port });

    await unit.start({ host: '127.0.0.1', port, publicKey: gatewayKey }, psk);
    await until(
      () => unit.store.replica()?.revision === model.revision,
      'the unit to sync through the gateway',
    );
    // Its status (and so its address) has reached the gateway's store.
    await until(() => upstream.statuses.some((s) => s.some((u) => u.deviceId === 2)), 'the unit’s status');

    // Events flow: ten every 20 ms.
    let producing = true;
    const producer = (async () => {
      while (producing) {
        unit.emit(10);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    cleanups.push(() => {
      producing = false;
      return producer;
    });
    const acknowledged = () => unit.emittedCount - unit.store.pendingCount();
    await until(() => acknowledged() >= 100 && upstream.received.length >= 50, 'events to flow');
    // Then the Service stops taking them for a moment: what the gateway acknowledges now lives only in
    // its store when it is killed.
    upstream.refuseEvents = true;
    const held = acknowledged();
    await until(() => acknowledged() >= held + 100, 'the gateway to acknowledge more');
    expect(gw.stdout()).not.toMatch(/error/i);
    gw.kill9();
    await gw.exited;
    const acknowledgedBeforeKill = acknowledged();
    const upstreamBeforeKill = upstream.received.length;
    expect(acknowledgedBeforeKill - upstreamBeforeKill).toBeGreaterThanOrEqual(100);

    await new Promise((r) => setTimeout(r, 500));
    gw = startGatewayProcess(listen);
    await gw.waitFor(
      new RegExp(
        `^gateway 1 ready: listening on 127\\.0\\.0\\.1:${port}, revision ${model.revision}, 1 unit$`,
        'm',
      ),
    );
    upstream.refuseEvents = false;
    await until(() => upstream.received.length > upstreamBeforeKill + 50, 'events to flow again', 30_000);
    producing = false;
    await producer;
    const total = unit.emittedCount;
    await until(() => upstream.numbers(2).length >= total, 'every event upstream', 60_000);
    await until(() => unit.store.pendingCount() === 0, 'the unit’s outbox to empty');

    const numbers = upstream.numbers(2);
    expect(numbers.length).toBe(total);
    expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    // Ends cleanly on SIGTERM.
    expect(await gw.stop('SIGTERM')).toBe(0);
    expect(gw.stdout()).toMatch(/gateway stopped/);
  }, 150_000);
});
