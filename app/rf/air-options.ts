import { type Command, InvalidArgumentError, Option } from 'commander';
import { integerOption } from '../cli/integer-option.js';
import type { Log } from '../log.js';

/**
 * The declaration of `lintel sim air`: its options and registration. The air itself (air-cli.ts)
 * is imported by the action only when it runs, so other `lintel` processes never load it (issue 11).
 */

export interface SimAirOptions {
  port: number;
  host: string;
  loss: number;
  dup: number;
  seed?: number;
  airtime?: boolean;
}

/** A commander parser for a share from 0 to 1. */
function share(what: string): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d*\.?\d+$/.test(value) || n < 0 || n > 1) throw new InvalidArgumentError(`${what}: 0 to 1`);
    return n;
  };
}

/** The options of `lintel sim air`. */
export function simAirOptions(): Option[] {
  return [
    new Option('--port <n>', 'UDP port radios attach to (0: any free port, printed)')
      .argParser(integerOption(0, 65_535, 'port'))
      .default(0),
    new Option('--host <address>', 'address to listen on').default('127.0.0.1'),
    new Option('--loss <p>', 'chance that a frame does not reach a radio (0–1)')
      .argParser(share('loss'))
      .default(0),
    new Option('--dup <p>', 'chance that a frame reaches a radio twice (0–1)')
      .argParser(share('dup'))
      .default(0),
    new Option(
      '--seed <n>',
      'seed of the faults and link qualities, to replay a run (default: random)',
    ).argParser(integerOption(0, 0xffff_ffff, 'seed')),
    new Option('--airtime', 'pace each channel at 250 kbit/s (one frame at a time, PHY header included)'),
  ];
}

/** Adds `air` to the `lintel sim` command. */
export function registerSimAirCommand(sim: Command, log: () => Log): void {
  const air = sim
    .command('air')
    .description(
      'the simulated 2.4 GHz radio medium RF locks and nodes attach to (UDP), with loss and duplication',
    );
  for (const o of simAirOptions()) air.addOption(o);
  air.action(async (opts: SimAirOptions) =>
    (await import('./air-cli.js')).simAirCommand(opts, undefined, { log: log() }),
  );
}
