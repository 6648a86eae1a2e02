import { randomBytes } from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import { type Command, Option } from 'commander';
import type { Log } from '../log.js';
import { CardInHand, CardShelf } from '../ncoder/card-shelf.js';
import { serveHidSocket } from '../ncoder/hid-socket.js';
import { NcoderSimulator } from '../ncoder/ncoder-simulator.js';
import {
  newReaderState,
  ReaderConsole,
  readReaderState,
  type ReaderState,
  writeReaderState,
} from '../osdp/reader-console.js';
import { ReaderSimulator } from '../osdp/reader-simulator.js';
import { SerialPd } from '../osdp/serial-pd.js';
import { packageVersion } from '../package-info.js';
import { simControlUnitCommand, type SimCuOptions } from '../control-unit/cli.js';
import { simLockCommand, simLockOptions, type SimLockOptions } from '../lock/cli.js';
import { simPpdCommand, simPpdOptions, type SimPpdOptions } from '../ppd/cli.js';
import { registerSimAirCommand } from '../rf/air-cli.js';
import { registerRfDeviceCommands } from '../rf/rf-lock-cli.js';
import { openSerial, OsdpToolError, parseAddress, parseBaud, parseKey } from './osdp-commands.js';

/**
 * `lintel sim …`: device simulators that stand in for hardware nobody has here, speaking the same
 * wire protocols. `sim ncoder` runs the NCoder desktop encoder on a local socket (socketHidDevices
 * reaches it), with a line-based control on stdin for the cards in its field. `sim reader` runs an
 * OSDP wall reader on a serial path (a pty in tests), with a card field, keypad and fingerprint
 * sensor controlled the same way. `sim cu` runs a door control unit (app/control-unit) that drives
 * such readers.
 */

/** Options of `lintel sim ncoder`. */
export interface SimNcoderOptions {
  socket: string;
  state?: string;
  cards?: string;
  serial?: string;
}

type Out = NodeJS.WritableStream;

const HELP = [
  'Commands:',
  '  new [2k|4k|8k] [random-id]  place a fresh blank DESFire EV2 card (4k by default)',
  '  place NAME                  place a card from the cards folder',
  '  remove                      take the card away (also mid-operation)',
  '  list                        the cards in the folder (* = on the encoder)',
  '  status                      serial, pairing, host link, card',
  '  reset                       factory reset: forget the pairing and restart',
  '  help                        this text',
  'Ctrl-C stops the simulator.',
].join('\n');

/** The control console: one command line in, one or more lines out. */
class NcoderConsole {
  private readonly hand: CardInHand;

  constructor(
    private readonly sim: NcoderSimulator,
    shelf: CardShelf,
    private readonly out: Out,
  ) {
    this.hand = new CardInHand(shelf, { put: (card) => sim.place(card), take: () => sim.remove() });
    sim.field.onTransceive = (card) => this.hand.used(card);
  }

  /** Saves the card in the field (before exit). */
  flush(): void {
    this.hand.flush();
  }

