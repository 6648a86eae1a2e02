import path from 'node:path';
import readline from 'node:readline';
import type { Log } from '../log.js';
import { CardInHand, CardShelf } from '../ncoder/card-shelf.js';
import { serveHidSocket } from '../ncoder/hid-socket.js';
import { NcoderSimulator } from '../ncoder/ncoder-simulator.js';

/**
 * `lintel sim ncoder`: the NCoder desktop encoder on a local socket (socketHidDevices reaches it),
 * with a line-based control on stdin for the cards in its field. Loaded only when that command runs.
 */

type Out = NodeJS.WritableStream;

/** Options of `lintel sim ncoder`. */
export interface SimNcoderOptions {
  socket: string;
  state?: string;
  cards?: string;
  serial?: string;
}

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
