import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../test/helpers/temp-site.js';
import { watchProcess } from '../../test/helpers/watched-process.js';
import { DesfireClient } from '../desfire/desfire-client.js';
import { socketHidDevices } from '../ncoder/hid-socket.js';
import { NcoderLink } from '../ncoder/ncoder-link.js';

/**
 * `lintel sim ncoder` as a person or `lintel serve` meets it: a separate process on a Unix socket,
 * driven through stdin. Runs the TypeScript entry point under tsx, so no build is needed.
 */

interface Sim {
  proc: ChildProcessWithoutNullStreams;
  out: () => string;
  waitFor: (pattern: RegExp) => Promise<RegExpExecArray>;
  exited: Promise<number | null>;
}

const running: Sim[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const s of running.splice(0)) if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function startSim(args: string[]): Sim {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'app', 'cli', 'run.ts'), 'sim', 'ncoder', ...args],
    {
      cwd: repoRoot,
      env: { ...process.env, LINTEL_LOG_LEVEL: 'warn' },
    },
  );
  const w = watchProcess(proc, 'lintel sim ncoder');
  const sim = { proc, out: w.stdout, waitFor: (p: RegExp) => w.waitFor(p), exited: w.exited };
  running.push(sim);
  return sim;
}

describe('lintel sim ncoder', () => {
  it('serves the encoder on a socket, places a new card from stdin, and leaves no socket behind on Ctrl-C', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-sim-'));
    dirs.push(dir);
    const socket = path.join(dir, 'ncoder.sock');
    const cards = path.join(dir, 'cards');
    const sim = startSim(['--socket', socket, '--cards', cards, '--state', path.join(dir, 'state.json')]);
    const [, serial] = await sim.waitFor(/^NCoder simulator (\S+) listening on (.+)$/m);
    expect(sim.out()).toContain(`listening on ${socket}`);

    const keys = new Map<string, Uint8Array>();
    const link = new NcoderLink({
      devices: socketHidDevices(socket),
      pairingKey: (s) => keys.get(s),
      scanIntervalMs: 50,
    });
    link.start();
    try {
      expect((await link.whenState('unpaired')).serial).toBe(serial);
      await link.pair((s, key) => void keys.set(s, key));
      expect(await link.poll()).toBeNull();

      sim.proc.stdin.write('new 2k\n');
      const [, name, uid] = await sim.waitFor(
        /^placed (card-\d+) \(UID ([0-9a-f]{14}), 2k\) file card-1\.json$/m,
      );
      expect(name).toBe('card-1');
      const activation = await link.poll();
      expect(Buffer.from(activation!.uid).toString('hex')).toBe(uid);
      // A DESFire client through the whole chain: socket, HID reports, session, emulator.
      await link.withCard(async (card) => {
        const client = new DesfireClient(card.transceive);
        await client.authenticateEv2First(0, new Uint8Array(16));
        await client.createApplication(0x123456, { keySettings: 0x0f, keyCount: 1 });
      });
      const saved = JSON.parse(fs.readFileSync(path.join(cards, 'card-1.json'), 'utf8')) as {
        applications: { aid: number }[];
      };
      expect(saved.applications.map((a) => a.aid)).toEqual([0x123456]); // saved after the change

      sim.proc.stdin.write('status\n');
      await sim.waitFor(/^paired: yes$/m);
      sim.proc.stdin.write('remove\nbogus\n');
      await sim.waitFor(/^error: unknown command "bogus": type help$/m);
      expect(await link.poll()).toBeNull();
      sim.proc.stdin.write('reset\n');
      await link.whenState('unpaired'); // it restarted, and the link found it again

      sim.proc.kill('SIGINT');
      expect(await sim.exited).toBe(0);
      expect(fs.existsSync(socket)).toBe(false);
      await link.whenState('absent');
    } finally {
      await link.stop();
    }
  });
});
