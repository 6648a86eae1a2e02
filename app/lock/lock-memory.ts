import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { z } from 'zod';
import { Blacklist, type BlacklistEntry } from '../access/blacklist.js';
import { DoorTablesData } from '../contract/methods/sync.js';
import type { DENIAL_REASONS } from '../contract/deny-reasons.js';
import { writeFileAtomic } from '../keys/atomic-file.js';
import { newX25519Pair, type RawX25519Pair } from '../mobile/group-key.js';
import { packageVersion } from '../package-info.js';
import {
  FACTORY_LOCK_KEY,
  LockAuditRecord,
  LockCardKeys,
  type LockAuditEvent,
  type LockReport,
} from '../ppd/round.js';

/**
 * An offline lock's memory, as its EEPROM would hold it: who it is (serial, firmware), what it was
 * initialised for (door, keys, tables, time zone), its blacklist (a fixed number of entries: a lock has
 * far less room than the site), its clock (which drifts), its audit ring and a staged PPD transfer (so
 * a visit cut short resumes). One JSON file, mode 0600 (it holds the lock's keys, as the lock's
 * memory does), written atomically after every change and validated with zod when loaded; the bytes of
 * a staged transfer go to `FILE.staged` (written at their offset and synced before the state counts
 * them, so a crash between the two only leaves bytes the state does not count).
 */

/** Blacklist entries a lock holds unless told otherwise (the site holds 65,535). */
export const DEFAULT_LOCK_BLACKLIST_CAPACITY = 4_000;
/** Audit records the ring keeps before the oldest is overwritten. */
export const DEFAULT_LOCK_AUDIT_CAPACITY = 2_000;
/** The battery level under which the lock records `battery-low` (once per fall below it). */
export const BATTERY_LOW_PERCENT = 15;
const MAX_U32 = 0xffff_ffff;

const Hex16 = z.string().regex(/^[0-9a-f]{32}$/);
const Hex32 = z.string().regex(/^[0-9a-f]{64}$/);
const Int = z.number().int();

const AuditRing = z.strictObject({
  capacity: Int.min(1).max(100_000),
  /** The seq the next record gets (from 1, for the lock's life). */
  nextSeq: Int.min(1),
  /** Oldest first; at most `capacity`. */
  records: z.array(LockAuditRecord),
});

/** The file's contents. */
export const LockState = z.strictObject({
  format: z.literal(1),
  serial: z.string().min(1).max(64),
  firmware: z.string().max(32),
  doorId: Int.min(1).nullable(),
  /** 0: the factory key, {@link FACTORY_LOCK_KEY}. */
  keyVersion: Int.min(0).max(255),
  lockKey: Hex16,
  cardKeys: LockCardKeys.nullable(),
  revision: Int.min(0),
  timeZone: z.string().min(1).max(64).nullable(),
  tables: DoorTablesData.nullable(),
  blacklist: z.strictObject({
    capacity: Int.min(1).max(65_535),
    /** The newest sequence number merged (may be below some entries' after a card with a gap). */
    sequence: Int.min(0),
    /** [credential id, expiry] pairs. */
    entries: z.array(z.tuple([Int.min(0).max(MAX_U32), Int.min(0).max(MAX_U32)])),
  }),
  /** The lock's clock: `lockMs` at the host instant `hostMs`, running `driftPpm` fast (negative: slow). */
  clock: z.strictObject({ hostMs: z.number(), lockMs: z.number(), driftPpm: z.number().min(-1e5).max(1e5) }),
  audit: AuditRing,
  battery: Int.min(0).max(100),
  /** Office mode toggled on by a card with the office privilege (an office door stays open). */
  office: z.boolean(),
  /**
   * A PPD transfer under way: its digest, size and how many bytes were received (the bytes themselves
   * are in the staging file beside the state, so a chunk costs a write of its own size, not the whole).
   */
  staged: z
    .strictObject({
      transferId: z.string().regex(/^[0-9a-f]{64}$/),
      totalBytes: Int.min(1),
      received: Int.min(0),
    })
    .nullable(),
  /** Failed PPD authentications in a row, and until when (lock clock, ms) the lock refuses to try. */
  auth: z.strictObject({ failures: Int.min(0), lockedUntilMs: z.number() }),
  /**
   * The lock's X25519 identity, made at the factory: the NCoder wraps the mobile group key for its
   * public key (docs/mobile-keys.md). Optional: a file from before mobile keys has none, and gets one
   * when it is next opened (as a firmware update would make it).
   */
  identity: z.strictObject({ privateKey: Hex32, publicKey: Hex32 }).optional(),
  /** The site's mobile group key, unwrapped at a commit; absent or null: the lock takes no phones. */
  mobile: z
    .strictObject({ groupKeyId: z.string().regex(/^[0-9a-f]{16}$/), groupKey: Hex32 })
    .nullable()
    .optional(),
});
export type LockState = z.infer<typeof LockState>;

