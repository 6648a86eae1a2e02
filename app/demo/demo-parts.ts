import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../package-info.js';
import { dieWithParent } from './die-with-parent.js';
import { ptyPair, type PtyPair } from './pty-pair.js';
import { watchProcess, type WatchedProcess } from './watched-process.js';

/**
 * The processes of a demo site, started as `lintel …` subcommands (each its own process, speaking
 * its real protocol to the others) and stopped again in reverse order. Each writes to its own log
 * under the data folder's logs/; each runs in its own process group, so a Ctrl-C at the terminal
 * reaches only `lintel demo`, which stops the devices before the Service they report to.
 */

/** One running part. */
export interface Part extends WatchedProcess {
  name: string;
  proc: ChildProcess;
}

/** Environment variables that would point a child at the operator's own site. */
export const SITE_VARIABLES = [
  'LINTEL_PASSPHRASE',
  'LINTEL_NEW_PASSPHRASE',
  'LINTEL_EXPORT_PASSPHRASE',
  'LINTEL_DATA_DIR',
  'LINTEL_KEY_FILE',
  'LINTEL_NCODER_SOCKET',
  'LINTEL_LINK_PORT',
];

/** This process's environment without {@link SITE_VARIABLES}: a child must not find, unlock or place a site of the operator's. */
export function siteFreeEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const v of SITE_VARIABLES) delete env[v];
  return env;
}

export class DemoParts {
  private readonly parts: Part[] = [];
  private readonly ptys: PtyPair[] = [];
  private stopping = false;

  constructor(private readonly logDir: string) {
    fs.mkdirSync(logDir, { recursive: true, mode: 0o700 });
  }

  /** Starts `lintel ARGS…` as the part `name` (its log: logs/NAME.log). */
  start(name: string, args: string[]): Part {
    if (this.stopping) throw new Error('the demo is stopping');
    const env = { ...siteFreeEnv(), LINTEL_LOG_LEVEL: process.env.LINTEL_LOG_LEVEL ?? 'warn' };
    const [cmd, argv] = dieWithParent(process.execPath, [
      path.join(packageRoot(), 'bin', 'lintel.js'),
      ...args,
    ]);
    const proc = spawn(cmd, argv, {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
    });
    const log = fs.createWriteStream(path.join(this.logDir, `${name}.log`), { flags: 'a', mode: 0o600 });
    const part: Part = { name, proc, ...watchProcess(proc, `lintel ${args[0]} (${name})`, { log }) };
    void part.exited.then(() => log.end());
    this.parts.push(part);
    return part;
  }

  /** A serial cable: a pty pair (`links`: stable names for its two ends). */
  async cable(links: [string, string] | [] = []): Promise<PtyPair> {
    if (this.stopping) throw new Error('the demo is stopping');
    const pair = await ptyPair(links, dieWithParent);
    this.ptys.push(pair);
    return pair;
  }

  /** The parts still running. */
  running(): Part[] {
    return this.parts.filter((p) => p.proc.exitCode === null && p.proc.signalCode === null);
  }

  /** Every process of the demo with its resident memory (Linux /proc; undefined elsewhere). */
  memory(): { name: string; pid: number; rssKiB: number | undefined }[] {
    const rows = this.running().map((p) => ({ name: p.name, pid: p.proc.pid! }));
    for (const [i, pair] of this.ptys.entries())
      if (pair.socat.pid && pair.socat.exitCode === null)
        rows.push({ name: `socat ${i + 1}`, pid: pair.socat.pid });
    rows.push({ name: 'lintel demo', pid: process.pid });
    return rows.map((r) => ({ ...r, rssKiB: residentKiB(r.pid) }));
  }

  /**
   * Stops everything: the parts in reverse order of starting (devices before the Service they report
   * to), each as Ctrl-C would (SIGTERM for `serve`, which shuts down on it the same way), then the cables.
   */
  async stopAll(): Promise<void> {
    this.stopping = true;
    for (const part of [...this.parts].reverse())
      await part.stop(part.name === 'serve' ? 'SIGTERM' : 'SIGINT');
    for (const pair of this.ptys) await pair.close();
  }
}

/** VmRSS of a process in KiB, from /proc (Linux); undefined where there is no /proc. */
export function residentKiB(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
