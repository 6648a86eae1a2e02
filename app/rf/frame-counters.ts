import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from '../keys/atomic-file.js';
import type { Eui64 } from './eui64.js';

/**
 * CCM* is only safe while a (key, nonce) pair is never used twice, and the nonce is the sender's
 * address, its frame counter and the level: so a sender's counter must never repeat, even across a
 * crash, and a receiver must never accept a counter it has accepted before, even across its restart.
 *
 * - {@link OutgoingCounter}: persisted reserve-ahead. The file holds a ceiling `reserve` counters
 *   ahead of the last one used; a restart continues AT the ceiling, so the counters handed out before
 *   the crash (all below it) are skipped, never repeated. One write per `reserve` frames, not per frame.
 * - {@link ReplayGuard}: per sender and key, the highest counter accepted. A frame is accepted only
 *   above it, and the new highest is persisted before the frame is acted on (`accept` at once; or
 *   `record` then `persist` once for a burst — group commit, as RfEndpoint does).
 *
 * The window is per (sender, key) — the key named by a fingerprint, not the key — because nonce reuse
 * only matters under one key: a lock that joins with a fresh join key starts a fresh window there.
 * Counter 0xffffffff is never sent (802.15.4 reserves it): at that point the sender refuses and a
 * new key is needed. One small JSON file (mode 0600, replaced atomically, validated when read) holds
 * both, for one radio.
 */

/** The last counter a sender may use; the next frame needs a new key. */
export const LAST_FRAME_COUNTER = 0xffff_fffe;
/** Counters reserved by each write of the outgoing ceiling. */
export const DEFAULT_COUNTER_RESERVE = 1_000;

const Counter = z.number().int().min(0).max(0xffff_ffff);
/** `EUI-64/key fingerprint` (8 hex digits). */
const WindowKey = z.string().regex(/^[0-9A-F]{16}\/[0-9a-f]{8}$/);

export const CounterFileData = z.strictObject({
  format: z.literal(1),
  /** The next outgoing counter after a restart (every counter below may have been used). */
  outgoingCeiling: Counter,
  /** Highest counter accepted, by `EUI-64/key fingerprint`. */
  incoming: z.record(WindowKey, Counter),
});
export type CounterFileData = z.infer<typeof CounterFileData>;

/** The sender has used its last counter under this key. */
export class CounterExhaustedError extends Error {
  constructor() {
    super('RF frame counter exhausted (2^32 − 1 frames sent): the network key must be changed');
    this.name = 'CounterExhaustedError';
  }
}

/** The counter file is unreadable or not a counter file. */
export class CounterFileError extends Error {
  constructor(file: string, why: string) {
    super(`RF counter file ${file}: ${why} (move it aside only if the radio's keys are changed too)`);
    this.name = 'CounterFileError';
  }
}

/** Names a key in the file without keeping anything that helps find it. */
export function keyFingerprint(key: Uint8Array): string {
  return createHash('sha256').update('lintel-rf-key-id/1').update(key).digest('hex').slice(0, 8);
}

/** One radio's counters, in a file (created empty when missing). */
export class CounterFile {
  private dirty = false;

  private constructor(
    readonly file: string,
    private data: CounterFileData,
  ) {}

