import { type Command, Option } from 'commander';
import { integerOption } from '../cli/integer-option.js';
import type { Log } from '../log.js';

/**
 * The declaration of `lintel sim rflock` (and `sim cu --rf-air`). The lock itself (rf-lock-cli.ts)
 * is imported by the action only when it runs, so other `lintel` processes never load it (issue 11).
 */

export interface SimRfLockOptions {
  state: string;
  air: string;
  eui?: string;
  join?: string;
  cards?: string;
  ble?: number;
  battery?: number;
}

/** The options of `lintel sim rflock`. */
export function simRfLockOptions(): Option[] {
  return [
    new Option(
      '--state <file>',
      'the lock’s memory (mode 0600; its radio state goes beside it in FILE.rf and FILE.counters)',
    ).makeOptionMandatory(),
    new Option('--air <host:port>', 'the simulated RF air (`lintel sim air`)').makeOptionMandatory(),
    new Option('--eui <hex16>', 'the lock’s EUI-64 (a new lock; default: random)'),
    new Option('--join <code>', 'the join code rf.locks.add showed (32 hex digits, dashes optional)'),
    new Option('--cards <dir>', 'folder of card files (DESFire snapshots, JSON) to present by name'),
    new Option(
      '--ble <port>',
      'listen for phones (mobile keys) on this UDP port (0: any free port, printed)',
    ).argParser(integerOption(0, 65_535, 'ble port')),
    new Option('--battery <n>', 'battery level, percent').argParser(integerOption(0, 100, 'battery')),
  ];
}

/**
 * Registers `lintel sim rflock` under `sim`, and gives `sim cu` (registered before) its `--rf-air`
 * option: the RF parts of the simulators in one place.
 */
export function registerRfDeviceCommands(sim: Command, log: () => Log): void {
  sim.commands
    .find((c) => c.name() === 'cu')
    ?.option(
      '--rf-air <host:port>',
      'host an RF node for the unit’s RF locks on this simulated air (`lintel sim air`)',
    );
  const cmd = sim
    .command('rflock')
    .description(
      'an RF battery lock on the simulated air: joins a control unit’s RF node with a join code, decides at the door from its memory, reports to the node',
    );
  for (const o of simRfLockOptions()) cmd.addOption(o);
  cmd.action(async (opts: SimRfLockOptions) =>
    (await import('./rf-lock-cli.js')).simRfLockCommand(opts, log()),
  );
}
