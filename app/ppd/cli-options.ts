import { Option } from 'commander';
import { integerOption } from '../cli/integer-option.js';

/**
 * The options of `lintel sim ppd`, apart from the PPD itself (cli.ts), which the action imports
 * only when it runs: every `lintel` process declares them (issue 11).
 */

export interface SimPpdOptions {
  /** The console port. */
  port: string;
  state: string;
  /** Line speed of both links, paced on a pty; 0: no pacing. */
  baud: number;
  /** Serial number of a new PPD. */
  serial?: string;
}

/** The options of `lintel sim ppd`, for the lead to add to the `sim ppd` command. */
export function simPpdOptions(): Option[] {
  return [
    new Option(
      '--port <path>',
      'the console port: serial path the Service reaches the PPD on (one end of a pty pair)',
    ).makeOptionMandatory(),
    new Option(
      '--state <file>',
      'the PPD’s memory: pairing, round, results (mode 0600); a factory-new PPD is made there if missing',
    ).makeOptionMandatory(),
    new Option('--baud <n>', 'line speed of the console and lock links, paced on a pty (0: no pacing)')
      .argParser(integerOption(0, 1_000_000, 'baud'))
      .default(115_200),
    new Option('--serial <serial>', 'serial number of a new PPD (default: random)'),
  ];
}
