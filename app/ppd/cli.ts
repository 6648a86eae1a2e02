import path from 'node:path';
import type { Log } from '../log.js';
import { LockVisitError } from '../lock/lock-visit.js';
import type { SerialPorts } from '../ports/serial.js';
import { describeResult, describeTask, PpdSimulator } from './ppd-simulator.js';
import { runSimConsole } from '../cli/sim-console.js';
import type { SimPpdOptions } from './cli-options.js';

export { simPpdOptions, type SimPpdOptions } from './cli-options.js';

/**
 * `lintel sim ppd`: the technician's Portable Programming Device as a process. Its console port is
 * --port (the Service opens the other end of the cable); its memory (pairing, round, results) lives
 * in --state. The technician's actions come from stdin: list the tasks, visit a lock on its serial
 * path, pull and put back the console cable, reset.
 */

export const PPD_HELP = [
  'Commands:',
  '  status                  serial, pairing, console cable, round, results not yet synced',
  '  tasks                   the round’s tasks ([x] = visited)',
  '  visit LOCKPORT [DOOR]   visit the lock on serial path LOCKPORT with the task for its door',
  '                          (a factory-new lock: the first unvisited initialisation task, or DOOR)',
  '  unplug                  pull the console cable (the console port closes)',
  '  plug                    put the console cable back',
  '  reset                   factory reset (Settings → Reset): unpaired, round and results forgotten',
  '  help                    this text',
  'Ctrl-C (or the end of stdin) stops the PPD.',
].join('\n');

/** Runs the PPD until SIGINT/SIGTERM or the end of stdin. */
export async function simPpdCommand(
  opts: SimPpdOptions,
  io: { input: NodeJS.ReadableStream; out: NodeJS.WritableStream } = {
    input: process.stdin,
    out: process.stdout,
  },
  deps: { ports?: SerialPorts; log?: Log; now?: () => number } = {},
): Promise<void> {
  const ports = deps.ports ?? (await import('../../native/serial-port.js')).nodeSerialPorts;
  const say = (line: string) => io.out.write(`${line}\n`);
  const sim = new PpdSimulator({
    stateFile: path.resolve(opts.state),
    consolePort: opts.port,
    ports,
    baud: opts.baud,
    ...(opts.serial ? { serial: opts.serial } : {}),
    ...(deps.log ? { log: deps.log } : {}),
    ...(deps.now ? { now: deps.now } : {}),
    onChange: (what) => say(`console: ${what}`),
  });
  await sim.plug();
  say(
    `${sim.status()}\nconsole port ${opts.port}${opts.baud > 0 ? ` at ${opts.baud} baud` : ', unpaced'}. Type help for commands, Ctrl-C to stop.`,
  );
  deps.log?.info({ serial: sim.memory.serial, port: opts.port }, 'sim ppd: running');

  await runSimConsole({ ...io, run: (line) => runPpdLine(sim, line, say) });
  await sim.close();
}

/** One console command; answers what to print (`say` prints progress as it goes). */
export async function runPpdLine(
  sim: PpdSimulator,
  line: string,
  say: (line: string) => void,
): Promise<string | undefined> {
  const [cmd, ...args] = line.trim().split(/\s+/);
  switch (cmd) {
    case undefined:
    case '':
      return undefined;
    case 'status':
      return sim.status();
    case 'tasks': {
      const tasks = sim.tasks();
      if (tasks.length === 0) return sim.memory.round ? 'the round has no tasks' : 'no round loaded';
      return tasks.map((t) => describeTask(t.task, t.visited)).join('\n');
    }
    case 'visit': {
      const lockPort = args[0];
      if (!lockPort) throw new Error('visit LOCKPORT [DOOR]: which serial path is the lock on?');
      let doorId: number | undefined;
      if (args[1] !== undefined) {
        if (!/^\d+$/.test(args[1]) || Number(args[1]) < 1)
          throw new Error('visit LOCKPORT DOOR: DOOR is a door id');
        doorId = Number(args[1]);
      }
      let shown = -1;
      say(`visiting the lock on ${lockPort}…`);
      try {
        const result = await sim.visit(lockPort, {
          ...(doorId !== undefined ? { doorId } : {}),
          onProgress: (done, total) => {
            const pct = total > 0 ? Math.floor((done * 100) / total) : 100;
            if (pct >= shown + 25 || done === total) {
              shown = pct;
              say(`  ${pct}% (${done}/${total})`);
            }
          },
        });
        return describeResult(result);
      } catch (err) {
        if (err instanceof LockVisitError && err.code === 'NO_TASK')
          throw new Error(
            `${err.message}${doorId === undefined ? ' (visit LOCKPORT DOOR picks a task)' : ''}`,
            { cause: err },
          );
        throw err;
      }
    }
    case 'unplug':
      await sim.unplug();
      return 'console cable pulled';
    case 'plug':
      await sim.plug();
      return 'console cable plugged in';
    case 'reset': {
      const lost = sim.factoryReset();
      return `factory reset: unpaired, no round${lost ? `, ${lost} unsynced results forgotten` : ''}`;
    }
    case 'help':
      return PPD_HELP;
    default:
      throw new Error(`unknown command "${cmd}": type help`);
  }
}