  static open(file: string): CounterFile {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      const cf = new CounterFile(file, { format: 1, outgoingCeiling: 0, incoming: {} });
      cf.save();
      return cf;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new CounterFileError(file, 'not JSON');
    }
    const parsed = CounterFileData.safeParse(json);
    if (!parsed.success) throw new CounterFileError(file, z.prettifyError(parsed.error));
    return new CounterFile(file, parsed.data);
  }

  /** A copy of what the file holds. */
  snapshot(): CounterFileData {
    return structuredClone(this.data);
  }

  get outgoingCeiling(): number {
    return this.data.outgoingCeiling;
  }

  /** Persists a new ceiling before any counter below it is handed out. */
  raiseOutgoingCeiling(ceiling: number): void {
    this.data.outgoingCeiling = ceiling;
    this.save();
  }

  highest(window: string): number | undefined {
    return this.data.incoming[window];
  }

  /** Records a new highest counter; persisted now, or with `persist: false` at the next {@link flush}. */
  setHighest(window: string, counter: number, opts: { persist?: boolean } = {}): void {
    this.data.incoming[window] = counter;
    this.dirty = true;
    if (opts.persist ?? true) this.save();
  }

  /** Persists what was recorded without persisting (nothing when there is none). */
  flush(): void {
    if (this.dirty) this.save();
  }

  /** Drops every window of `sender`. */
  forget(sender: Eui64): void {
    for (const key of Object.keys(this.data.incoming))
      if (key.startsWith(`${sender}/`)) delete this.data.incoming[key];
    this.save();
  }

  private save(): void {
    writeFileAtomic(this.file, `${JSON.stringify(this.data)}\n`);
    this.dirty = false;
  }
}

/** Hands out frame counters that never repeat, across restarts. */
export class OutgoingCounter {
  private nextValue: number;
  private readonly reserve: number;

  constructor(
    private readonly file: CounterFile,
    opts: { reserve?: number } = {},
  ) {
    this.reserve = opts.reserve ?? DEFAULT_COUNTER_RESERVE;
    if (!Number.isInteger(this.reserve) || this.reserve < 1)
      throw new RangeError('counter reserve: at least 1');
    // Everything below the ceiling may have been sent before a crash: start at it.
    this.nextValue = file.outgoingCeiling;
  }

  /** The next counter (persisting a new ceiling first when the reserve is used up). */
  next(): number {
    const n = this.nextValue;
    if (n > LAST_FRAME_COUNTER) throw new CounterExhaustedError();
    if (n >= this.file.outgoingCeiling)
      this.file.raiseOutgoingCeiling(Math.min(n + this.reserve, LAST_FRAME_COUNTER + 1));
    this.nextValue = n + 1;
    return n;
  }

  /** Counters left under this key. */
  get remaining(): number {
    return LAST_FRAME_COUNTER + 1 - this.nextValue;
  }
}

/** Accepts each (sender, key, counter) at most once, and only above what was accepted before. */
export class ReplayGuard {
  constructor(private readonly file: CounterFile) {}

  private window(sender: Eui64, key: Uint8Array): string {
    return `${sender}/${keyFingerprint(key)}`;
  }

  /** Whether `counter` would be accepted (nothing recorded). */
  fresh(sender: Eui64, counter: number, key: Uint8Array): boolean {
    if (!Number.isInteger(counter) || counter < 0 || counter > LAST_FRAME_COUNTER) return false;
    const highest = this.file.highest(this.window(sender, key));
    return highest === undefined || counter > highest;
  }

  /**
   * Records `counter` as the highest from `sender` under `key` (persisted before returning) and says
   * whether it was fresh. Call it only for an authenticated frame, before acting on it.
   */
  accept(sender: Eui64, counter: number, key: Uint8Array): boolean {
    if (!this.fresh(sender, counter, key)) return false;
    this.file.setHighest(this.window(sender, key), counter);
    return true;
  }

  /**
   * Records `counter` like {@link accept} but in memory only: {@link persist} must run before the
   * frame is acted on. Lets a receiver persist a burst of frames with one write (a write with its
   * fsyncs costs milliseconds, more than a frame's airtime).
   */
  record(sender: Eui64, counter: number, key: Uint8Array): boolean {
    if (!this.fresh(sender, counter, key)) return false;
    this.file.setHighest(this.window(sender, key), counter, { persist: false });
    return true;
  }

  /** Persists what {@link record} recorded. */
  persist(): void {
    this.file.flush();
  }

  /** The highest counter accepted from `sender` under `key`, if any. */
  highest(sender: Eui64, key: Uint8Array): number | undefined {
    return this.file.highest(this.window(sender, key));
  }

  /** Forgets `sender`'s windows (see RfEndpoint.forgetPeer). */
  forget(sender: Eui64): void {
    this.file.forget(sender);
  }
}