/** A state file that cannot be used. */
export class LockMemoryError extends Error {
  override readonly name = 'LockMemoryError';
}

/** What a new lock is made with. */
export interface FactoryOptions {
  serial?: string;
  blacklistCapacity?: number;
  auditCapacity?: number;
  driftPpm?: number;
  battery?: number;
}

/** A lock as it leaves the factory: a random serial, the factory key, no door, its clock right. */
export function factoryState(nowMs: number, o: FactoryOptions = {}): LockState {
  return {
    format: 1,
    serial: o.serial ?? `LK-${randomBytes(4).toString('hex').toUpperCase()}`,
    firmware: `lintel-lock ${packageVersion()}`.slice(0, 32),
    doorId: null,
    keyVersion: 0,
    lockKey: FACTORY_LOCK_KEY,
    cardKeys: null,
    revision: 0,
    timeZone: null,
    tables: null,
    blacklist: { capacity: o.blacklistCapacity ?? DEFAULT_LOCK_BLACKLIST_CAPACITY, sequence: 0, entries: [] },
    clock: { hostMs: nowMs, lockMs: nowMs, driftPpm: o.driftPpm ?? 0 },
    audit: { capacity: o.auditCapacity ?? DEFAULT_LOCK_AUDIT_CAPACITY, nextSeq: 1, records: [] },
    battery: o.battery ?? 100,
    office: false,
    staged: null,
    auth: { failures: 0, lockedUntilMs: 0 },
    identity: newIdentity(),
    mobile: null,
  };
}

function newIdentity(): { privateKey: string; publicKey: string } {
  const pair = newX25519Pair();
  const out = { privateKey: pair.privateKey.toString('hex'), publicKey: pair.publicKey.toString('hex') };
  pair.privateKey.fill(0);
  return out;
}

/** The new audit record's fields (seq and time come from the lock). */
export interface AuditInput {
  event: LockAuditEvent;
  credentialId?: number | null;
  reason?: (typeof DENIAL_REASONS)[number] | null;
  detail?: string | null;
}

/**
 * The lock's memory, live: the state plus the blacklist as the engine uses it (kept in step: the
 * Blacklist has no list of its entries, so the state keeps its own copy of what was merged).
 */
export class LockMemory {
  private blacklistCache: Blacklist | undefined;
  /** The staged transfer's bytes when there is no file. */
  private stagedInMemory = Buffer.alloc(0);

  private constructor(
    private s: LockState,
    /** Where it is saved; undefined: in memory only (tests). */
    readonly file: string | undefined,
    /** The host's clock, ms (the lock's runs from it, with its offset and drift). */
    readonly hostNow: () => number,
  ) {}

  /** A new lock, saved at once when it has a file. */
  static factory(file: string | undefined, hostNow: () => number, o: FactoryOptions = {}): LockMemory {
    const m = new LockMemory(factoryState(hostNow(), o), file, hostNow);
    m.save();
    return m;
  }

