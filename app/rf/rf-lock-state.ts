import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from '../keys/atomic-file.js';
import { Eui64 } from './eui64.js';

/**
 * What an RF lock holds about its radio, beside its lock memory (app/lock/lock-memory.ts, shared with
 * offline locks): its EUI-64, the join key typed in (until it joined), what the join gave it (the node it
 * talks to, the PAN, the network key and version, its door and its lock key, which proves remote opens)
 * and how far the node acknowledged its audit records. One JSON file, mode 0600 (it holds keys), written
 * atomically, validated with zod when loaded. Frame counters are in their own file (frame-counters.ts).
 */

const Hex16 = z.string().regex(/^[0-9a-f]{32}$/);

/** What the join gave the lock. */
export const RfNetwork = z.strictObject({
  /** The RF node's (the control unit's radio's) EUI-64. */
  nodeEui: Eui64,
  panId: z.number().int().min(0).max(0xfffe),
  networkKey: Hex16,
  keyVersion: z.number().int().min(1).max(255),
  doorId: z.number().int().positive(),
  lockKey: Hex16,
  joinedAt: z.number().int().nonnegative(),
});
export type RfNetwork = z.infer<typeof RfNetwork>;

export const RfLockStateData = z.strictObject({
  format: z.literal(1),
  eui64: Eui64,
  /** The join key typed in (`--join CODE`), forgotten once the lock joined. */
  joinKey: Hex16.nullable(),
  network: RfNetwork.nullable(),
  /** The highest audit record seq the node acknowledged (records after it are pushed). */
  eventsAcked: z.number().int().nonnegative(),
});
export type RfLockStateData = z.infer<typeof RfLockStateData>;

/** An RF state file that cannot be used. */
export class RfLockStateError extends Error {
  override readonly name = 'RfLockStateError';
}

/** A random EUI-64 in the locally administered range (bit 1 of the first byte set, multicast bit clear). */
export function randomEui64(): string {
  const b = randomBytes(8);
  b[0] = (b[0]! & 0xfc) | 0x02;
  return b.toString('hex').toUpperCase();
}

/** The RF state, live; every change is saved at once. */
export class RfLockState {
  private constructor(
    private s: RfLockStateData,
    readonly file: string | undefined,
  ) {}

  /** Loads the file, or makes a new state there (`eui` or a random one) when it does not exist. */
  static open(file: string | undefined, eui?: string): RfLockState {
    if (!file || !fs.existsSync(file)) {
      const st = new RfLockState(
        { format: 1, eui64: eui ?? randomEui64(), joinKey: null, network: null, eventsAcked: 0 },
        file,
      );
      st.save();
      return st;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new RfLockStateError(
        `${file} is not an RF lock state file (${err instanceof Error ? err.message : String(err)}): restore it from a copy, or delete it and join the lock again`,
      );
    }
    const parsed = RfLockStateData.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RfLockStateError(
        `${file} is damaged (${issue ? `${issue.path.join('.') || 'top'}: ${issue.message}` : 'invalid'}): restore it from a copy, or delete it and join the lock again`,
      );
    }
    if (eui && eui !== parsed.data.eui64)
      throw new RfLockStateError(
        `${file} belongs to the lock ${parsed.data.eui64}, not ${eui}: leave out --eui, or use another state file`,
      );
    return new RfLockState(parsed.data, file);
  }

  get state(): Readonly<RfLockStateData> {
    return this.s;
  }

  get eui64(): string {
    return this.s.eui64;
  }

  private save(): void {
    if (this.file) writeFileAtomic(this.file, `${JSON.stringify(this.s)}\n`, 0o600);
  }

  private update(change: (s: RfLockStateData) => void): void {
    change(this.s);
    this.save();
  }

  /** A join code typed in: the lock (re)joins with it, whatever network it was on. */
  setJoinKey(key: Buffer): void {
    this.update((s) => {
      s.joinKey = key.toString('hex');
    });
  }

  /** The join was answered: the lock is on the network from now on and forgets its join key. */
  joined(network: RfNetwork): void {
    this.update((s) => {
      s.network = network;
      s.joinKey = null;
    });
  }

  /** The node stored the records up to `seq`. */
  acknowledged(seq: number): void {
    if (seq <= this.s.eventsAcked) return;
    this.update((s) => {
      s.eventsAcked = seq;
    });
  }
}
