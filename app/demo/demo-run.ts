import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { DemoCommandOptions } from '../cli/demo-command.js';
import { DemoSite } from './demo-site.js';
import { Hands } from './hands.js';

/**
 * `lintel demo`: a whole site on this machine, for evaluating Lintel, for training, and for our own
 * scenario tests. The terminal becomes the hands of the people at the doors (hands.ts); Ctrl-C stops
 * every process the demo started and, for a temporary folder, removes it.
 */
export async function runDemo(opts: DemoCommandOptions): Promise<void> {
  const temporary = !opts.dataDir;
  const dataDir = opts.dataDir
    ? path.resolve(opts.dataDir)
    : fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-demo-'));
  const say = (line: string) => void process.stdout.write(`${line}\n`);
  const aborter = new AbortController();
  let site: DemoSite | undefined;
  let stopFeed = (): void => undefined;
  let stopping: Promise<void> | undefined;
  let markStopped = () => undefined as void;
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  const stop = () =>
    (stopping ??= (async () => {
      say('Stopping the demo site…');
      aborter.abort();
      stopFeed();
      await site?.stop();
      if (temporary) fs.rmSync(dataDir, { recursive: true, force: true });
      say(`Demo stopped: nothing of it is running${temporary ? ', and its temporary folder is gone' : ''}.`);
      markStopped();
    })());
  // `on`, not `once`: a second Ctrl-C with no listener would kill the demo mid-cleanup, orphaning devices.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop());

  say(`Starting a demo site in ${dataDir}${temporary ? ' (temporary)' : ''}…`);
  try {
    site = await DemoSite.start({ dataDir, port: opts.port, say, signal: aborter.signal });
  } catch (err) {
    await stop();
    if (aborter.signal.aborted && stopping) return;
    throw err;
  }
  if (aborter.signal.aborted) {
    await stop();
    return;
  }
  const memory = site.parts.memory();
  const mib = memory.reduce((n, r) => n + (r.rssKiB ?? 0), 0) / 1024;
  const s = site.state;
  say(
    [
      '',
      `Lintel demo site ready in ${(site.readyMs / 1000).toFixed(1)} s: ${memory.length} processes, ${mib.toFixed(0)} MiB resident together.`,
      `Console:  ${site.url}   (a self-signed certificate: let the browser go on)`,
      `Log in:   ${s.admin.username} / ${s.admin.password}`,
      `The PPD's console cable is the serial port ${site.ppdPort} (Offline locks › the PPD).`,
      `Data:     ${dataDir}${temporary ? ' (temporary: removed when the demo stops)' : ''}; logs in ${path.join(dataDir, 'logs')}`,
      'Type help for what your hands can do, for example: card ada at entrance. Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  const hands = new Hands(site, say, () => void stop());
  stopFeed = () => hands.stopFeed();
  if (opts.feed) await hands.startFeed().catch(() => undefined);
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  rl.on('line', (line) => void hands.run(line));
  await stopped;
  rl.close();
  process.stdin.destroy();
}
