import path from 'node:path';
import { DesfireClient } from '../desfire/index.js';
import { describeLock } from '../lock/cli.js';
import { LockMemory } from '../lock/lock-memory.js';
import { describePresentation } from '../lock/offline-lock.js';
import type { Log } from '../log.js';
import { describeMobileOutcome } from '../mobile/opening.js';
import { serveMobileOpenings, type MobileOpenings } from '../mobile/mobile-openings.js';
import { CardShelf } from '../ncoder/card-shelf.js';
import { parseAirAddress, RadioPort } from './air.js';
import { parseEui64 } from './eui64.js';
import { CounterFile } from './frame-counters.js';
import { RfLock } from './rf-lock.js';
import { RfLockState } from './rf-lock-state.js';
import { parseJoinCode } from './rf-messages.js';
import { runSimConsole } from '../cli/sim-console.js';
import type { SimRfLockOptions } from './rf-lock-options.js';

export { registerRfDeviceCommands, simRfLockOptions, type SimRfLockOptions } from './rf-lock-options.js';

/**
 * `lintel sim rflock`: an RF lock as a process. Its memory is in --state (a factory-new lock is made
 * there on the first start), its radio state beside it in `STATE.rf` (EUI-64, what the join gave it)
 * and its frame counters in `STATE.counters`, all mode 0600. It attaches to the simulated air
 * (`lintel sim air`) at --air; with --join CODE (the code rf.locks.add showed) it joins the node that
 * takes that code. Cards are presented from stdin by name, from the --cards folder; phones open it
 * over --ble.
 */

export const RFLOCK_HELP = [
  'Commands:',
  '  present CARDNAME   present a card from the cards folder: granted or denied (sent to the node)',
  '  status             the lock (door, revision, blacklist, clock, battery) and its radio (joined, node)',
  '  battery N          set the battery level (percent)',
  '  help               this text',
  'Ctrl-C (or the end of stdin) stops the lock.',
].join('\n');

function describeRadio(rf: RfLockState): string {
  const s = rf.state;
  const n = s.network;
  return n
    ? `radio ${s.eui64}: joined node ${n.nodeEui} (PAN ${n.panId}, key version ${n.keyVersion}) for door ${n.doorId}; records acknowledged to ${s.eventsAcked}${s.joinKey ? '; rejoining with a new code' : ''}`
    : `radio ${s.eui64}: ${s.joinKey ? 'waiting for a node that takes the join code' : 'not joined (start with --join CODE)'}`;
}

/** Runs the RF lock until SIGINT/SIGTERM or the end of stdin. */
export async function simRfLockCommand(
  opts: SimRfLockOptions,
  log: Log,
  io: { input: NodeJS.ReadableStream; out: NodeJS.WritableStream } = {
    input: process.stdin,
    out: process.stdout,
  },
): Promise<void> {
  const file = path.resolve(opts.state);
  const joinKey = opts.join === undefined ? undefined : parseJoinCode(opts.join);
  const air = parseAirAddress(opts.air);
  const memory = LockMemory.open(file, Date.now, {
    ...(opts.battery !== undefined && { battery: opts.battery }),
  });
  if (opts.battery !== undefined && memory.state.battery !== opts.battery) memory.setBattery(opts.battery);
  const rf = RfLockState.open(`${file}.rf`, opts.eui === undefined ? undefined : parseEui64(opts.eui));
  if (joinKey) rf.setJoinKey(joinKey);
  joinKey?.fill(0);
  const say = (line: string) => io.out.write(`${line}\n`);
  const radio = await RadioPort.connect({ air, ext: rf.eui64, log });
  const lock = new RfLock({
    memory,
    rf,
    radio,
    counters: CounterFile.open(`${file}.counters`),
    log,
    onNote: say,
  });
  const shelf = new CardShelf(opts.cards && path.resolve(opts.cards));
  let phones: MobileOpenings | undefined;
  try {
    lock.start();
    if (opts.ble !== undefined)
      phones = await serveMobileOpenings({
        port: opts.ble,
        lock: lock.lock,
        log,
        onOutcome: (o) => {
          say(describeMobileOutcome(o));
          void lock.pushEvents();
        },
      });
    say(
      `${describeLock(memory)}\n${describeRadio(rf)}\non the air at ${air.host}:${air.port}${phones ? `; phones on UDP ${phones.port}` : ''}; cards ${shelf.dir ? `in ${shelf.dir}` : 'kept in memory (no --cards)'}. Type help for commands, Ctrl-C to stop.`,
    );
    await runSimConsole({ ...io, run: (line) => runRfLockLine(lock, rf, shelf, line) });
  } finally {
    await phones?.close();
    await lock.stop();
    radio.close();
  }
}

/** One console command; answers what to print. */
export async function runRfLockLine(
  lock: RfLock,
  rf: RfLockState,
  shelf: CardShelf,
  line: string,
): Promise<string | undefined> {
  const [cmd, ...args] = line.trim().split(/\s+/);
  switch (cmd) {
    case undefined:
    case '':
      return undefined;
    case 'present': {
      if (!args[0]) throw new Error('present CARDNAME (a card file in the cards folder)');
      const shelved = shelf.load(args[0]);
      const card = shelved.card;
      try {
        const outcome = await lock.present(
          new DesfireClient(async (apdu) => card.transceive(apdu)),
          card.activation.uid,
        );
        return `${shelved.name}: ${describePresentation(outcome)}`;
      } finally {
        card.powerOff();
        shelf.save(shelved);
      }
    }
    case 'status':
      return `${describeLock(lock.memory)}\n${describeRadio(rf)}`;
    case 'battery': {
      if (!args[0] || !/^\d+$/.test(args[0])) throw new Error('battery N (percent, 0 to 100)');
      lock.memory.setBattery(Number(args[0]));
      lock.changed();
      return `battery ${args[0]}%`;
    }
    case 'help':
      return RFLOCK_HELP;
    default:
      throw new Error(`unknown command "${cmd}": type help`);
  }
}
