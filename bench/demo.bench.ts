import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { residentKiB, siteFreeEnv } from '../app/demo/demo-parts.js';
import { watchProcess } from '../app/demo/watched-process.js';
import { compared, type BenchResult } from './bench-result.js';

// The demo site (issue 11), as `lintel demo` runs it (the built CLI: `npm run build` first):
// - start to ready, first start (seeding, enrolments, cards encoded, the first PPD round) and a
//   restart on the same folder, against `lintel serve` alone starting on a new site (the one part
//   every start waits for);
// - the resident memory of all its processes together once ready and idle, against the same number
//   of bare Node.js processes (what Node costs before any of our code is loaded).
const bin = path.join(import.meta.dirname, '..', 'bin', 'lintel.js');

function lintel(args: string[]) {
  const env = { ...siteFreeEnv(), LINTEL_LOG_LEVEL: 'warn' };
  const proc = spawn(process.execPath, [bin, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  return { proc, ...watchProcess(proc, `lintel ${args[0]}`) };
}

/** Milliseconds from spawning `lintel demo` to its ready line; the memory it then reports. */
async function demoStart(
  dir: string,
): Promise<{ ms: number; processes: number; mib: number; stop: () => Promise<unknown> }> {
  const t0 = performance.now();
  const demo = lintel(['demo', '--data-dir', dir, '--no-feed']);
  await demo.waitFor(/^Lintel demo site ready in /m, 0, 300_000);
  const ms = performance.now() - t0;
  // Idle a moment (the first syncs and reports settle), then ask the hands for the processes' memory.
  await new Promise((r) => setTimeout(r, 5_000));
  const mark = demo.mark();
  demo.send('status');
  const m = await demo.waitFor(/^ {2}(\d+) processes, (\d+) MiB resident together$/m, mark);
  // Node processes only: the socat cables (a few MiB each) are not what the comparison is about.
  const rows = [...demo.stdout().matchAll(/^ {2}(\S+(?: \S+)?) +pid \d+ +(\d+) MiB$/gm)];
  const node = rows.slice(-Number(m[1])).filter((r) => !r[1]!.startsWith('socat'));
  return {
    ms,
    processes: node.length,
    mib: node.reduce((n, r) => n + Number(r[2]), 0),
    stop: () => demo.stop('SIGINT'),
  };
}

async function serveStart(dir: string): Promise<number> {
  const t0 = performance.now();
  const serve = lintel([
    'serve',
    '--data-dir',
    path.join(dir, 'site'),
    '--key-file',
    path.join(dir, 'site.key'),
    '--port',
    '0',
    '--no-link',
  ]);
  await serve.waitFor(/^Press Ctrl-C to stop\.$/m, 0, 120_000);
  const ms = performance.now() - t0;
  await serve.stop('SIGTERM');
  return ms;
}

/** Resident memory of `n` idle bare Node.js processes, together (MiB). */
async function bareNodes(n: number): Promise<number> {
  const procs = Array.from({ length: n }, () =>
    spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000); console.log("up")'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  );
  await Promise.all(procs.map((p) => new Promise((r) => p.stdout.once('data', r))));
  await new Promise((r) => setTimeout(r, 2_000));
  const kib = procs.reduce((sum, p) => sum + (residentKiB(p.pid!) ?? 0), 0);
  for (const p of procs) p.kill();
  return kib / 1024;
}

export async function run(): Promise<BenchResult[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-bench-demo-'));
  try {
    const serveMs = await serveStart(path.join(root, 'serve'));
    const first = await demoStart(path.join(root, 'demo'));
    await first.stop();
    const again = await demoStart(path.join(root, 'demo'));
    await again.stop();
    // The demo counts its socat cables and itself; bare Node processes stand in for every one of them.
    const bare = await bareNodes(again.processes);
    return [
      compared(
        'demo.start-to-ready.first',
        'ms',
        first.ms,
        serveMs,
        undefined,
        `\`lintel demo\` on a new folder until ready (seeded, ${first.processes} processes, cards encoded, first PPD round), against \`lintel serve\` starting a new site`,
      ),
      compared(
        'demo.start-to-ready.restart',
        'ms',
        again.ms,
        serveMs,
        undefined,
        '`lintel demo` on the folder of an earlier demo until ready, against `lintel serve` starting a new site',
      ),
      compared(
        'demo.memory.all-processes',
        'MiB',
        again.mib,
        bare,
        undefined,
        `resident memory of the demo's ${again.processes} processes together once ready and idle, against as many bare Node.js processes`,
      ),
    ];
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
