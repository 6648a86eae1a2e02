import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ptyPair, type PtyPair } from '../../test/helpers/pty-pair.js';
import { repoRoot } from '../../test/helpers/temp-site.js';
import { watchProcess } from '../../test/helpers/watched-process.js';
import { PassThrough } from 'node:stream';
import { createLogger } from '../log.js';
import { simReaderCommand } from './sim-reader.js';
import { osdpInfo as runInfo, OsdpToolError, parseKey, type OsdpInfoOptions } from './osdp-commands.js';

/**
 * `lintel sim reader` on one end of a pty pair and `lintel osdp info` on the other, as separate
 * processes (the TypeScript entry point under tsx, so no build is needed): what an installer does
 * with a new reader, then with a provisioned one, and what a wrong key gets. Process start-up is
 * most of the time here, so the further cases run the same command in-process.
 */

const KEY = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const WRONG = '00000000000000000000000000000001';
const entry = ['--import', 'tsx', path.join(repoRoot, 'app', 'cli', 'run.ts')];
const env = { ...process.env, LINTEL_LOG_LEVEL: 'warn' };

interface Sim {
  proc: ChildProcessWithoutNullStreams;
  out: () => string;
  waitFor: (pattern: RegExp) => Promise<RegExpExecArray>;
  exited: Promise<number | null>;
}

function startSim(args: string[]): Sim {
  const proc = spawn(process.execPath, [...entry, 'sim', 'reader', ...args], { cwd: repoRoot, env });
  const w = watchProcess(proc, 'lintel sim reader');
  return { proc, out: w.stdout, waitFor: (p: RegExp) => w.waitFor(p, 0, 20_000), exited: w.exited };
}

/** Runs `lintel osdp info …` to completion. */
function osdpInfo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [...entry, 'osdp', 'info', ...args], { cwd: repoRoot, env });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => proc.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** `osdp info` in this process: its output, or the error line and exit code. */
async function infoHere(o: OsdpInfoOptions): Promise<{ code: number; stdout: string; message?: string }> {
  let stdout = '';
  const out = { write: (s: string) => ((stdout += s), true) } as unknown as NodeJS.WritableStream;
  try {
    await runInfo(o, out);
    return { code: 0, stdout };
  } catch (err) {
    if (!(err instanceof OsdpToolError)) throw err;
    return { code: err.exitCode, stdout, message: err.message };
  }
}

let pair: PtyPair;
let dir: string;
let sim: Sim | undefined;

beforeAll(async () => {
  pair = await ptyPair();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-osdp-'));
});

