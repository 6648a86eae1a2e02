import path from 'node:path';
import type { RfLock } from '../contract/methods/rf.js';
import type { DemoContext } from './demo-context.js';
import type { Part } from './demo-parts.js';
import { until } from './until.js';

/**
 * The online side of the demo: a gateway; behind it the main building's control unit with two OSDP
 * readers on pty serial lines (the entrance, card only, and the lab, card and PIN), and the annex's
 * unit hosting the RF node on a simulated 802.15.4 air, where the store room's RF lock joins.
 */

/** Which door hangs on which reader address of the main unit. */
export const READERS = [
  { door: 'entrance', address: 0 },
  { door: 'lab', address: 1 },
] as const;

export interface OnlineParts {
  gateway: Part;
  cuMain: Part;
  cuAnnex: Part;
  air: Part;
  readers: Record<string, Part>;
  rflock: Part;
  blePort: number;
}

/** Pairing codes of a first start (devices.create gave them; they are good once). */
export type PairingCodes = Record<'gateway' | 'cuMain' | 'cuAnnex', string>;

export async function startOnline(c: DemoContext, codes: PairingCodes | undefined): Promise<OnlineParts> {
  const { rpc, parts, dataDir, state } = c;
  const service = `127.0.0.1:${state.ports.link}`;
  const enrol = (code: string | undefined) => (code ? ['--enrol', code, '--service', service] : []);

  c.say('Starting the gateway, the control units and their readers…');
  const gateway = parts.start('gateway', [
    'gateway',
    '--data-dir',
    path.join(dataDir, 'gateway'),
    '--listen',
    `127.0.0.1:${state.ports.gateway}`,
    ...enrol(codes?.gateway),
  ]);
  await gateway.waitFor(/^gateway \d+ ready: listening on /m, 0, 60_000);
  if (codes)
    // A unit behind the gateway enrols only once the Service has pinned the gateway's key.
    await until(
      async () =>
        (await rpc.call<{ devices: { id: number; paired: boolean }[] }>('devices.list')).devices.find(
          (d) => d.id === state.devices.gateway,
        )?.paired,
      'the gateway to pair',
      60_000,
    );

  const readers: Record<string, Part> = {};
  const readerArgs: string[] = [];
  for (const r of READERS) {
    const cable = await parts.cable();
    readers[r.door] = parts.start(`reader-${r.door}`, [
      'sim',
      'reader',
      '--port',
      cable.paths[1],
      '--address',
      String(r.address),
      '--baud',
      '115200',
      // A reader that holds its key (the state file) uses it; a new one waits for the unit's KEYSET.
      '--install-mode',
      '--state',
      path.join(dataDir, `reader-${r.door}.json`),
      '--cards',
      c.cards,
    ]);
    readerArgs.push('--reader', `${cable.paths[0]}@${r.address}`);
  }
  for (const r of Object.values(readers)) await r.waitFor(/^OSDP reader simulator at address \d+ on /m);
  const cuMain = parts.start('cu-main', [
    'sim',
    'cu',
    '--data-dir',
    path.join(dataDir, 'cu-main'),
    ...readerArgs,
    '--baud',
    '115200',
    '--bind',
    '127.0.0.1',
    ...(codes ? ['--install-mode'] : []),
    ...enrol(codes?.cuMain),
  ]);

  const air = parts.start('air', ['sim', 'air', '--port', '0']);
  const airPort = Number((await air.waitFor(/^air listening on 127\.0\.0\.1:(\d+)/m))[1]);
  const cuAnnex = parts.start('cu-annex', [
    'sim',
    'cu',
    '--data-dir',
    path.join(dataDir, 'cu-annex'),
    '--rf-air',
    `127.0.0.1:${airPort}`,
    '--bind',
    '127.0.0.1',
    ...enrol(codes?.cuAnnex),
  ]);
  let joinCode: string | undefined;
  if (codes)
    joinCode = (
      await rpc.call<{ joinCode: string }>('rf.locks.add', {
        doorId: state.doors.store,
        unitId: state.devices.cuAnnex,
        eui64: state.rfLockEui,
      })
    ).joinCode;
  const rflock = parts.start('rflock', [
    'sim',
    'rflock',
    '--state',
    path.join(dataDir, 'rflock.json'),
    '--air',
    `127.0.0.1:${airPort}`,
    '--eui',
    state.rfLockEui,
    '--cards',
    c.cards,
    '--ble',
    '0',
    ...(joinCode ? ['--join', joinCode] : []),
  ]);
  const blePort = Number((await rflock.waitFor(/phones on UDP (\d+)/m, 0, 30_000))[1]);

  await cuMain.waitFor(/^control unit \d+ ready: 2 readers, revision \d+$/m, 0, 90_000);
  for (const r of Object.values(readers)) await r.waitFor(/^secure channel up$/m, 0, 60_000);
  await cuAnnex.waitFor(/^control unit \d+ ready: 0 readers, revision \d+$/m, 0, 90_000);
  await until(
    async () => {
      const { locks } = await rpc.call<{ locks: RfLock[] }>('rf.locks.list');
      const l = locks.find((x) => x.doorId === state.doors.store);
      return l?.state === 'joined' && l.online && l.upToDate;
    },
    'the RF lock to join and take its configuration',
    90_000,
  );
  return { gateway, cuMain, cuAnnex, air, readers, rflock, blePort };
}
