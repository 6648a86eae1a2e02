import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { siteFreeEnv } from '../../app/demo/demo-parts.js';
import { repoRoot } from './temp-site.js';
import { watchProcess, type WatchedProcess } from './watched-process.js';

/** The built CLI (tests run after `npm run build`). */
export const lintelBin = path.join(repoRoot, 'bin', 'lintel.js');

/** Fails early, with the fix, when the build is missing (`console`: the renderer bundle too). */
export function requireBuild(parts: { console?: boolean } = {}): void {
  const needed = [path.join(repoRoot, 'dist', 'app', 'cli', 'run.js')];
  if (parts.console) needed.push(path.join(repoRoot, 'dist', 'renderer', 'index.html'));
  const missing = needed.filter((f) => !fs.existsSync(f)).map((f) => path.relative(repoRoot, f));
  if (missing.length)
    throw new Error(`${missing.join(', ')} missing: run \`npm run build\` first (npm test does it)`);
}

/** The environment without the developer's own site settings, which must not place or unlock a test site. */
const cleanEnv = siteFreeEnv;

/** Runs `lintel …` to completion. */
export function lintel(
  args: string[],
  env: Record<string, string> = {},
): { status: number; stdout: string; stderr: string } {
  requireBuild();
  const r = spawnSync(process.execPath, [lintelBin, ...args], {
    encoding: 'utf8',
    env: { ...cleanEnv(), LINTEL_LOG_LEVEL: 'warn', ...env },
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `lintel …` without blocking the test's event loop (so its own clients keep going meanwhile). */
export function lintelAsync(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ status: number; stdout: string; stderr: string }> {
  requireBuild();
  const proc = spawn(process.execPath, [lintelBin, ...args], {
    env: { ...cleanEnv(), LINTEL_LOG_LEVEL: 'warn', ...env },
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    proc.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr })),
  );
}

/** A running `lintel serve`. */
export interface ServeProcess {
  proc: ChildProcess;
  url: string;
  setupToken?: string;
  /** The self-signed certificate, so requests verify TLS for real instead of switching it off. */
  ca: string;
  /** The device link's UDP port, when it listens (`--link-port 0` picks a free one). */
  linkPort?: number;
  stdout: () => string;
  stderr: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `lintel serve --port 0` on a data folder and waits until it prints its URL. `extra` options come
 * after, and a repeated option's last value wins: `['--port', '8443']` restarts on a known port,
 * `['--link-port', '0', '--link-host', '127.0.0.1']` gives the device link a free port (`linkPort`).
 */
export async function startServe(
  dataDir: string,
  keyFile: string,
  extra: string[] = [],
  env: Record<string, string> = {},
): Promise<ServeProcess> {
  requireBuild();
  const proc = spawn(
    process.execPath,
    [lintelBin, 'serve', '--port', '0', '--data-dir', dataDir, '--key-file', keyFile, ...extra],
    {
      env: { ...cleanEnv(), LINTEL_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lintel serve did not start:\n${out}\n${err}`)), 60_000);
    const check = () => {
      const m = /Lintel console: (\S+)/.exec(out);
      if (m?.[1] && out.includes('Press Ctrl-C')) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`lintel serve exited (${code}):\n${out}\n${err}`));
    });
  });
  const token = /Setup token: (\S+)/.exec(out)?.[1];
  const linkPort = /^Device link: udp \S+:(\d+),/m.exec(out)?.[1];
  return {
    proc,
    url,
    ...(token ? { setupToken: token } : {}),
    ...(linkPort ? { linkPort: Number(linkPort) } : {}),
    ca: fs.readFileSync(path.join(dataDir, 'tls', 'cert.pem'), 'utf8'),
    stdout: () => out,
    stderr: () => err,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const stuck = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(stuck);
      return code;
    },
  };
}

/** A running device process (`lintel gateway`, `lintel sim cu`, `lintel sim reader`), watched line by line. */
export interface DeviceProcess extends WatchedProcess {
  proc: ChildProcess;
}

/**
 * Starts `lintel ARGS…` as a long-running device process with piped stdio (stdin open, for the
 * simulators' consoles); `name` goes in the errors. Stop it with `stop()` (SIGINT; `stop('SIGKILL')`
 * to kill it).
 */
export function startDevice(args: string[], name: string): DeviceProcess {
  requireBuild();
  const proc = spawn(process.execPath, [lintelBin, ...args], {
    env: { ...cleanEnv(), LINTEL_LOG_LEVEL: 'warn' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return { proc, ...watchProcess(proc, name) };
}

/** `lintel gateway ARGS…` (`--data-dir D [--enrol CODE --service HOST:PORT] [--listen HOST:PORT]`). */
export const startGateway = (args: string[]): DeviceProcess =>
  startDevice(['gateway', ...args], 'lintel gateway');

/** `lintel sim cu ARGS…` (`--data-dir D --reader PATH@ADDR [--enrol CODE --service HOST:PORT] …`). */
export const startSimCu = (args: string[]): DeviceProcess =>
  startDevice(['sim', 'cu', ...args], 'lintel sim cu');

/** `lintel sim reader ARGS…` (`--port PATH --address N (--scbk HEX | --install-mode) [--cards D]`). */
export const startSimReader = (args: string[]): DeviceProcess =>
  startDevice(['sim', 'reader', ...args], 'lintel sim reader');

/** `lintel sim lock ARGS…` (`--state FILE --port PATH [--cards D] [--baud N]`). */
export const startSimLock = (args: string[]): DeviceProcess =>
  startDevice(['sim', 'lock', ...args], 'lintel sim lock');

/** `lintel sim ppd ARGS…` (`--state FILE --port PATH [--baud N]`). */
export const startSimPpd = (args: string[]): DeviceProcess =>
  startDevice(['sim', 'ppd', ...args], 'lintel sim ppd');

/** A running `lintel sim ncoder`, driven through its stdin as a person at the keyboard would. */
export interface SimNcoderProcess {
  proc: ChildProcess;
  serial: string;
  socket: string;
  stdout: () => string;
  /** Types one command line (`new 2k`, `remove`, …). */
  send(line: string): void;
  /** Waits until the output from `from` on (default: all of it) matches, and returns the match. */
  waitFor(pattern: RegExp, from?: number): Promise<RegExpExecArray>;
  /** Stops it as Ctrl-C does (SIGINT) and resolves to its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `lintel sim ncoder --socket SOCKET …` and waits until it prints that it is listening. */
export async function startSimNcoder(socket: string, extra: string[] = []): Promise<SimNcoderProcess> {
  requireBuild();
  const proc = spawn(process.execPath, [lintelBin, 'sim', 'ncoder', '--socket', socket, ...extra], {
    env: { ...cleanEnv(), LINTEL_LOG_LEVEL: 'warn' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const watched = watchProcess(proc, 'lintel sim ncoder');
  let serial: string;
  try {
    serial = (await watched.waitFor(/^NCoder simulator (\S+) listening on /m))[1]!;
  } catch (e) {
    proc.kill('SIGKILL');
    throw e;
  }
  return {
    proc,
    serial,
    socket,
    stdout: watched.stdout,
    send: watched.send,
    waitFor: watched.waitFor,
    stop: watched.stop,
  };
}

/** A response as the tests look at it. */
export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: () => unknown;
}

/** One HTTPS request to a test server, verifying its certificate. */
export function request(
  server: Pick<ServeProcess, 'url' | 'ca'>,
  pathname: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<HttpReply> {
  const url = new URL(pathname, server.url);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: opts.method ?? 'GET', headers: opts.headers, ca: server.ca },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A JSON-RPC call over HTTPS; returns the parsed response. */
export async function rpc(
  server: Pick<ServeProcess, 'url' | 'ca'>,
  method: string,
  params: unknown = {},
  headers: Record<string, string> = {},
): Promise<{
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: Record<string, unknown> };
}> {
  const r = await request(server, '/rpc', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return r.json() as never;
}

/** Logs in over HTTPS as a script would; returns the token and the header that carries it. */
export async function bearerLogin(
  server: Pick<ServeProcess, 'url' | 'ca'>,
  username: string,
  password: string,
): Promise<{ token: string; auth: Record<string, string> }> {
  const token = (await rpc(server, 'session.login', { username, password })).result!.token as string;
  return { token, auth: { Authorization: `Bearer ${token}` } };
}

/** Creates the first administrator with the printed setup token, then logs in as it. */
export async function firstAdmin(
  server: ServeProcess,
  username: string,
  password: string,
  extra: Record<string, string> = {},
): Promise<{ token: string; auth: Record<string, string> }> {
  const created = await rpc(server, 'setup.createAdmin', {
    token: server.setupToken,
    username,
    password,
    ...extra,
  });
  if (!created.result) throw new Error(`setup.createAdmin failed: ${JSON.stringify(created.error)}`);
  return bearerLogin(server, username, password);
}

/** A running `lintel demo`: the whole simulated site, its hands on stdin. */
export interface DemoProcess extends DeviceProcess {
  url: string;
  ca: string;
  dataDir: string;
  admin: { username: string; password: string };
  /** The demo's demo.json: door ids by key, people's user ids and card names. */
  state: {
    doors: Record<string, number>;
    people: Record<string, { userId: number; card?: string; keyId?: number }>;
  };
  readyMs: number;
  /** The serial path the Service reaches the PPD on. */
  ppdPort: string;
  /** Types a hands command and waits for the line that answers it. */
  hands(line: string, answer: RegExp, ms?: number): Promise<RegExpExecArray>;
}

/** Starts `lintel demo --data-dir DIR [extra…]` and waits until the site is ready. */
export async function startDemo(dataDir: string, extra: string[] = []): Promise<DemoProcess> {
  const d = startDevice(['demo', '--data-dir', dataDir, ...extra], 'lintel demo');
  let ready: RegExpExecArray;
  try {
    ready = await d.waitFor(/^Lintel demo site ready in ([\d.]+) s/m, 0, 240_000);
  } catch (e) {
    await d.stop('SIGINT');
    throw e;
  }
  const out = d.stdout();
  const state = JSON.parse(
    fs.readFileSync(path.join(dataDir, 'demo.json'), 'utf8'),
  ) as DemoProcess['state'] & {
    admin: { username: string; password: string };
  };
  return {
    ...d,
    url: /^Console: +(\S+)/m.exec(out)![1]!,
    ca: fs.readFileSync(path.join(dataDir, 'site', 'tls', 'cert.pem'), 'utf8'),
    dataDir,
    admin: state.admin,
    state,
    readyMs: Math.round(Number(ready[1]) * 1000),
    ppdPort: /^The PPD's console cable is the serial port (\S+) /m.exec(out)![1]!,
    hands: async (line, answer, ms = 60_000) => {
      const mark = d.mark();
      d.send(line);
      return d.waitFor(answer, mark, ms);
    },
  };
}