afterAll(async () => {
  if (sim && sim.proc.exitCode === null) sim.proc.kill('SIGKILL');
  await pair.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('lintel osdp info against lintel sim reader over a pty pair', () => {
  it('installs a reader, then needs its key; a wrong key and the default key fail clearly', async () => {
    const [readerEnd, cpEnd] = pair.paths;
    const state = path.join(dir, 'reader.json');
    sim = startSim(['--port', readerEnd, '--address', '5', '--install-mode', '--state', state]);
    await sim.waitFor(/^OSDP reader simulator at address 5 on (.+)$/m);
    expect(sim.out()).toContain(`at address 5 on ${readerEnd}`);
    // A generous reply timeout: a loaded machine must not make a slow answer look like none.
    const common = ['--port', cpEnd, '--address', '5', '--baud', '115200', '--timeout', '500'];

    const install = await osdpInfo([...common, '--install-mode', '--set-scbk', KEY]);
    expect(install.stderr).toBe('');
    expect(install.code).toBe(0);
    expect(install.stdout).toMatch(/^OSDP reader at address 5 on .+: Secure Channel up \(install mode/m);
    expect(install.stdout).toMatch(/^Vendor code: +4C-4E-54$/m);
    expect(install.stdout).toMatch(/^Serial number: +[0-9A-F]{8} \(\d+\)$/m);
    expect(install.stdout).toMatch(/^Firmware: +\d+\.\d+\.\d+$/m);
    expect(install.stdout).toMatch(/^ {2}Smart card: transparent mode/m);
    expect(install.stdout).toMatch(/^ {2}Biometrics: fingerprint/m);
    expect(install.stdout).toMatch(/^Provisioned the new SCBK \(KEYSET\)/m);
    expect(install.stdout + install.stderr).not.toContain(KEY);
    await sim.waitFor(/^provisioned a new SCBK \(KEYSET\), saved in /m);
    expect(fs.statSync(state).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(state, 'utf8'))).toMatchObject({ scbk: KEY });
    expect(sim.out()).not.toContain(KEY);

    const wrong = await osdpInfo([...common, '--scbk', WRONG]);
    expect(wrong.code).toBe(3);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toBe(
      'lintel: the reader refused the key: give its SCBK with --scbk, or use --install-mode for a reader still on the default key\n',
    );

    const here = { port: cpEnd, address: 5, baud: 115_200, timeout: 500 };
    const withKey = await infoHere({ ...here, scbk: Buffer.from(KEY, 'hex') });
    expect(withKey.code).toBe(0);
    expect(withKey.stdout).toMatch(/Secure Channel up \(SCBK\)/);
    expect(withKey.stdout).toMatch(/^Model: +1$/m);

    const again = await infoHere({ ...here, installMode: true });
    expect(again.code).toBe(3);
    expect(again.message).toMatch(/^the reader refused the default key \(SCBK-D\).*--scbk$/);

    sim.proc.stdin.write('status\n');
    await sim.waitFor(/^key: SCBK set$/m);
    sim.proc.kill('SIGINT');
    expect(await sim.exited).toBe(0);
  });

  it('says so when nothing answers, the port cannot be opened, or the options do not make sense (in-process)', async () => {
    const other = await ptyPair();
    try {
      const silent = await infoHere({
        port: other.paths[0],
        address: 0,
        baud: 9600,
        installMode: true,
        timeout: 30,
      });
      expect(silent).toMatchObject({
        code: 2,
        message: `no answer from an OSDP reader at address 0 on ${other.paths[0]} (check the wiring, --baud and --address)`,
      });
      const none = await infoHere({
        port: path.join(dir, 'no-such-port'),
        address: 0,
        baud: 9600,
        installMode: true,
      });
      expect(none.code).toBe(1);
      expect(none.message).toMatch(/^cannot open .*no-such-port: /);
      const both = await infoHere({
        port: other.paths[1],
        address: 0,
        baud: 9600,
        installMode: true,
        scbk: Buffer.alloc(16),
      });
      expect(both).toMatchObject({ code: 1, message: 'give either --scbk or --install-mode, not both' });
      const alone = await infoHere({
        port: other.paths[1],
        address: 0,
        baud: 9600,
        scbk: Buffer.alloc(16),
        setScbk: Buffer.alloc(16, 1),
      });
      expect(alone).toMatchObject({
        code: 1,
        message: '--set-scbk provisions a new reader: use it with --install-mode',
      });
      expect(() => parseKey('--scbk', KEY.slice(1))).toThrow(/^--scbk: an AES-128 key is 32 hex digits$/);
      expect(parseKey('--scbk', KEY.replace(/(..)(?!$)/g, '$1:'))).toEqual(Buffer.from(KEY, 'hex'));
    } finally {
      await other.close();
    }
  });

  it('sim reader stops with a clear error when its line goes away (in-process)', async () => {
    const other = await ptyPair();
    const input = new PassThrough();
    let out = '';
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    const output = new PassThrough();
    output.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Type help')) ready();
    });
    const running = simReaderCommand(
      { port: other.paths[0], address: 0, baud: 9600, installMode: true },
      createLogger({ level: 'silent' }),
      { input, out: output },
    ).catch((e: unknown) => e);
    await isReady;
    expect(out).toMatch(new RegExp(`^OSDP reader simulator at address 0 on ${other.paths[0]}$`, 'm'));
    await other.close();
    const err = await running;
    expect(err).toBeInstanceOf(OsdpToolError);
    expect((err as OsdpToolError).message).toMatch(new RegExp(`^${other.paths[0]} went away: `));
  });
});
