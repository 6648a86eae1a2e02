import type { Log } from '../log.js';
import { RfAir } from './air.js';
import { runSimConsole } from '../cli/sim-console.js';
import type { SimAirOptions } from './air-options.js';

export { registerSimAirCommand, simAirOptions, type SimAirOptions } from './air-options.js';

/**
 * `lintel sim air`: the simulated radio medium RF locks and RF nodes attach to (see air.ts). It runs
 * until SIGINT/SIGTERM — not until the end of stdin, so it can run in the background with stdin
 * closed; stdin, when there is one, takes commands to look at it and change its faults mid-run.
 */

export const AIR_HELP = [
  'Commands:',
  '  stats        frames sent, delivered, lost, duplicated; radios attached',
  '  radios       the radios attached: EUI-64 and channel',
  '  loss P       lose each delivery with chance P (0–1) from now on',
  '  dup P        duplicate each delivery with chance P (0–1) from now on',
  '  help         this text',
  'Ctrl-C stops the air.',
].join('\n');

function describeStats(air: RfAir): string {
  const s = air.stats;
  const f = air.currentFaults;
  return (
    `radios ${s.radios}, sent ${s.transmitted}, delivered ${s.delivered}, lost ${s.lost}, ` +
    `duplicated ${s.duplicated}, oversize ${s.oversize}, strays ${s.strays} (loss ${f.loss}, dup ${f.dup})`
  );
}

/** One console command; answers what to print. */
export function runAirLine(air: RfAir, line: string): string | undefined {
  const [cmd, arg] = line.trim().split(/\s+/);
  switch (cmd) {
    case undefined:
    case '':
      return undefined;
    case 'stats':
      return describeStats(air);
    case 'radios': {
      const radios = air.attached();
      return radios.length
        ? radios.map((r) => `${r.eui} channel ${r.channel}`).join('\n')
        : 'no radios attached';
    }
    case 'loss':
    case 'dup': {
      const p = Number(arg);
      if (arg === undefined || !(p >= 0 && p <= 1)) throw new Error(`${cmd} P: a share from 0 to 1`);
      air.set({ [cmd]: p });
      return describeStats(air);
    }
    case 'help':
      return AIR_HELP;
    default:
      throw new Error(`unknown command ${JSON.stringify(cmd)} (help lists them)`);
  }
}

/** Runs the air until SIGINT/SIGTERM. */
export async function simAirCommand(
  opts: SimAirOptions,
  io: { input: NodeJS.ReadableStream; out: NodeJS.WritableStream } = {
    input: process.stdin,
    out: process.stdout,
  },
  deps: {
    log?: Log;
    /** Stops the air when it settles (tests); SIGINT/SIGTERM always do. */ stop?: Promise<unknown>;
  } = {},
): Promise<void> {
  const say = (line: string) => io.out.write(`${line}\n`);
  const air = await RfAir.start({
    port: opts.port,
    host: opts.host,
    loss: opts.loss,
    dup: opts.dup,
    airtime: opts.airtime ?? false,
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(deps.log ? { log: deps.log } : {}),
  });
  say(
    `air listening on ${opts.host}:${air.port} (seed ${air.seed}, loss ${opts.loss}, dup ${opts.dup}, ` +
      `airtime ${opts.airtime ? 'paced at 250 kbit/s' : 'off'}). Type help for commands, Ctrl-C to stop.`,
  );
  deps.log?.info({ port: air.port, seed: air.seed }, 'sim air: running');
  // Only a signal stops it: the air is often left running in the background with no input.
  await runSimConsole({
    ...io,
    run: (line) => runAirLine(air, line),
    untilSignal: true,
    alsoStopOn: (stop) => {
      void deps.stop?.then(() => stop());
      return () => {};
    },
  });
  say(describeStats(air));
  await air.close();
}
