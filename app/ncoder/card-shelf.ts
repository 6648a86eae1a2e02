import fs from 'node:fs';
import path from 'node:path';
import { DesfireCard } from '../desfire/card-emulator.js';
import type { CardSize } from '../desfire/card-state.js';
import { writeFileAtomic } from '../keys/atomic-file.js';

/**
 * The simulated cards of `lintel sim ncoder`: DESFire emulator snapshots, one JSON file per card in a
 * folder (mode 0600: a snapshot holds the card's keys, as its EEPROM does), or in memory only when no
 * folder is given. Names are plain file names without `.json`: card-1, card-2, … for new cards.
 */

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The name of a card file, without its folder and `.json`; throws on anything that could leave the folder. */
export function cardName(input: string): string {
  const name = input.endsWith('.json') ? input.slice(0, -5) : input;
  if (!NAME.test(name)) throw new Error(`"${input}" is not a card name (letters, digits, . _ -)`);
  return name;
}

/** A card on the shelf: its name, the emulator, and what was last saved. */
export interface ShelvedCard {
  name: string;
  card: DesfireCard;
  saved: string;
}

export class CardShelf {
  private readonly memory = new Map<string, string>();

  constructor(readonly dir: string | undefined) {
    if (dir) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** The card names on the shelf, sorted. */
  list(): string[] {
    const names = this.dir
      ? fs
          .readdirSync(this.dir)
          .filter((f) => f.endsWith('.json'))
          .map((f) => f.slice(0, -5))
      : [...this.memory.keys()];
    return names.filter((n) => NAME.test(n)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  }

  /** The file a card lives in (undefined in memory). */
  file(name: string): string | undefined {
    return this.dir && path.join(this.dir, `${cardName(name)}.json`);
  }

  /** A fresh blank card, saved under the next free name. */
  create(size: CardSize, randomId: boolean): ShelvedCard {
    const taken = new Set(this.list());
    let n = 1;
    while (taken.has(`card-${n}`)) n++;
    const shelved = { name: `card-${n}`, card: new DesfireCard({ size, randomId }), saved: '' };
    this.save(shelved);
    return shelved;
  }

  /** Loads a card by name. */
  load(input: string): ShelvedCard {
    const name = cardName(input);
    const file = this.file(name);
    let text: string | undefined;
    if (file) {
      if (!fs.existsSync(file)) throw new Error(`no card "${name}" in ${this.dir}`);
      text = fs.readFileSync(file, 'utf8');
    } else text = this.memory.get(name);
    if (text === undefined) throw new Error(`no card "${name}"`);
    let card: DesfireCard;
    try {
      card = DesfireCard.restore(JSON.parse(text));
    } catch (err) {
      throw new Error(
        `card "${name}" is not a DESFire card snapshot: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    return { name, card, saved: JSON.stringify(card.snapshot()) };
  }

  /** Writes the card back if it changed since it was last saved. */
  save(shelved: ShelvedCard): void {
    const json = JSON.stringify(shelved.card.snapshot());
    if (json === shelved.saved) return;
    const file = this.file(shelved.name);
    if (file) writeFileAtomic(file, `${JSON.stringify(JSON.parse(json), null, 2)}\n`, 0o600);
    else this.memory.set(shelved.name, json);
    shelved.saved = json;
  }
}

/** Where a card in hand goes: a simulated reader's RF field. */
export interface CardField {
  put(card: DesfireCard): void;
  take(): void;
}

/**
 * The card a person holds over a simulated reader (`lintel sim ncoder`, `lintel sim reader`): taken
 * from the shelf, put in the field, saved back after every APDU that changed it and when it leaves.
 * Each method returns the line the console prints.
 */
export class CardInHand {
  private current: ShelvedCard | undefined;

  constructor(
    readonly shelf: CardShelf,
    private readonly field: CardField,
  ) {}

  /** The card held now. */
  get held(): ShelvedCard | undefined {
    return this.current;
  }

  /** After `card` answered an APDU: saved if it is the card in hand (its EEPROM may have changed). */
  used(card: unknown): void {
    if (this.current && this.current.card === card) this.shelf.save(this.current);
  }

  /** Saves the card in hand (before exit). */
  flush(): void {
    if (this.current) this.shelf.save(this.current);
  }

  /** Puts a card in the field, taking away the one there. */
  place(shelved: ShelvedCard): string {
    if (this.current) this.remove();
    this.field.put(shelved.card);
    this.current = shelved;
    const file = this.shelf.file(shelved.name);
    const s = shelved.card.snapshot();
    return `placed ${shelved.name} (UID ${s.uid}${s.randomId ? ', random ID' : ''}, ${s.size})${file ? ` file ${path.basename(file)}` : ''}`;
  }

  /** Takes the card away (also mid-operation). */
  remove(): string {
    const current = this.current;
    if (!current) return 'the field is empty';
    this.field.take();
    this.shelf.save(current);
    this.current = undefined;
    return `removed ${current.name}`;
  }

  /** The cards on the shelf, the one in hand starred; `create` says how to make one. */
  list(create: string): string {
    const names = this.shelf.list();
    if (names.length === 0) return `no cards yet: ${create} makes one`;
    return names.map((n) => `${n === this.current?.name ? '*' : ' '} ${n}`).join('\n');
  }

  /** The card in hand for a status line. */
  describe(): string {
    const c = this.current;
    return c ? `${c.name} (${Buffer.from(c.card.activation.uid).toString('hex')})` : 'none';
  }
}
