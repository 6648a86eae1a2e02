import { type Command, Option } from 'commander';
import type { Log } from '../log.js';
import type { SimCuOptions } from '../control-unit/cli.js';
import { simLockOptions, type SimLockOptions } from '../lock/cli-options.js';
import { simPpdOptions, type SimPpdOptions } from '../ppd/cli-options.js';
import { registerSimAirCommand } from '../rf/air-options.js';
import { registerRfDeviceCommands } from '../rf/rf-lock-options.js';
import { OsdpToolError, openSerial, parseAddress, parseBaud, parseKey } from './osdp-options.js';
import type { SimNcoderOptions } from './sim-ncoder.js';
import type { SimReaderOptions } from './sim-reader.js';

/**
 * `lintel sim …`: device simulators that stand in for hardware nobody has here, speaking the same
 * wire protocols. `sim ncoder` runs the NCoder desktop encoder on a local socket (socketHidDevices
 * reaches it), with a line-based control on stdin for the cards in its field. `sim reader` runs an
 * OSDP wall reader on a serial path (a pty in tests), with a card field, keypad and fingerprint
 * sensor controlled the same way. `sim cu` runs a door control unit (app/control-unit) that drives
 * such readers.
 */

/*
 * Only the declarations live here: every action imports the simulator it runs when it runs, so a
 * `lintel sim air` process does not carry the OSDP stack, the control unit or the lock (issue 11).
 * app/cli/cli-lazy.test.ts fails if a static import brings them back.
 */

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
    .action(async (opts: SimNcoderOptions) =>
      (await import('./sim-ncoder.js')).simNcoderCommand(opts, log()),
    );
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
        const { simReaderCommand } = await import('./sim-reader.js');
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
        const { simControlUnitCommand } = await import('../control-unit/cli.js');
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
  lock.action(async (opts: SimLockOptions) =>
    (await import('../lock/cli.js')).simLockCommand(opts, openSerial),
  );
  const ppd = sim
    .command('ppd')
    .description(
      'the Portable Programming Device: the Service loads rounds into it on --port; `visit LOCKPORT` on stdin carries them to a lock',
    );
  for (const o of simPpdOptions()) ppd.addOption(o);
  ppd.action(async (opts: SimPpdOptions) =>
    (await import('../ppd/cli.js')).simPpdCommand(opts, undefined, { log: log() }),
  );
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
