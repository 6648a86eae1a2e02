import { randomBytes } from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import type { Log } from '../log.js';
import { CardShelf } from '../ncoder/card-shelf.js';
import {
  describeLeds,
  newReaderState,
  ReaderConsole,
  readReaderState,
  type ReaderState,
  writeReaderState,
} from '../osdp/reader-console.js';
import { ReaderSimulator } from '../osdp/reader-simulator.js';
import { SerialPd } from '../osdp/serial-pd.js';
import { packageVersion } from '../package-info.js';
import { openSerial, OsdpToolError } from './osdp-options.js';

/**
 * `lintel sim reader`: an OSDP wall reader on a serial path (a pty in tests), with a card field,
 * keypad and fingerprint sensor controlled from stdin. Loaded only when that command runs.
 */

type Out = NodeJS.WritableStream;

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
    onLed: (leds) => {
      for (const line of describeLeds(leds)) control.say(line);
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
