import { Option } from 'commander';
import { integerOption } from '../cli/integer-option.js';

/**
 * The options of `lintel sim lock`, apart from the lock itself (cli.ts), which the action imports
 * only when it runs: every `lintel` process declares them (issue 11).
 */

export interface SimLockOptions {
  state: string;
  port: string;
  cards?: string;
  /** Line speed the lock paces its writes at; 0: no pacing. */
  baud: number;
  /** The clock's drift, parts per million (a new lock only; a lock's crystal does not change). */
  driftPpm?: number;
  battery?: number;
  /** Blacklist entries (a new lock only). */
  capacity?: number;
  /** UDP port phones open the lock on (the BLE-like link); absent: no phones. */
  ble?: number;
}

/** The options of `lintel sim lock`, for the lead to add to the `sim lock` command. */
export function simLockOptions(): Option[] {
  return [
    new Option(
      '--state <file>',
      'the lock’s memory (mode 0600); a factory-new lock is made there if missing',
    ).makeOptionMandatory(),
    new Option(
      '--port <path>',
      'serial path the PPD reaches the lock on (one end of a pty pair)',
    ).makeOptionMandatory(),
    new Option('--cards <dir>', 'folder of card files (DESFire snapshots, JSON) to present by name'),
    new Option('--baud <n>', 'line speed the lock paces its answers at (0: no pacing)')
      .argParser(integerOption(0, 1_000_000, 'baud'))
      .default(115_200),
    new Option('--drift-ppm <n>', 'a new lock’s clock drift, parts per million').argParser(
      integerOption(-100_000, 100_000, 'drift'),
    ),
    new Option('--battery <n>', 'battery level, percent').argParser(integerOption(0, 100, 'battery')),
    new Option('--capacity <n>', 'a new lock’s blacklist capacity (default 4000)').argParser(
      integerOption(1, 65_535, 'capacity'),
    ),
    new Option('--ble <port>', 'UDP port phones open the lock on (the BLE-like link, loopback)').argParser(
      integerOption(0, 65_535, 'ble'),
    ),
  ];
}
