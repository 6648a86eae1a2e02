import fs from 'node:fs';
import path from 'node:path';
import { ask, type DemoContext } from './demo-context.js';
import type { Part } from './demo-parts.js';
import type { DemoLock } from './demo-site.js';

/**
 * The offline side of the demo: two battery locks (Room 101 and 102) and the technician's PPD, each
 * on its own pty serial line — the PPD's console cable to the Service, and the PPD's cable to each
 * lock, which the hands "carry" it along. At the first start a round initialises both locks, so the
 * site starts working; the console's Offline locks screen loads the next rounds.
 */

export const OFFLINE_LOCKS = ['room101', 'room102'] as const;

export interface OfflineParts {
  ppd: Part;
  ppdPort: string;
  locks: Record<string, DemoLock>;
}

/** `dev`: a folder for stable names of the serial ends (undefined: the pty paths as they come). */
export async function startOffline(c: DemoContext, dev: string | undefined): Promise<OfflineParts> {
  const { rpc, parts, dataDir, state } = c;
  const names = (a: string, b: string): [string, string] | [] => {
    if (!dev) return [];
    // A link left by a demo that was killed would stop socat making it again.
    for (const n of [a, b]) fs.rmSync(path.join(dev, n), { force: true });
    return [path.join(dev, a), path.join(dev, b)];
  };
  const ppdCable = await parts.cable(names('ppd', 'ppd-device'));
  const ppdPort = dev ? path.join(dev, 'ppd') : ppdCable.paths[0];
  const ppd = parts.start('ppd', [
    'sim',
    'ppd',
    '--port',
    dev ? path.join(dev, 'ppd-device') : ppdCable.paths[1],
    '--state',
    path.join(dataDir, 'ppd.json'),
    '--baud',
    '115200',
  ]);
  const locks: Record<string, DemoLock> = {};
  for (const key of OFFLINE_LOCKS) {
    const cable = await parts.cable(names(key, `${key}-lock`));
    const part = parts.start(`lock-${key}`, [
      'sim',
      'lock',
      '--state',
      path.join(dataDir, `lock-${key}.json`),
      '--port',
      dev ? path.join(dev, `${key}-lock`) : cable.paths[1],
      '--cards',
      c.cards,
      '--baud',
      '115200',
    ]);
    locks[key] = { part, port: dev ? path.join(dev, key) : cable.paths[0] };
  }
  await ppd.waitFor(/Type help for commands/m);
  for (const l of Object.values(locks)) await l.part.waitFor(/Type help for commands/m);

  if (c.first) {
    c.say('The technician’s first round: pairing the PPD and initialising the offline locks…');
    await rpc.call('ppd.pair', { path: ppdPort });
    await rpc.call('ppd.loadRound', { path: ppdPort, doorIds: OFFLINE_LOCKS.map((k) => state.doors[k]!) });
    for (const key of OFFLINE_LOCKS) {
      const doorId = state.doors[key]!;
      const m = await ask(
        ppd,
        `visit ${locks[key]!.port} ${doorId}`,
        new RegExp(`^door ${doorId}: (.*)$`, 'm'),
        120_000,
      );
      if (!/^updated/.test(m[1]!)) throw new Error(`the PPD could not initialise ${key}: ${m[1]}`);
    }
    await rpc.call('ppd.sync', { path: ppdPort });
  }
  return { ppd, ppdPort, locks };
}