  /** Loads a lock's file, or makes a factory-new lock there when it does not exist yet. */
  static open(file: string, hostNow: () => number, o: FactoryOptions = {}): LockMemory {
    if (!fs.existsSync(file)) return LockMemory.factory(file, hostNow, o);
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new LockMemoryError(
        `${file} is not a lock state file (${err instanceof Error ? err.message : String(err)}): ` +
          'restore it from a copy, or delete it to start a factory-new lock',
        { cause: err },
      );
    }
    const parsed = LockState.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new LockMemoryError(
        `${file} is damaged (${issue ? `${issue.path.join('.') || 'top'}: ${issue.message}` : 'invalid'}): ` +
          'restore it from a copy, or delete it to start a factory-new lock',
      );
    }
    const m = new LockMemory(parsed.data, file, hostNow);
    if (!m.s.identity) m.update((s) => (s.identity = newIdentity()));
    const staged = m.s.staged;
    // A staging file shorter than the state says (lost, or copied without it): the transfer starts over.
    if (staged && m.stagedBytes().length !== staged.received) m.s.staged = { ...staged, received: 0 };
    // Built now: entries over the capacity or listed twice fail here, not at the door.
    if (m.blacklist.length !== parsed.data.blacklist.entries.length)
      throw new LockMemoryError(
        `${file} is damaged (a credential is listed twice in the blacklist): restore it from a copy`,
      );
    return m;
  }

  /** A read-only view of the state. */
  get state(): Readonly<LockState> {
    return this.s;
  }

  /** Writes the state (atomically, mode 0600). */
  save(): void {
    if (this.file) writeFileAtomic(this.file, `${JSON.stringify(this.s)}\n`, 0o600);
  }

  /** Changes the state and saves it. */
  update(change: (s: LockState) => void): void {
    change(this.s);
    this.save();
  }

  /** Replaces the whole state (an update applied at once) and saves it. */
  replace(next: LockState): void {
    this.s = next;
    this.blacklistCache = undefined;
    this.save();
  }

  private get stagingFile(): string | undefined {
    return this.file && `${this.file}.staged`;
  }

  /** Starts a new staged transfer (forgetting any other). */
  stageBegin(transferId: string, totalBytes: number): void {
    const f = this.stagingFile;
    if (f) {
      const fd = fs.openSync(f, 'w', 0o600);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
    } else this.stagedInMemory = Buffer.alloc(0);
    this.update((s) => {
      s.staged = { transferId, totalBytes, received: 0 };
    });
  }

  /** Adds the next bytes of the staged transfer (at `received`); durable before it is counted. */
  stageAppend(bytes: Uint8Array): void {
    const staged = this.s.staged;
    if (!staged) throw new Error('no staged transfer');
    const f = this.stagingFile;
    if (f) {
      const fd = fs.openSync(f, 'r+');
      try {
        fs.writeSync(fd, bytes, 0, bytes.length, staged.received);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } else this.stagedInMemory = Buffer.concat([this.stagedInMemory.subarray(0, staged.received), bytes]);
    this.update((s) => {
      s.staged = { ...staged, received: staged.received + bytes.length };
    });
  }

  /** The staged bytes received so far (what the state counts; a missing staging file reads as none). */
  stagedBytes(): Buffer {
    const staged = this.s.staged;
    if (!staged) return Buffer.alloc(0);
    const f = this.stagingFile;
    if (!f) return Buffer.from(this.stagedInMemory.subarray(0, staged.received));
    let data: Buffer;
    try {
      data = fs.readFileSync(f);
    } catch {
      data = Buffer.alloc(0);
    }
    return data.subarray(0, staged.received);
  }

  /** Forgets the staged transfer (after its commit, or when it was refused). */
  stageClear(): void {
    this.stagedInMemory = Buffer.alloc(0);
    if (this.s.staged) {
      this.update((s) => {
        s.staged = null;
      });
    }
    const f = this.stagingFile;
    if (f) fs.rmSync(f, { force: true });
  }

  /** Whether the lock was initialised for a door (keys and tables loaded). */
  get initialised(): boolean {
    return (
      this.s.doorId !== null && this.s.cardKeys !== null && this.s.tables !== null && this.s.timeZone !== null
    );
  }

  /** The lock's clock, ms. */
  nowMs(): number {
    const c = this.s.clock;
    return Math.round(c.lockMs + (this.hostNow() - c.hostMs) * (1 + c.driftPpm / 1e6));
  }

  /** The lock's clock, epoch seconds. */
  nowSeconds(): number {
    return Math.max(0, Math.floor(this.nowMs() / 1000));
  }

  /** Sets the clock to `lockMs` now (the drift stays: it is the crystal's). */
  setClock(lockMs: number): void {
    this.update((s) => {
      s.clock = { ...s.clock, hostMs: this.hostNow(), lockMs };
    });
  }

  /** The blacklist the engine uses. */
  get blacklist(): Blacklist {
    if (!this.blacklistCache) {
      const b = this.s.blacklist;
      try {
        // seq 0 for every entry: the list's own sequence (below some entries after a gap) is set next.
        this.blacklistCache = new Blacklist(
          b.entries.map(([credentialId, expiresAt]) => ({ seq: 0, credentialId, expiresAt })),
          b.capacity,
        );
      } catch (err) {
        throw new LockMemoryError(
          `the lock's blacklist cannot be loaded (${err instanceof Error ? err.message : String(err)})`,
          { cause: err },
        );
      }
      this.blacklistCache.advanceTo(b.sequence);
    }
    return this.blacklistCache;
  }

  /**
   * Records what a merge into {@link blacklist} added (the entries it was given, newer than `before`),
   * so the saved copy matches what the engine holds.
   */
  noteMerged(entries: readonly BlacklistEntry[], before: number): void {
    const list = this.blacklist;
    this.update((s) => {
      const byId = new Map(s.blacklist.entries);
      for (const e of entries) {
        if (e.seq <= before || !list.has(e.credentialId)) continue;
        const expiry = Math.min(Math.floor(e.expiresAt), MAX_U32);
        byId.set(e.credentialId, Math.max(byId.get(e.credentialId) ?? 0, expiry));
      }
      s.blacklist.entries = [...byId].sort((a, b) => a[0] - b[0]);
      s.blacklist.sequence = list.sequence;
    });
  }

  /** Appends one record to the audit ring (the oldest goes when it is full); answers it. */
  audit(input: AuditInput): LockAuditRecord {
    const record: LockAuditRecord = {
      seq: this.s.audit.nextSeq,
      at: this.nowSeconds(),
      event: input.event,
      credentialId: input.credentialId ?? null,
      reason: input.reason ?? null,
      detail: input.detail === undefined || input.detail === null ? null : input.detail.slice(0, 200),
    };
    this.update((s) => {
      s.audit.records.push(record);
      if (s.audit.records.length > s.audit.capacity)
        s.audit.records.splice(0, s.audit.records.length - s.audit.capacity);
      s.audit.nextSeq++;
    });
    return record;
  }

  /** The ring's records from `fromSeq` on, oldest first, at most `max`. */
  auditFrom(fromSeq: number, max: number): LockAuditRecord[] {
    const out: LockAuditRecord[] = [];
    for (const r of this.s.audit.records) {
      if (r.seq < fromSeq) continue;
      if (out.length >= max) break;
      out.push(r);
    }
    return out;
  }

  /** Sets the battery level, recording `battery-low` when it falls under {@link BATTERY_LOW_PERCENT}. */
  setBattery(percent: number): void {
    if (!Number.isInteger(percent) || percent < 0 || percent > 100)
      throw new RangeError(`battery ${percent}: give a percentage, 0 to 100`);
    const was = this.s.battery;
    this.update((s) => {
      s.battery = percent;
    });
    if (percent < BATTERY_LOW_PERCENT && was >= BATTERY_LOW_PERCENT)
      this.audit({ event: 'battery-low', detail: `${percent}%` });
  }

  /** The lock's X25519 identity (raw), or undefined for a state without one (in memory only). */
  identityPair(): RawX25519Pair | undefined {
    const id = this.s.identity;
    return (
      id && { privateKey: Buffer.from(id.privateKey, 'hex'), publicKey: Buffer.from(id.publicKey, 'hex') }
    );
  }

  /** The mobile group key the lock holds, or undefined: it takes no phones yet. */
  mobileKey(): { groupKeyId: Buffer; groupKey: Buffer } | undefined {
    const m = this.s.mobile;
    return m
      ? { groupKeyId: Buffer.from(m.groupKeyId, 'hex'), groupKey: Buffer.from(m.groupKey, 'hex') }
      : undefined;
  }

  /** What the lock says about itself. */
  report(): LockReport {
    const s = this.s;
    const newest = s.audit.records.at(-1);
    return {
      serial: s.serial,
      firmware: s.firmware,
      doorId: s.doorId,
      keyVersion: s.keyVersion,
      revision: s.revision,
      blacklistSeq: s.blacklist.sequence,
      blacklistSize: s.blacklist.entries.length,
      blacklistCapacity: s.blacklist.capacity,
      battery: s.battery,
      clock: this.nowSeconds(),
      auditSeq: newest?.seq ?? 0,
      ...(s.identity && { publicKey: s.identity.publicKey }),
    };
  }
}
