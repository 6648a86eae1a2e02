import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { fsyncDir, writeFileAtomic } from '../keys/atomic-file.js';
import { decodeRound, payloadDigest } from './ppd-payloads.js';
import { VisitResult, type Round } from './round.js';

/**
 * The PPD's persistent memory: what a real PPD keeps in flash across power cycles. One JSON state file
 * (mode 0600: it holds the pairing key; replaced atomically on every change) with the serial number,
 * the pairing (key, the site tag it was paired with, the site its first round named), the round it
 * carries, which of its tasks were visited, and the visit results not yet acknowledged by the console.
 *
 * The round's bytes (compressed, as they travelled; they hold lock keys, so mode 0600 too) live beside
 * it, not in it, so a chunk costs one append and not a rewrite of megabytes:
 *   FILE.loading           the round being loaded, appended chunk by chunk (a cut load resumes from its size)
 *   FILE.round-DIGEST      the committed round, named by its digest: the state file names the one in force,
 *                          so a crash between "rename" and "save" leaves the old round, never a mix.
 * Results are acknowledged only by the console, after it stored them: nothing it received is lost, and
 * what it acknowledged is forgotten.
 */

const Hex16 = z.string().regex(/^[0-9a-f]{32}$/);
const Hex32 = z.string().regex(/^[0-9a-f]{64}$/);
const Label = z.string().regex(/^[\x21-\x7e]{1,40}$/, 'printable ASCII, no spaces, 1 to 40 characters');
const Count = z.number().int().nonnegative();

const StateFile = z.strictObject({
  format: z.literal('lintel-ppd-sim/1'),
  serial: Label,
  firmware: Label,
  battery: z.number().int().min(0).max(100),
  pairing: z
    .strictObject({
      key: Hex16,
      siteTag: Hex16,
      /** The site the first round after pairing named; rounds for another site are refused. */
      siteId: z.string().min(1).max(100).nullable(),
    })
    .nullable(),
  loading: z
    .strictObject({ roundId: z.string().min(1).max(64), digest: Hex32, totalBytes: Count })
    .nullable(),
  round: z
    .strictObject({
      roundId: z.string().min(1).max(64),
      siteId: z.string().min(1).max(100),
      digest: Hex32,
      totalBytes: Count,
      tasks: Count,
      /** Doors of the round a visit produced a result for (done, successfully or not). */
      visited: z.array(z.number().int().positive()),
    })
    .nullable(),
  results: z.array(VisitResult),
  /** The seq of the last result acknowledged (results are numbered from 1, never reused). */
  ackedThrough: Count,
});
type StateFile = z.infer<typeof StateFile>;

/** The state file or the round beside it is unreadable. */
export class PpdMemoryError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(`ppd-memory: ${message}`, options);
    this.name = 'PpdMemoryError';
  }
}

/** The pairing the PPD holds. */
export interface PpdPairing {
  key: Buffer;
  siteTag: Buffer;
  siteId: string | null;
}

/** A load in progress. */
export interface PpdLoading {
  roundId: string;
  digest: Buffer;
  totalBytes: number;
  loadedBytes: number;
}

/** The round in force. */
export interface PpdRound {
  round: Round;
  digest: Buffer;
  totalBytes: number;
  visited: ReadonlySet<number>;
}

export interface PpdMemoryOptions {
  /** Serial number of a new PPD (a state file keeps the one it was created with). */
  serial?: string;
  firmware?: string;
}

export class PpdMemory {
  private state: StateFile;
  private roundCache: PpdRound | null = null;
  private version = 0;

  private constructor(
    readonly file: string,
    state: StateFile,
  ) {
    this.state = state;
  }

