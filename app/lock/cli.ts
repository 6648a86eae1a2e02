import path from 'node:path';
import { DesfireClient } from '../desfire/index.js';
import { CardShelf } from '../ncoder/card-shelf.js';
import type { SerialTransport } from '../ports/serial.js';
import { pacedTransport } from '../serial-link/paced.js';
import { serveMobileOpenings } from '../mobile/mobile-openings.js';
import { describeMobileOutcome } from '../mobile/opening.js';
import { LockMemory } from './lock-memory.js';
import type { LockResponse } from './lock-messages.js';
import { LockPpdEnd } from './lock-ppd-end.js';
import { describePresentation, OfflineLock } from './offline-lock.js';
import { runSimConsole } from '../cli/sim-console.js';
import type { SimLockOptions } from './cli-options.js';

export { simLockOptions, type SimLockOptions } from './cli-options.js';

/**
 * `lintel sim lock`: an offline battery lock as a process. Its memory lives in --state (made
 * factory-new on the first start); the PPD reaches it on the serial path --port (one end of a pty pair
 * in tests); cards are presented from stdin by name, from the --cards folder the NCoder simulator
 * writes (app/ncoder/card-shelf.ts).
 */

export const LOCK_HELP = [
  'Commands:',
  '  present CARDNAME   present a card from the cards folder: granted or denied, entries merged',
  '  status             serial, door, key version, revision, blacklist, clock, battery, audit',
  '  battery N          set the battery level (percent)',
  '  clock +S|-S        move the lock clock by S seconds (as drift would)',
  '  help               this text',
  'Ctrl-C (or the end of stdin) stops the lock.',
].join('\n');

/** One line about the lock. */
export function describeLock(memory: LockMemory, out: { lockedOut?: boolean } = {}): string {
  const r = memory.report();
  const s = memory.state;
  return [
    `lock ${r.serial} (${r.firmware}): ${r.doorId === null ? 'not initialised' : `door ${r.doorId}`}, key version ${r.keyVersion}, revision ${r.revision}`,
    `blacklist ${r.blacklistSize}/${r.blacklistCapacity} to seq ${r.blacklistSeq}, clock ${new Date(r.clock * 1000).toISOString()} (drift ${s.clock.driftPpm} ppm), battery ${r.battery}%`,
    `audit to seq ${r.auditSeq} (${s.audit.records.length} kept)${s.mobile ? `, mobile group key ${s.mobile.groupKeyId}` : ''}${s.office ? ', office mode on' : ''}${s.staged ? `, update staged ${s.staged.received}/${s.staged.totalBytes} bytes` : ''}${out.lockedOut ? ', refusing the PPD (too many failed authentications)' : ''}`,
  ].join('\n');
}

/** One line about what the PPD did. */
function describeServed(r: LockResponse): string | undefined {
  switch (r.type) {
    case 'commit':
      return `updated by the PPD: door ${r.report.doorId}, revision ${r.report.revision}, blacklist ${r.report.blacklistSize} entries`;
    case 'set-time':
      return `clock set by the PPD (it was ${r.driftSeconds >= 0 ? '+' : ''}${r.driftSeconds} s off)`;
    case 'emergency-open':
      return 'EMERGENCY OPENING by the PPD';
    case 'error':
      return `refused the PPD: ${r.code}: ${r.message}`;
    default:
      return undefined;
  }
}

/** Runs the lock until SIGINT/SIGTERM, the end of stdin, or its serial line going away. */
export async function simLockCommand(
  opts: SimLockOptions,
  openPort: (path: string, baud: number) => Promise<SerialTransport>,
  io: { input: NodeJS.ReadableStream; out: NodeJS.WritableStream } = {
    input: process.stdin,
    out: process.stdout,
  },
  hostNow: () => number = Date.now,
): Promise<void> {
  const file = path.resolve(opts.state);
  const memory = LockMemory.open(file, hostNow, {
    ...(opts.capacity !== undefined && { blacklistCapacity: opts.capacity }),
    ...(opts.driftPpm !== undefined && { driftPpm: opts.driftPpm }),
    ...(opts.battery !== undefined && { battery: opts.battery }),
  });
  if (opts.battery !== undefined && memory.state.battery !== opts.battery) memory.setBattery(opts.battery);
  const say = (line: string) => io.out.write(`${line}\n`);
  const shelf = new CardShelf(opts.cards && path.resolve(opts.cards));
  const lock = new OfflineLock(memory);
  const mobile =
    opts.ble === undefined
      ? undefined
      : await serveMobileOpenings({
          port: opts.ble,
          lock,
          onOutcome: (o) => say(describeMobileOutcome(o)),
        });
  const raw = await openPort(opts.port, opts.baud || 115_200);
  const transport = opts.baud > 0 ? pacedTransport(raw, opts.baud) : raw;
  const end = new LockPpdEnd(memory, transport, (r) => {
    const line = describeServed(r);
    if (line) say(line);
  });
  say(
    `${describeLock(memory)}\non ${opts.port}${mobile ? `, phones on udp 127.0.0.1:${mobile.port}` : ''}; cards ${shelf.dir ? `in ${shelf.dir}` : 'kept in memory (no --cards)'}. Type help for commands, Ctrl-C to stop.`,
  );

  const lost = await runSimConsole({
    ...io,
    run: (line) => runLockLine(lock, shelf, end, line),
    alsoStopOn: (stop) => raw.onClose((err) => stop(err ?? new Error('closed'))),
  });
  end.close();
  await mobile?.close();
  await raw.close();
  if (lost) throw new Error(`${opts.port} went away: ${lost.message}`);
}

/** One console command; answers what to print. */
export async function runLockLine(
  lock: OfflineLock,
  shelf: CardShelf,
  end: LockPpdEnd,
  line: string,
): Promise<string | undefined> {
  const [cmd, ...args] = line.trim().split(/\s+/);
  const memory = lock.memory;
  switch (cmd) {
    case undefined:
    case '':
      return undefined;
    case 'present': {
      if (!args[0]) throw new Error('present CARDNAME (a card file in the cards folder)');
      const shelved = shelf.load(args[0]);
      const card = shelved.card;
      const shown = card.activation.uid;
      try {
        const outcome = await lock.present(new DesfireClient(async (apdu) => card.transceive(apdu)), shown);
        return `${shelved.name}: ${describePresentation(outcome)}`;
      } finally {
        card.powerOff();
        shelf.save(shelved);
      }
    }
    case 'status':
      return describeLock(memory, { lockedOut: end.lockedOut });
    case 'battery': {
      const n = Number(args[0]);
      if (!args[0] || !/^\d+$/.test(args[0])) throw new Error('battery N (percent, 0 to 100)');
      memory.setBattery(n);
      return `battery ${n}%`;
    }
    case 'clock': {
      const m = /^([+-])(\d+)$/.exec(args[0] ?? '');
      if (!m) throw new Error('clock +S|-S (seconds)');
      const seconds = Number(m[2]) * (m[1] === '-' ? -1 : 1);
      memory.setClock(memory.nowMs() + seconds * 1000);
      return `clock now ${new Date(memory.nowSeconds() * 1000).toISOString()}`;
    }
    case 'help':
      return LOCK_HELP;
    default:
      throw new Error(`unknown command "${cmd}": type help`);
  }
}
