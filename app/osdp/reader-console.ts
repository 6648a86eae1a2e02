import type { LedControl } from './messages.js';
import fs from 'node:fs';
import path from 'node:path';
import { CardInHand, type CardShelf } from '../ncoder/card-shelf.js';
import { writeFileAtomic } from '../keys/atomic-file.js';
import type { ReaderSimulator } from './reader-simulator.js';

/**
 * The pieces of `lintel sim reader` that are not the wire: its state file (serial number, the SCBK
 * provisioned by KEYSET, the enrolled fingers) and the line console on stdin that puts cards in the
 * field, types on the keypad and presents fingers.
 */

const FORMAT = 'lintel-osdp-reader-sim/1';

export interface ReaderState {
  format: typeof FORMAT;
  serial: number;
  /** Hex; present once a CP provisioned the reader with KEYSET. */
  scbk?: string;
  fingers: string[];
}

/** Reads a reader state file; undefined when there is none yet, throws on anything else. */
export function readReaderState(file: string): ReaderState | undefined {
  if (!fs.existsSync(file)) return undefined;
  let s: Partial<ReaderState>;
  try {
    s = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ReaderState>;
  } catch {
    s = {};
  }
  if (
    s.format !== FORMAT ||
    !Number.isInteger(s.serial) ||
    (s.scbk !== undefined && !/^[0-9a-f]{32}$/.test(s.scbk)) ||
    !Array.isArray(s.fingers) ||
    !s.fingers.every((f) => typeof f === 'string')
  ) {
    throw new Error(`${file} is not an OSDP reader simulator state file`);
  }
  return s as ReaderState;
}

/** Writes the state file atomically, mode 0600: it holds the reader's SCBK. */
export function writeReaderState(file: string, state: ReaderState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`, 0o600);
}

export function newReaderState(serial: number): ReaderState {
  return { format: FORMAT, serial, fingers: [] };
}

export const READER_HELP = [
  'Commands:',
  '  card new [2k|4k|8k]      place a fresh blank DESFire EV2 card (4k by default)',
  '  card place NAME|FILE     place a card from the cards folder',
  '  card remove              take the card away',
  '  card list                the cards in the folder (* = in the field)',
  '  keypad KEYS              type on the keypad, e.g. keypad 1234#',
  '  finger enrol NAME        enrol a finger on the sensor',
  '  finger present NAME      put an enrolled finger on the sensor (or: finger present unknown)',
  '  status                   address, Secure Channel, card, fingers',
  '  help                     this text',
  'Ctrl-C stops the simulator.',
].join('\n');

export class ReaderConsole {
  private readonly hand: CardInHand;

  constructor(
    private readonly sim: ReaderSimulator,
    private readonly shelf: CardShelf,
    private readonly out: NodeJS.WritableStream,
    private readonly info: { address: number; port: string; saveFingers?: (names: string[]) => void },
  ) {
    this.hand = new CardInHand(shelf, { put: (card) => sim.placeCard(card), take: () => sim.removeCard() });
    sim.onCardUsed = (card) => this.hand.used(card);
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
        case 'card':
          return this.card(args);
        case 'keypad':
          if (args.length !== 1) throw new Error('keypad KEYS: which keys? e.g. keypad 1234#');
          this.sim.keypad(args[0]!);
          return this.say(`keypad: ${args[0]!.length} key(s) waiting for the next poll`);
        case 'finger':
          return this.finger(args);
        case 'status':
          return this.status();
        case 'help':
          return this.say(READER_HELP);
        default:
          throw new Error(`unknown command "${cmd}": type help`);
      }
    } catch (err) {
      this.say(`error: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private card(args: string[]): void {
    const [sub, arg, ...rest] = args;
    if (rest.length) throw new Error(`card ${sub}: too many arguments`);
    switch (sub) {
      case 'new': {
        const size = arg ?? '4k';
        if (size !== '2k' && size !== '4k' && size !== '8k') {
          throw new Error(`card new: unknown size "${size}" (2k, 4k, 8k)`);
        }
        return this.say(this.hand.place(this.shelf.create(size, false)));
      }
      case 'place':
        if (!arg) throw new Error('card place NAME: which card?');
        return this.say(this.hand.place(this.shelf.load(this.cardName(arg))));
      case 'remove':
        return this.say(this.hand.remove());
      case 'list':
        return this.say(this.hand.list('card new'));
      default:
        throw new Error('card new|place|remove|list');
    }
  }

  /** A card name, or the path of a file in the cards folder (card-1, card-1.json, cards/card-1.json). */
  private cardName(arg: string): string {
    if (!arg.includes('/') && !arg.includes(path.sep)) return arg;
    const dir = this.shelf.dir;
    if (!dir || path.dirname(path.resolve(arg)) !== dir)
      throw new Error(`card place: ${arg} is not in the cards folder${dir ? ` (${dir})` : ' (no --cards)'}`);
    return path.basename(arg);
  }

  private finger(args: string[]): void {
    const [sub, name, ...rest] = args;
    if (!name || rest.length) throw new Error('finger enrol NAME | finger present NAME|unknown');
    if (sub === 'enrol' || sub === 'enroll') {
      this.sim.enrolFinger(name);
      this.info.saveFingers?.(this.sim.enrolled);
      return this.say(`enrolled finger ${name}`);
    }
    if (sub === 'present') {
      this.sim.presentFinger(name);
      return this.say(`finger ${name} on the sensor until the next biometric read or match`);
    }
    throw new Error('finger enrol NAME | finger present NAME|unknown');
  }

  private status(): void {
    const s = this.sim.session;
    this.say(
      [
        `address: ${this.info.address} on ${this.info.port}`,
        `serial: ${this.sim.id.serial.toString(16).toUpperCase().padStart(8, '0')}`,
        `key: ${s.inInstallMode ? 'install mode (accepts the default key SCBK-D)' : 'SCBK set'}`,
        `secure channel: ${s.secure ? 'up' : 'down'}`,
        `card: ${this.hand.describe()}${this.sim.transparent ? ' (transparent mode)' : ''}`,
        `fingers: ${this.sim.enrolled.join(', ') || 'none enrolled'}${
          this.sim.fingerOnSensor ? ` (on the sensor: ${this.sim.fingerOnSensor})` : ''
        }`,
        `refused: ${s.stats.badMac} bad MAC, ${s.stats.badSequence} bad sequence, ${s.stats.badHandshake} bad handshake, ${s.reader.stats.badCheck} bad CRC`,
      ].join('\n'),
    );
  }

  say(text: string): void {
    this.out.write(`${text}\n`);
  }
}

const LED_COLORS = ['off', 'red', 'green', 'amber', 'blue', 'magenta', 'cyan', 'white'];

/**
 * What an osdp_LED command shows, as a line: `led amber blinking for 15 s`, `led red for 2 s`,
 * `led green` (a permanent setting). Someone at the reader sees the light; at the simulator, this.
 */
export function describeLeds(leds: readonly LedControl[]): string[] {
  const color = (c: number) => LED_COLORS[c] ?? `colour ${c}`;
  return leds.flatMap((l) => {
    if (l.temp.control === 2) {
      const blinking = l.temp.offTime > 0 && l.temp.offColor !== l.temp.onColor;
      return [`led ${color(l.temp.onColor)}${blinking ? ' blinking' : ''} for ${l.temp.timer / 10} s`];
    }
    if (l.perm.control === 1) return [`led ${color(l.perm.onColor)}`];
    return [];
  });
}
