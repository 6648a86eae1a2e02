import fs from 'node:fs';
import { writeFileAtomic } from '../keys/atomic-file.js';
import type { DoorRuntime } from '../devices/protocol.js';

/**
 * A door as its control unit drives it: the lock (released for a grant, an exit button or an open
 * command for a few seconds; by office mode or a timed-office period until further notice; never
 * while locked down, except by an operator's open command or the exit button, since egress always
 * wins), and the door contact, which tells a forced door from one left open:
 *
 * - the contact opens while the lock is engaged → `door-forced`;
 * - it stays open longer than the unlock's open time plus a grace (10 s) → `door-left-open`, once;
 * - it closes after either → `door-closed`.
 *
 * A door closed again after a momentary unlock relocks at once (no second person on the same grant).
 * Office and lockdown survive a restart (persisted by {@link DoorStateFile}); the rest does not.
 */

export type DoorEventKind = 'door-forced' | 'door-left-open' | 'door-closed';

export class DoorState {
  office = false;
  lockdown = false;
  /** The contact says the leaf is open. */
  open = false;
  /** Epoch ms until which a momentary unlock holds. */
  private unlockUntil = 0;
  private unlockFrom = 0;
  private unlockSeconds = 0;
  /** When a legitimately opened door counts as left open (epoch ms), while it is open. */
  private leftOpenAt: number | undefined;
  private alarm: 'forced' | 'left-open' | undefined;

  constructor(readonly doorId: number) {}

  /** Whether the lock is released at `now`; `timedOffice`: the door's office period is on. */
  unlocked(now: number, timedOffice: boolean): boolean {
    if (now < this.unlockUntil) return true;
    return !this.lockdown && (this.office || timedOffice);
  }

  /** Releases the lock for `seconds` from `now`. */
  momentary(now: number, seconds: number): void {
    this.unlockFrom = now;
    this.unlockSeconds = Math.max(1, seconds);
    this.unlockUntil = now + this.unlockSeconds * 1000;
  }

  /** Ends a momentary unlock now (lockdown engages the lock at once). */
  relock(now: number): void {
    if (now < this.unlockUntil) this.unlockUntil = now;
  }

  /** The contact changed; answers the event it causes, if any. */
  contact(open: boolean, now: number, timedOffice: boolean, graceMs: number): DoorEventKind | undefined {
    if (open === this.open) return undefined;
    this.open = open;
    if (open) {
      if (!this.unlocked(now, timedOffice)) {
        this.alarm = 'forced';
        this.leftOpenAt = undefined;
        return 'door-forced';
      }
      // Held open by office mode is no alarm; after a momentary unlock it may stand open that long.
      const momentary = now < this.unlockUntil;
      this.leftOpenAt = momentary ? this.unlockFrom + this.unlockSeconds * 1000 + graceMs : undefined;
      return undefined;
    }
    this.leftOpenAt = undefined;
    if (now < this.unlockUntil) this.unlockUntil = now; // relock on close
    const had = this.alarm;
    this.alarm = undefined;
    return had ? 'door-closed' : undefined;
  }

  /** Time passing: a door open past its deadline is reported left open, once. */
  tick(now: number): DoorEventKind | undefined {
    if (!this.open || this.leftOpenAt === undefined || now < this.leftOpenAt) return undefined;
    this.leftOpenAt = undefined;
    this.alarm = 'left-open';
    return 'door-left-open';
  }

  runtime(now: number, timedOffice: boolean): DoorRuntime {
    return {
      doorId: this.doorId,
      unlocked: this.unlocked(now, timedOffice),
      open: this.open,
      office: this.office,
      lockdown: this.lockdown,
    };
  }
}

const FORMAT = 'lintel-control-unit-doors/1';

interface Persisted {
  format: typeof FORMAT;
  office: number[];
  lockdown: number[];
}

/** Office and lockdown per door, in a small JSON file of the unit's data folder (atomic writes). */
export class DoorStateFile {
  constructor(readonly file: string) {}

  load(): { office: Set<number>; lockdown: Set<number> } {
    const empty = { office: new Set<number>(), lockdown: new Set<number>() };
    if (!fs.existsSync(this.file)) return empty;
    try {
      const p = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Partial<Persisted>;
      const ids = (v: unknown) =>
        Array.isArray(v) ? v.filter((x): x is number => Number.isInteger(x) && (x as number) > 0) : [];
      if (p.format !== FORMAT) throw new Error('unknown format');
      return { office: new Set(ids(p.office)), lockdown: new Set(ids(p.lockdown)) };
    } catch (err) {
      throw new Error(`${this.file} is not a control unit door state file: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  save(doors: Iterable<DoorState>): void {
    const office: number[] = [];
    const lockdown: number[] = [];
    for (const d of doors) {
      if (d.office) office.push(d.doorId);
      if (d.lockdown) lockdown.push(d.doorId);
    }
    const content: Persisted = {
      format: FORMAT,
      office: office.sort((a, b) => a - b),
      lockdown: lockdown.sort((a, b) => a - b),
    };
    writeFileAtomic(this.file, `${JSON.stringify(content)}\n`);
  }
}