  /** Opens the memory in `file`, creating a fresh (factory) PPD when it does not exist. */
  static open(file: string, opts: PpdMemoryOptions = {}): PpdMemory {
    const resolved = path.resolve(file);
    let state: StateFile;
    if (fs.existsSync(resolved)) {
      let raw: unknown;
      try {
        raw = JSON.parse(fs.readFileSync(resolved, 'utf8'));
      } catch (err) {
        throw new PpdMemoryError(`${resolved} is not JSON: is it a PPD state file?`, { cause: err });
      }
      const parsed = StateFile.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new PpdMemoryError(
          `${resolved} is not a PPD state file (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}): give another --state file, or delete it for a factory-new PPD`,
        );
      }
      state = parsed.data;
    } else {
      state = {
        format: 'lintel-ppd-sim/1',
        serial: opts.serial ?? `PPD-${randomBytes(4).toString('hex').toUpperCase()}`,
        firmware: opts.firmware ?? '1.0.0-sim',
        battery: 100,
        pairing: null,
        loading: null,
        round: null,
        results: [],
        ackedThrough: 0,
      };
      if (!Label.safeParse(state.serial).success || !Label.safeParse(state.firmware).success)
        throw new PpdMemoryError('serial and firmware are 1 to 40 printable ASCII characters, no spaces');
    }
    const memory = new PpdMemory(resolved, state);
    memory.loadRound();
    memory.save();
    return memory;
  }

  get serial(): string {
    return this.state.serial;
  }

  get firmware(): string {
    return this.state.firmware;
  }

  get battery(): number {
    return this.state.battery;
  }

  /** Bumped on every change (the device caches the serialized results by it). */
  get changes(): number {
    return this.version;
  }

  get pairing(): PpdPairing | null {
    const p = this.state.pairing;
    return p && { key: Buffer.from(p.key, 'hex'), siteTag: Buffer.from(p.siteTag, 'hex'), siteId: p.siteId };
  }

  get loading(): PpdLoading | null {
    const l = this.state.loading;
    if (!l) return null;
    let size: number;
    try {
      size = fs.statSync(this.loadingFile).size;
    } catch {
      size = 0; // the staging file is gone (never written, or a crash before its first chunk)
    }
    return {
      roundId: l.roundId,
      digest: Buffer.from(l.digest, 'hex'),
      totalBytes: l.totalBytes,
      loadedBytes: Math.min(size, l.totalBytes),
    };
  }

  /** The committed round, with the doors visited so far. */
  get round(): PpdRound | null {
    return this.roundCache;
  }

  /** Visit results not yet acknowledged, oldest first. */
  get results(): readonly VisitResult[] {
    return this.state.results;
  }

  /** Stores a pairing (PAIR). */
  pair(key: Uint8Array, siteTag: Uint8Array): void {
    this.update((s) => {
      s.pairing = {
        key: Buffer.from(key).toString('hex'),
        siteTag: Buffer.from(siteTag).toString('hex'),
        siteId: null,
      };
    });
  }

  /** Factory reset: forgets the pairing, the round, the load and the results; keeps the serial (and the seq, never reused). */
  reset(): void {
    const old = this.state.round;
    this.update((s) => {
      s.pairing = null;
      s.loading = null;
      s.round = null;
      s.ackedThrough += s.results.length;
      s.results = [];
    });
    this.roundCache = null;
    this.removeQuietly(this.loadingFile);
    if (old) this.removeQuietly(this.roundFile(old.digest));
  }

  /** Starts loading a round from byte 0 (the bytes of any earlier load are dropped). */
  startLoad(roundId: string, digest: Uint8Array, totalBytes: number): void {
    const fd = fs.openSync(this.loadingFile, 'w', 0o600);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    this.update((s) => {
      s.loading = { roundId, digest: Buffer.from(digest).toString('hex'), totalBytes };
    });
  }

  /** Writes round bytes at `offset` (the end of what was loaded) and makes them durable. */
  appendLoad(offset: number, bytes: Uint8Array): number {
    const l = this.loading;
    if (!l) throw new PpdMemoryError('no round is being loaded');
    if (offset !== l.loadedBytes || offset + bytes.length > l.totalBytes)
      throw new PpdMemoryError(`bytes at ${offset} do not follow the ${l.loadedBytes} loaded`);
    const fd = fs.openSync(this.loadingFile, 'r+');
    try {
      fs.ftruncateSync(fd, offset);
      fs.writeSync(fd, bytes, 0, bytes.length, offset);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    this.version++;
    return offset + bytes.length;
  }

  /** The bytes loaded so far. */
  loadedBytes(): Buffer {
    return fs.readFileSync(this.loadingFile);
  }

  /** Drops a load in progress (its bytes were wrong). */
  dropLoad(): void {
    this.update((s) => {
      s.loading = null;
    });
    this.removeQuietly(this.loadingFile);
  }

  /**
   * Makes the loaded bytes the round in force (replacing the old one), binding the pairing to the
   * round's site if it was not bound yet. The caller checked the digest and parsed `round` from them.
   */
  commitLoad(round: Round): void {
    const l = this.loading;
    if (!l) throw new PpdMemoryError('no round is being loaded');
    const digestHex = l.digest.toString('hex');
    const old = this.state.round;
    fs.renameSync(this.loadingFile, this.roundFile(digestHex));
    fsyncDir(path.dirname(this.file));
    this.update((s) => {
      s.loading = null;
      s.round = {
        roundId: round.roundId,
        siteId: round.siteId,
        digest: digestHex,
        totalBytes: l.totalBytes,
        tasks: round.tasks.length,
        visited: [],
      };
      if (s.pairing && s.pairing.siteId === null) s.pairing.siteId = round.siteId;
    });
    this.roundCache = { round, digest: l.digest, totalBytes: l.totalBytes, visited: new Set() };
    if (old && old.digest !== digestHex) this.removeQuietly(this.roundFile(old.digest));
  }

  /** Forgets the round in force and any load (the results stay until acknowledged). */
  clearRound(): void {
    const old = this.state.round;
    this.update((s) => {
      s.round = null;
      s.loading = null;
    });
    this.roundCache = null;
    this.removeQuietly(this.loadingFile);
    if (old) this.removeQuietly(this.roundFile(old.digest));
  }

  /** Keeps the result of a visit (durably, before the technician is told it is done). */
  addResult(result: VisitResult): void {
    const parsed = VisitResult.parse(result);
    this.update((s) => {
      s.results.push(parsed);
      if (s.round && s.round.roundId === parsed.roundId && !s.round.visited.includes(parsed.doorId))
        s.round.visited.push(parsed.doorId);
    });
    if (this.roundCache && this.state.round)
      this.roundCache = { ...this.roundCache, visited: new Set(this.state.round.visited) };
  }

  /** The seq of the oldest result held (of the next one when none is held). */
  get firstResultSeq(): number {
    return this.state.ackedThrough + 1;
  }

  /**
   * Forgets every result up to and including seq `through` (the console stored them). A seq already
   * acknowledged changes nothing, so a repeated acknowledgement is harmless; a seq not yet given out
   * is refused.
   */
  ackResults(through: number): void {
    const s0 = this.state;
    if (!Number.isInteger(through) || through > s0.ackedThrough + s0.results.length)
      throw new PpdMemoryError(
        `result ${through} does not exist (results ${s0.ackedThrough + 1}..${s0.ackedThrough + s0.results.length} are held)`,
      );
    if (through <= s0.ackedThrough) return;
    this.update((s) => {
      s.results = s.results.slice(through - s.ackedThrough);
      s.ackedThrough = through;
    });
  }

  private get loadingFile(): string {
    return `${this.file}.loading`;
  }

  private roundFile(digestHex: string): string {
    return `${this.file}.round-${digestHex.slice(0, 16)}`;
  }

  /** Reads the committed round back; one that is gone or corrupt is dropped (the console reloads it). */
  private loadRound(): void {
    const r = this.state.round;
    if (!r) return;
    try {
      const bytes = fs.readFileSync(this.roundFile(r.digest));
      if (payloadDigest(bytes).toString('hex') !== r.digest) throw new Error('digest mismatch');
      const round = decodeRound(bytes);
      this.roundCache = {
        round,
        digest: Buffer.from(r.digest, 'hex'),
        totalBytes: r.totalBytes,
        visited: new Set(r.visited),
      };
    } catch {
      this.state = { ...this.state, round: null };
      this.roundCache = null;
    }
  }

  private update(change: (s: StateFile) => void): void {
    const next = structuredClone(this.state);
    change(next);
    this.save(next); // stored first: a change that cannot be stored does not happen
    this.state = next;
    this.version++;
  }

  private save(state: StateFile = this.state): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    writeFileAtomic(this.file, `${JSON.stringify(state, null, 2)}\n`, 0o600);
  }

  private removeQuietly(file: string): void {
    try {
      fs.rmSync(file, { force: true });
    } catch {
      // already gone
    }
  }
}
