/**
 * The hands' command line: what a person at the demo's terminal does at the doors. Parsing is apart
 * from doing, so every line typed gets either a command or an error that says what to type.
 */

export type HandCommand =
  | { kind: 'help' }
  | { kind: 'people' }
  | { kind: 'doors' }
  | { kind: 'status' }
  | { kind: 'quit' }
  | { kind: 'feed'; on: boolean }
  | { kind: 'card'; who: string; door: string; pin?: string }
  | { kind: 'pin'; door: string; digits: string }
  | { kind: 'state'; door: string }
  | { kind: 'exit'; door: string }
  | { kind: 'force'; door: string }
  | { kind: 'close'; door: string }
  | { kind: 'blank' }
  | { kind: 'take' }
  | { kind: 'visit'; door: string }
  | { kind: 'phone'; action: 'open' | 'replay'; door: string; pin?: string }
  | { kind: 'phone'; action: 'fetch' };

export class HandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HandError';
  }
}

export const HANDS_HELP = [
  'What your hands can do (doors by name: entrance, lab, "room 101", room102, store):',
  '  card WHO at DOOR [pin NNNN]  present WHO’s card (ada, bob, carol, or a card name) at a door',
  '  pin DOOR NNNN                type a PIN on the door’s keypad (while a card waits at it)',
  '  exit DOOR                    press the exit button (request to exit) of an online door',
  '  force DOOR / close DOOR      force an online door open without a card / let it close',
  '  state DOOR                   whether an online door is locked or unlocked, open or closed',
  '  visit DOOR                   carry the PPD to an offline lock (load a round in the console first)',
  '  phone open DOOR [pin NNNN]   Dan opens the RF lock with his phone',
  '  phone replay DOOR            replay the phone’s last opening, as an eavesdropper would',
  '  phone fetch                  the phone takes the keys waiting at the relay',
  '  blank / take                 put a blank card on the NCoder / take the card off it',
  '  people / doors / status      who carries what, the doors, the processes and their memory',
  '  feed on|off                  show the console’s audit trail here as it grows (on)',
  '  quit                         stop the demo (Ctrl-C does the same)',
].join('\n');

const DIGITS = /^\d{1,12}$/;

/** Parses one line; throws HandError saying what to type instead. */
export function parseHand(line: string): HandCommand | undefined {
  const words = line.trim().split(/\s+/).filter(Boolean);
  if (!words.length) return undefined;
  const [verb, ...rest] = words;
  const door = (w: string[], usage: string) => {
    if (!w.length) throw new HandError(`${usage}: which door?`);
    return w.join(' ');
  };
  switch (verb!.toLowerCase()) {
    case 'help':
    case '?':
      return { kind: 'help' };
    case 'people':
      return { kind: 'people' };
    case 'doors':
      return { kind: 'doors' };
    case 'status':
      return { kind: 'status' };
    case 'quit':
    case 'exit-demo':
      return { kind: 'quit' };
    case 'feed':
      if (rest[0] !== 'on' && rest[0] !== 'off') throw new HandError('feed on|off');
      return { kind: 'feed', on: rest[0] === 'on' };
    case 'card': {
      const at = rest.findIndex((w) => w.toLowerCase() === 'at');
      if (at !== 1) throw new HandError('card WHO at DOOR [pin NNNN]: for example `card ada at entrance`');
      const after = rest.slice(2);
      const p = after.findIndex((w) => w.toLowerCase() === 'pin');
      const doorWords = p < 0 ? after : after.slice(0, p);
      const cmd = { kind: 'card' as const, who: rest[0]!, door: door(doorWords, 'card WHO at DOOR') };
      if (p < 0) return cmd;
      const digits = after[p + 1];
      if (!digits || !DIGITS.test(digits) || after.length !== p + 2)
        throw new HandError('card WHO at DOOR pin NNNN: the PIN is digits');
      return { ...cmd, pin: digits };
    }
    case 'pin': {
      const digits = rest.at(-1);
      if (rest.length < 2 || !digits || !DIGITS.test(digits))
        throw new HandError('pin DOOR NNNN: for example `pin lab 4711`');
      return { kind: 'pin', door: rest.slice(0, -1).join(' '), digits };
    }
    case 'state':
      return { kind: 'state', door: door(rest, 'state DOOR') };
    case 'exit':
      return { kind: 'exit', door: door(rest, 'exit DOOR') };
    case 'force':
      return { kind: 'force', door: door(rest, 'force DOOR') };
    case 'close':
      return { kind: 'close', door: door(rest, 'close DOOR') };
    case 'blank':
      return { kind: 'blank' };
    case 'take':
      return { kind: 'take' };
    case 'visit':
      return { kind: 'visit', door: door(rest, 'visit DOOR') };
    case 'phone': {
      const action = rest[0]?.toLowerCase();
      if (action === 'fetch' && rest.length === 1) return { kind: 'phone', action };
      if (action === 'open' || action === 'replay') {
        const words = rest.slice(1);
        const p = words.findIndex((w) => w.toLowerCase() === 'pin');
        const cmd: Extract<HandCommand, { action: 'open' | 'replay' }> = {
          kind: 'phone',
          action,
          door: door(p < 0 ? words : words.slice(0, p), `phone ${action} DOOR`),
        };
        if (p < 0) return cmd;
        const digits = words[p + 1];
        if (action !== 'open' || !digits || !DIGITS.test(digits) || words.length !== p + 2)
          throw new HandError('phone open DOOR pin NNNN: the PIN is digits');
        return { ...cmd, pin: digits };
      }
      throw new HandError('phone open DOOR [pin NNNN] | phone replay DOOR | phone fetch');
    }
    default:
      throw new HandError(`unknown command "${verb}": type help`);
  }
}