  run(line: string): void {
    const [cmd, ...args] = line.trim().split(/\s+/);
    try {
      switch (cmd) {
        case undefined:
        case '':
          return;
        case 'new':
          return this.create(args);
        case 'place':
          if (!args[0]) throw new Error('place NAME: which card?');
          return this.say(this.hand.place(this.hand.shelf.load(args[0])));
        case 'remove':
          return this.say(this.hand.remove());
        case 'list':
          return this.say(this.hand.list('new'));
        case 'status':
          return this.status();
        case 'reset':
          // A real encoder reboots after a factory reset: hosts see it leave and come back unpaired.
          this.sim.factoryReset();
          this.sim.restart();
          return this.say('factory reset: the encoder restarted unpaired');
        case 'help':
          return this.say(HELP);
        default:
          throw new Error(`unknown command "${cmd}": type help`);
      }
    } catch (err) {
      this.say(`error: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private create(args: string[]): void {
    let size: '2k' | '4k' | '8k' = '4k';
    let randomId = false;
    for (const a of args) {
      if (a === '2k' || a === '4k' || a === '8k') size = a;
      else if (a === 'random-id') randomId = true;
      else throw new Error(`new: unknown option "${a}" (2k, 4k, 8k, random-id)`);
    }
    this.say(this.hand.place(this.hand.shelf.create(size, randomId)));
  }

  private status(): void {
    this.say(
      [
        `serial: ${this.sim.serial}`,
        `paired: ${this.sim.paired ? 'yes' : 'no'}`,
        `host links: ${this.sim.hostCount}${this.sim.inSession ? ' (session open)' : ''}`,
        `card: ${this.hand.describe()}`,
      ].join('\n'),
    );
  }

  private say(text: string): void {
    this.out.write(`${text}\n`);
  }
}

/** `lintel sim ncoder`: runs the simulator until SIGINT/SIGTERM, then removes its socket. */
export async function simNcoderCommand(
  opts: SimNcoderOptions,
  log: Log,
  io: { input: NodeJS.ReadableStream; out: Out } = { input: process.stdin, out: process.stdout },
): Promise<void> {
  const sim = new NcoderSimulator({
    ...(opts.state ? { stateFile: path.resolve(opts.state) } : {}),
    ...(opts.serial ? { serial: opts.serial } : {}),
    log,
  });
  const shelf = new CardShelf(opts.cards && path.resolve(opts.cards));
  const socket = /^\\\\[.?]\\pipe\\/i.test(opts.socket) ? opts.socket : path.resolve(opts.socket);
  const server = await serveHidSocket(socket, sim.descriptor, (end) => sim.connect(end));
  const control = new NcoderConsole(sim, shelf, io.out);
  io.out.write(
    `NCoder simulator ${sim.serial} listening on ${socket}\n` +
      `${sim.paired ? 'Paired' : 'Not paired'}; cards ${shelf.dir ? `in ${shelf.dir}` : 'kept in memory (no --cards)'}. Type help for commands, Ctrl-C to stop.\n`,
  );
  log.info({ serial: sim.serial, socket }, 'sim ncoder: listening');
  const rl = readline.createInterface({ input: io.input, terminal: false });
  rl.on('line', (line) => control.run(line));

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'sim ncoder: stopping');
      rl.close();
      control.flush();
      void server.close().finally(() => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      });
    };
    // `on`, not `once`: a second Ctrl-C must not kill the process before the socket is removed.
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  // stdin may still hold the event loop open (it is not unref-able everywhere): leave deliberately.
  io.input.pause?.();
}

/** Options of `lintel sim reader`. */
export interface SimReaderOptions {
  port: string;
  address: number;
  baud: number;
  scbk?: Buffer;
  installMode?: boolean;
  cards?: string;
  state?: string;
}

/** The SCBK the reader starts with: the one a CP provisioned (state file) wins over the options. */
function readerKey(
  opts: SimReaderOptions,
  state: ReaderState | undefined,
): { scbk?: Buffer; installMode: boolean; from: string } {
  if (opts.scbk && opts.installMode) throw new Error('give either --scbk or --install-mode, not both');
  if (state?.scbk)
    return {
      scbk: Buffer.from(state.scbk, 'hex'),
      installMode: false,
      from: 'provisioned earlier (state file)',
    };
  if (opts.scbk) return { scbk: opts.scbk, installMode: false, from: 'given with --scbk' };
  if (opts.installMode)
    return {
      installMode: true,
      from: 'install mode: accepts the default key SCBK-D until a CP provisions one',
    };
  throw new Error('give the reader a key with --scbk HEX, or start it in --install-mode');
}

/** `lintel sim reader`: an OSDP PD on a serial path until SIGINT/SIGTERM or the line goes away. */
export async function simReaderCommand(
  opts: SimReaderOptions,
  log: Log,
  io: { input: NodeJS.ReadableStream; out: Out } = { input: process.stdin, out: process.stdout },
): Promise<void> {
  const stateFile = opts.state && path.resolve(opts.state);
  let state = stateFile ? readReaderState(stateFile) : undefined;
  const key = readerKey(opts, state);
  if (stateFile && !state) {
    state = newReaderState(randomBytes(4).readUInt32LE(0));
    writeReaderState(stateFile, state);
  }
  const [major = 0, minor = 0, build = 0] = packageVersion()
    .split(/[.+-]/)
    .map((n) => Number(n) & 0xff);
  const shelf = new CardShelf(opts.cards && path.resolve(opts.cards));
  const sim = new ReaderSimulator({
    address: opts.address,
    ...(key.scbk && { scbk: key.scbk }),
    installMode: key.installMode,
    ...(state && { serial: state.serial }),
    firmware: { major, minor, build },
    onKeyset: (scbk) => {
      // Stored before the ACK leaves: a reader that acknowledged a key and forgot it would be lost.
      if (stateFile && state) {
        state = { ...state, scbk: scbk.toString('hex') };
        writeReaderState(stateFile, state);
      }
      control.say(
        `provisioned a new SCBK (KEYSET)${stateFile ? `, saved in ${stateFile}` : ': not saved (no --state)'}`,
      );
      log.info({ address: opts.address }, 'sim reader: SCBK provisioned');
    },
  });
  for (const name of state?.fingers ?? []) sim.enrolFinger(name);
  const control = new ReaderConsole(sim, shelf, io.out, {
    address: opts.address,
    port: opts.port,
    saveFingers: (fingers) => {
      if (stateFile && state) {
        state = { ...state, fingers };
        writeReaderState(stateFile, state);
      }
    },
  });

  const transport = await openSerial(opts.port, opts.baud);
  let wasSecure = false;
  const pd = new SerialPd(transport, sim.session, {
    afterReceive: () => {
      if (sim.session.secure === wasSecure) return;
      wasSecure = sim.session.secure;
      control.say(wasSecure ? 'secure channel up' : 'secure channel down');
    },
  });
  io.out.write(
    `OSDP reader simulator at address ${opts.address} on ${opts.port}\n` +
      `Key: ${key.from}; cards ${shelf.dir ? `in ${shelf.dir}` : 'kept in memory (no --cards)'}. Type help for commands, Ctrl-C to stop.\n`,
  );
  log.info({ address: opts.address, port: opts.port }, 'sim reader: listening');
  const rl = readline.createInterface({ input: io.input, terminal: false });
  rl.on('line', (line) => control.run(line));

  const lost = await new Promise<Error | undefined>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals | Error | undefined) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal: signal instanceof Error ? signal.message : signal }, 'sim reader: stopping');
      rl.close();
      control.flush();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void pd.close().finally(() => resolve(signal instanceof Error ? signal : undefined));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    pd.onClose((error) => stop(error ?? new Error('closed')));
  });
  io.input.pause?.();
  if (lost) throw new OsdpToolError(`${opts.port} went away: ${lost.message}`, 1);
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Registers `lintel sim` and its simulators on the program. */
export function registerSimCommands(program: Command, log: () => Log): void {
  const sim = program
    .command('sim')
    .description('device simulators: stand-ins for hardware, speaking the same wire protocols');
  sim
    .command('ncoder')
    .description('simulate an NCoder desktop encoder on a local socket, cards controlled from stdin')
    .requiredOption(
      '--socket <path>',
      'Unix socket path (a \\\\.\\pipe\\name on Windows) the Service connects to',
    )
    .option('--state <file>', 'keep the serial number and the pairing in this file (mode 0600)')
    .option('--cards <dir>', 'folder of card files (DESFire snapshots, JSON); in memory without it')
    .option('--serial <serial>', 'serial number of a new simulator (default: random)')
    .action((opts: SimNcoderOptions) => simNcoderCommand(opts, log()));
  sim
    .command('reader')
    .description(
      'simulate an OSDP wall reader (card field, keypad, fingerprint sensor) on a serial path, controlled from stdin',
    )
    .requiredOption(
      '--port <path>',
      'serial path the reader answers on (one end of a pty pair, or an RS485 adapter)',
    )
    .addOption(new Option('--address <n>', 'OSDP address (0-126)').argParser(parseAddress).default(0))
    .addOption(new Option('--baud <n>', 'line speed').argParser(parseBaud).default(9600))
    .option('--scbk <hex>', 'the reader’s Secure Channel Base Key (32 hex digits)')
    .option('--install-mode', 'start unprovisioned: accept the default key SCBK-D until KEYSET gives a key')
    .option('--cards <dir>', 'folder of card files (DESFire snapshots, JSON); in memory without it')
    .option(
      '--state <file>',
      'keep the serial number, the provisioned SCBK and the fingers in this file (mode 0600)',
    )
    .action(async (opts: Omit<SimReaderOptions, 'scbk'> & { scbk?: string }) => {
      try {
        const { scbk: scbkHex, ...rest } = opts;
        const scbk = parseKey('--scbk', scbkHex);
        await simReaderCommand({ ...rest, ...(scbk && { scbk }) }, log());
      } catch (err) {
        if (!(err instanceof OsdpToolError)) throw err;
        process.stderr.write(`lintel: ${err.message}\n`);
        process.exitCode = err.exitCode;
      }
    });
  sim
    .command('cu')
    .description(
      'simulate a door control unit: enrols, syncs its replica, drives OSDP readers (one per serial path) and decides at the door; door inputs from stdin',
    )
    .requiredOption(
      '--data-dir <dir>',
      'the unit’s folder: identity (mode 0600), encrypted replica and outbox',
    )
    .option(
      '--reader <path[@address]>',
      'a reader’s serial path and OSDP address (default 0); repeat for more readers, one per line',
      collect,
      [],
    )
    .addOption(new Option('--baud <n>', 'line speed of the readers').argParser(parseBaud).default(9600))
    .option('--enrol <code>', 'first start: the pairing code the console gave for this unit')
    .option('--service <host:port>', 'with --enrol: where the Service listens for devices')
    .option(
      '--install-mode',
      'a reader that refuses its SCBK is opened with the default key SCBK-D and given its SCBK (KEYSET)',
    )
    .option('--bind <host[:port]>', 'local address of the unit’s UDP socket (default 0.0.0.0, any port)')
    .action(async (opts: SimCuOptions) => {
      try {
        await simControlUnitCommand(opts, log(), openSerial);
      } catch (err) {
        if (!(err instanceof OsdpToolError)) throw err;
        process.stderr.write(`lintel: ${err.message}\n`);
        process.exitCode = err.exitCode;
      }
    });
  const lock = sim
    .command('lock')
    .description(
      'an offline battery lock: decides from the cards presented (by name, on stdin) and its memory; a PPD programs it on --port',
    );
  for (const o of simLockOptions()) lock.addOption(o);
  lock.action((opts: SimLockOptions) => simLockCommand(opts, openSerial));
  const ppd = sim
    .command('ppd')
    .description(
      'the Portable Programming Device: the Service loads rounds into it on --port; `visit LOCKPORT` on stdin carries them to a lock',
    );
  for (const o of simPpdOptions()) ppd.addOption(o);
  ppd.action((opts: SimPpdOptions) => simPpdCommand(opts, undefined, { log: log() }));
  sim
    .command('phone')
    .description(
      'the phone app: enrols with the relay, fetches mobile keys, opens locks over their --ble port; commands on stdin',
    )
    .requiredOption(
      '--state <file>',
      'the phone’s device key, enrolment and keys (mode 0600); made if missing',
    )
    .option('--label <name>', 'the name the operator sees for this phone (a new phone only)')
    .action(async (opts: { state: string; label?: string }) =>
      (await import('../mobile/phone-cli.js')).simPhoneCommand(opts),
    );
  registerSimAirCommand(sim, log);
  registerRfDeviceCommands(sim, log);
}
