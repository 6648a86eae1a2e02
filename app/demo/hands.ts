import type { AccessEvent } from '../contract/methods/events.js';
import { ask } from './demo-context.js';
import { DEMO_DOORS, DEMO_LEVELS, DEMO_PEOPLE, type DemoDoor } from './demo-plan.js';
import type { Part } from './demo-parts.js';
import type { DemoSite } from './demo-site.js';
import { HandError, HANDS_HELP, parseHand, type HandCommand } from './hands-parse.js';

/**
 * The hands of the demo: each command acts on a device process the way a person would — a card on a
 * reader's field, keys on its keypad, the exit button and door contact on a control unit's inputs,
 * the PPD carried to a lock, a phone held to the RF lock — and says what the device answered. Meanwhile
 * the feed shows the console's audit trail growing, so every act can be followed to the Service.
 */

/** What answers a sim's command when it refuses it. */
const ERROR = '^error: (.*)$';
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class Hands {
  private readonly queues = new Map<string, Promise<unknown>>();
  private feedTimer: NodeJS.Timeout | undefined;
  private readonly seen = new Set<number>();
  private onEncoder: string | undefined;

  constructor(
    private readonly site: DemoSite,
    private readonly say: (line: string) => void,
    private readonly quit: () => void,
  ) {}

  /** Runs one typed line; never throws (a refusal is said, with what to type). */
  async run(line: string): Promise<void> {
    try {
      const cmd = parseHand(line);
      if (cmd) await this.act(cmd);
    } catch (err) {
      this.say(
        `${err instanceof HandError ? '' : 'error: '}${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  private async act(cmd: HandCommand): Promise<void> {
    switch (cmd.kind) {
      case 'help':
        return this.say(HANDS_HELP);
      case 'people':
        return this.say(this.people());
      case 'doors':
        return this.say(this.doors());
      case 'status':
        return this.say(this.status());
      case 'quit':
        return this.quit();
      case 'feed':
        if (cmd.on) await this.startFeed();
        else this.stopFeed();
        return this.say(`audit feed ${cmd.on ? 'on' : 'off'}`);
      case 'card':
        return this.card(cmd.who, this.door(cmd.door), cmd.pin);
      case 'pin': {
        const door = this.door(cmd.door, 'online');
        this.site.devices.readers[door.key]!.send(`keypad ${cmd.digits}#`);
        return this.say(`${door.name}: typed ${cmd.digits.length} digits and # on the keypad`);
      }
      case 'state': {
        const door = this.door(cmd.door, 'online');
        const doorId = this.site.state.doors[door.key]!;
        const m = await ask(this.site.devices.cuMain, 'status', new RegExp(`^door ${doorId}: (.*)$`, 'm'));
        return this.say(`${door.name}: ${m[1]}`);
      }
      case 'exit':
      case 'force':
      case 'close':
        return this.doorInput(cmd.kind, this.door(cmd.door, 'online'));
      case 'blank':
        return this.blank();
      case 'take':
        return this.take();
      case 'visit':
        return this.visit(this.door(cmd.door, 'offline'));
      case 'phone':
        return this.phone(cmd);
    }
  }

  /** A door by what was typed, of the kind the act needs. */
  private door(typed: string, kind?: DemoDoor['kind']): DemoDoor {
    const key = this.site.doorKey(typed);
    const door = DEMO_DOORS.find((d) => d.key === key);
    if (!door) throw new HandError(`no door "${typed}": ${DEMO_DOORS.map((d) => d.key).join(', ')}`);
    if (kind && door.kind !== kind) {
      const which = DEMO_DOORS.filter((d) => d.kind === kind).map((d) => d.name);
      throw new HandError(`${door.name} is an ${door.kind} door: this works at ${which.join(' and ')}`);
    }
    return door;
  }

  /** One thing at a time at each door (two cards on one reader's field would be one too many). */
  private serial<T>(key: string, job: () => Promise<T>): Promise<T> {
    const before = this.queues.get(key) ?? Promise.resolve();
    const next = before.catch(() => undefined).then(job);
    this.queues.set(key, next);
    return next;
  }

  private cardName(who: string): { card: string; holder: string } {
    const person = DEMO_PEOPLE.find((p) => p.key === who.toLowerCase());
    if (!person) return { card: who, holder: `card ${who}` };
    const card = this.site.state.people[person.key]?.card;
    if (!card) throw new HandError(`${person.firstName} carries a phone, not a card: phone open store`);
    return { card, holder: `${person.firstName}’s card` };
  }

  private card(who: string, door: DemoDoor, pin: string | undefined): Promise<void> {
    const { card, holder } = this.cardName(who);
    return this.serial(door.key, async () => {
      const d = this.site.devices;
      if (door.kind !== 'online') {
        const lock = door.kind === 'rf' ? d.rflock : d.locks[door.key]!.part;
        const m = await ask(lock, `present ${card}`, new RegExp(`^${escape(card)}: (.*)$|${ERROR}`, 'm'));
        if (m[2]) throw new HandError(`${door.name}: ${m[2]}`);
        return this.say(`${door.name}: ${holder} → ${m[1]}`);
      }
      const reader = d.readers[door.key]!;
      const doorId = this.site.state.doors[door.key]!;
      const from = d.cuMain.mark();
      const placed = await ask(reader, `card place ${card}`, new RegExp(`^placed |${ERROR}`, 'm'));
      if (placed[1]) throw new HandError(`${door.name}: ${placed[1]}`);
      if (pin) reader.send(`keypad ${pin}#`);
      else
        // The reader blinks amber when the unit wants a PIN: tell the person, who types it with `pin`.
        reader
          .waitFor(/^led amber blinking/m, placed.index + placed.input.length, 5_000)
          .then(() => this.say(`${door.name}: the reader blinks amber and wants a PIN: pin ${door.key} NNNN`))
          .catch(() => undefined);
      const done = await d.cuMain.waitFor(
        new RegExp(`^card at door ${doorId} done: (.*)$`, 'm'),
        from,
        40_000,
      );
      await ask(reader, 'card remove', new RegExp(`^removed |${ERROR}`, 'm'));
      this.say(`${door.name}: ${holder} → ${done[1]}`);
    });
  }

  private async doorInput(kind: 'exit' | 'force' | 'close', door: DemoDoor): Promise<void> {
    const doorId = this.site.state.doors[door.key]!;
    const line =
      kind === 'exit' ? `exit ${doorId}` : `contact ${doorId} ${kind === 'force' ? 'open' : 'closed'}`;
    const m = await ask(this.site.devices.cuMain, line, new RegExp(`^door ${doorId} .*$|${ERROR}`, 'm'));
    if (m[1]) throw new HandError(`${door.name}: ${m[1]}`);
    this.say(
      kind === 'exit'
        ? `${door.name}: pressed the exit button`
        : kind === 'force'
          ? `${door.name}: pushed the door open (no card: a forced door unless it was unlocked)`
          : `${door.name}: the door closed`,
    );
  }

  private async blank(): Promise<void> {
    const m = await ask(this.site.devices.ncoder, 'new 2k', new RegExp(`^placed (\\S+) .*$|${ERROR}`, 'm'));
    if (m[2]) throw new HandError(`NCoder: ${m[2]}`);
    this.onEncoder = m[1];
    this.say(`A blank card (${m[1]}) lies on the NCoder: issue it to a user in the console, then type take`);
  }

  private async take(): Promise<void> {
    const m = await ask(this.site.devices.ncoder, 'remove', new RegExp(`^removed .*$|${ERROR}`, 'm'));
    if (m[1]) throw new HandError(`NCoder: ${m[1]}`);
    const name = this.onEncoder;
    this.onEncoder = undefined;
    this.say(name ? `You hold card ${name}: card ${name} at entrance` : m[0]);
  }

  private visit(door: DemoDoor): Promise<void> {
    const { ppd, locks } = this.site.devices;
    const doorId = this.site.state.doors[door.key]!;
    return this.serial('ppd', async () => {
      this.say(`Carrying the PPD to ${door.name}…`);
      const m = await ask(
        ppd,
        `visit ${locks[door.key]!.port} ${doorId}`,
        new RegExp(`^door ${doorId}: (.*)$|${ERROR}`, 'm'),
        180_000,
      );
      if (m[2]) throw new HandError(`PPD: ${m[2]}`);
      this.say(`${door.name}: the PPD says ${m[1]} (sync it in the console: Offline locks)`);
    });
  }

  private phone(cmd: Extract<HandCommand, { kind: 'phone' }>): Promise<void> {
    const phone: Part = this.site.devices.phone;
    if (cmd.action === 'fetch')
      return this.serial('phone', async () => {
        const m = await ask(phone, 'fetch', new RegExp(`^fetched: .*$|${ERROR}`, 'm'));
        if (m[1]) throw new HandError(`phone: ${m[1]}`);
        this.say(`Dan’s phone ${m[0]}`);
      });
    const door = this.door(cmd.door, 'rf');
    return this.serial('phone', async () => {
      const line = `${cmd.action} 127.0.0.1:${this.site.blePort}${cmd.action === 'open' && cmd.pin ? ` ${cmd.pin}` : ''}`;
      const m = await ask(phone, line, new RegExp(`^lock \\S+: (.*)$|${ERROR}`, 'm'));
      if (m[2]) throw new HandError(`phone: ${m[2]}`);
      this.say(
        `${door.name}: Dan’s phone (${cmd.action === 'open' ? 'opening' : 'replayed opening'}) → ${m[1]}`,
      );
    });
  }

  private people(): string {
    return DEMO_PEOPLE.map((p) => {
      const s = this.site.state.people[p.key];
      const carries =
        p.carries === 'card' ? `card ${s?.card ?? '(not encoded)'}` : 'a phone with a mobile key';
      const levels = p.levels.join(', ');
      return `  ${p.key.padEnd(6)} ${p.firstName} ${p.lastName} (${p.department}): ${carries}; ${levels}${p.pin ? `; PIN ${p.pin}` : ''}`;
    }).join('\n');
  }

  private doors(): string {
    return DEMO_DOORS.map((d) => {
      const how =
        d.kind === 'online'
          ? 'card, pin, exit, force/close'
          : d.kind === 'offline'
            ? 'card, visit (PPD)'
            : 'card, phone open/replay';
      return `  ${d.key.padEnd(9)} ${d.name.padEnd(11)} ${d.kind.padEnd(8)} ${d.auth.padEnd(9)} hands: ${how}`;
    })
      .concat(`  levels: ${DEMO_LEVELS.map((l) => l.name).join(', ')}`)
      .join('\n');
  }

  private status(): string {
    const rows = this.site.parts.memory();
    const total = rows.reduce((n, r) => n + (r.rssKiB ?? 0), 0);
    return rows
      .map(
        (r) =>
          `  ${r.name.padEnd(16)} pid ${String(r.pid).padEnd(8)} ${r.rssKiB === undefined ? '?' : `${(r.rssKiB / 1024).toFixed(0)} MiB`}`,
      )
      .concat(`  ${rows.length} processes, ${(total / 1024).toFixed(0)} MiB resident together`)
      .join('\n');
  }

  /** Shows new audit events as they reach the Service (polled each second: the console's own list). */
  async startFeed(): Promise<void> {
    if (this.feedTimer) return;
    for (const e of await this.latest()) this.seen.add(e.id);
    const tick = async () => {
      try {
        const fresh = (await this.latest()).filter((e) => !this.seen.has(e.id)).sort((a, b) => a.id - b.id);
        for (const e of fresh) {
          this.seen.add(e.id);
          this.say(describeAuditEvent(e));
        }
        if (this.seen.size > 5_000) for (const id of [...this.seen].slice(0, 2_500)) this.seen.delete(id);
      } catch {
        // The Service busy or stopping: the next tick tries again.
      }
      if (this.feedTimer) this.feedTimer = setTimeout(() => void tick(), 1_000);
    };
    this.feedTimer = setTimeout(() => void tick(), 1_000);
  }

  stopFeed(): void {
    if (this.feedTimer) clearTimeout(this.feedTimer);
    this.feedTimer = undefined;
  }

  private async latest(): Promise<AccessEvent[]> {
    return (await this.site.rpc.call<{ events: AccessEvent[] }>('events.list', { limit: 100 })).events;
  }
}

/** One audit event as a line of the feed. */
export function describeAuditEvent(e: AccessEvent): string {
  const time = new Date(e.at).toLocaleTimeString('en-GB');
  const what = `${e.kind.replace(/-/g, ' ')}${e.reason ? ` (${e.reason})` : ''}`;
  const who = e.userName ? ` — ${e.userName}` : '';
  return `[audit ${time}] ${e.doorName ?? 'site'}: ${what}${who} · ${e.source}`;
}
