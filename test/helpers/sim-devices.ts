import { spawn, type ChildProcess } from 'node:child_process';
import { lintelBin, requireBuild } from './lintel-process.js';
import { watchProcess, type WatchedProcess } from './watched-process.js';

/**
 * The built `lintel sim reader` and `lintel sim cu` as separate processes, driven through their stdin
 * as a person at their consoles would: a wall reader on one end of a pty pair, and the control unit
 * that drives it from the other end and reports to a `lintel serve`.
 */

/** A running simulator, with the process for anything the watcher does not cover. */
export type SimDevice = WatchedProcess & { proc: ChildProcess };

/** The environment without the developer's own LINTEL_* settings. */
function simEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LINTEL_')));
  return { ...env, LINTEL_LOG_LEVEL: 'warn' };
}

/** Spawns `lintel sim …` and waits for `ready` in its output (killed if it never comes). */
async function startSim(args: string[], name: string, ready: RegExp): Promise<SimDevice> {
  requireBuild();
  const proc = spawn(process.execPath, [lintelBin, 'sim', ...args], {
    env: simEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const watched = watchProcess(proc, name);
  try {
    await watched.waitFor(ready);
  } catch (e) {
    proc.kill('SIGKILL');
    throw e;
  }
  return { ...watched, proc };
}

/** Starts `lintel sim reader --port PORT --address N …` and waits until it answers on its port. */
export function startSimReader(port: string, address: number, extra: string[] = []): Promise<SimDevice> {
  return startSim(
    ['reader', '--port', port, '--address', String(address), ...extra],
    'lintel sim reader',
    new RegExp(`^OSDP reader simulator at address ${address} on `, 'm'),
  );
}

/**
 * Starts `lintel sim cu ARGS` and waits until it has a replica of the site (`control unit N ready:
 * …`, after its enrolment and first sync); resolves with the process and its device id.
 */
export async function startSimCu(args: string[]): Promise<{ cu: SimDevice; deviceId: number }> {
  const cu = await startSim(['cu', ...args], 'lintel sim cu', /^control unit (\d+) ready: /m);
  const [, id] = await cu.waitFor(/^control unit (\d+) ready: /m);
  return { cu, deviceId: Number(id) };
}
