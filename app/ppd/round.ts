import { z } from 'zod';
import { DoorTablesData } from '../contract/methods/sync.js';
import { CARD_AUDIT_EVENTS } from '../contract/methods/encoder.js';
import { DENIAL_REASONS } from '../contract/deny-reasons.js';

/**
 * The technician's round as it travels: the Service builds a {@link Round} (one {@link LockTask} per
 * offline lock to visit) and loads it into the PPD over the serial link (app/ppd); the PPD carries each
 * task to its lock (app/lock, the PPD↔lock link) and brings back one {@link VisitResult} per visit,
 * which the Service imports when the PPD is plugged in again. One schema serves the Service, the PPD
 * simulator and the lock simulator, so what one end writes the other validates the same way.
 *
 * Keys are 16-byte AES keys as 32 lowercase hex digits. They are in clear only inside the sealed
 * session of each link (the console↔PPD session under the PPD's pairing key, the PPD↔lock session
 * under the lock's key) and in the PPD's own memory while the round lasts.
 */

const Id = z.number().int().positive();
const Seq = z.number().int().nonnegative();
const EpochSeconds = z.number().int().nonnegative();
const Hex16 = z.string().regex(/^[0-9a-f]{32}$/, 'a 16-byte key as 32 lowercase hex digits');

/** The card keys an offline lock holds: it reads cards and appends audit records, nothing more. */
export const LockCardKeys = z.strictObject({
  siteId: z.string().min(1).max(100),
  keyVersion: z.number().int().min(0).max(255),
  /** The site-level card lock key (diversified per card UID by the lock). */
  lock: Hex16,
  /** The site's UID-read key (random-ID cards). */
  uidRead: Hex16,
});
export type LockCardKeys = z.infer<typeof LockCardKeys>;

/** A blacklist entry as a lock holds it (app/access BlacklistEntry). */
export const LockBlacklistEntry = z.strictObject({
  seq: Id,
  credentialId: Id,
  expiresAt: EpochSeconds,
});

/**
 * What a lock is loaded with at one visit, applied whole or not at all: its door's configuration and
 * time tables, the site's time zone, the whole blacklist (replacing what the lock holds: cards only
 * ever carried the newest entries, so only the PPD can close the gaps), and at initialisation or after
 * a key change its keys.
 */
export const LockUpdate = z.strictObject({
  doorId: Id,
  /** The access-model revision the configuration was compiled at. */
  revision: Seq,
  timeZone: z.string().min(1).max(64),
  tables: DoorTablesData,
  blacklist: z.strictObject({
    latestSeq: Seq,
    entries: z.array(LockBlacklistEntry).max(65_535),
  }),
  /** Present at initialisation and when the site's card keys change. */
  cardKeys: LockCardKeys.optional(),
  /** Present at initialisation and at a lock key change: the key the lock authenticates the PPD with from now on. */
  newLockKey: z.strictObject({ key: Hex16, version: z.number().int().min(1).max(255) }).optional(),
  /**
   * The site's mobile group key wrapped for this lock's X25519 identity by the NCoder
   * (app/mobile/group-key.ts); the lock unwraps it at the commit. Absent: the lock keeps what it has.
   */
  mobileKey: z
    .strictObject({
      groupKeyId: z.string().regex(/^[0-9a-f]{16}$/, 'a group key id as 16 lowercase hex digits'),
      wrapped: z.string().regex(/^[0-9a-f]{160}$/, 'a wrapped group key as 160 lowercase hex digits'),
    })
    .optional(),
});
export type LockUpdate = z.infer<typeof LockUpdate>;

/** An emergency opening the PPD may perform once at one lock, until `validUntil`. */
export const EmergencyOpening = z.strictObject({
  /** Who loaded it, for the lock's and the Service's audit trail. */
  operatorId: Id,
  operatorName: z.string().max(200),
  reason: z.string().min(1).max(200),
  validUntil: EpochSeconds,
});
export type EmergencyOpening = z.infer<typeof EmergencyOpening>;

/** One lock to visit. */
export const LockTask = z.strictObject({
  doorId: Id,
  doorName: z.string().max(200),
  /**
   * The key the lock holds now, to authenticate it: its lock key, or for a lock never initialised the
   * factory key (all zeros, version 0).
   */
  authKey: Hex16,
  authKeyVersion: z.number().int().min(0).max(255),
  /** Absent for a visit that only collects the audit trail or opens in an emergency. */
  update: LockUpdate.optional(),
  emergency: EmergencyOpening.optional(),
});
export type LockTask = z.infer<typeof LockTask>;

/** A round: the tasks one PPD carries, loaded at once. */
export const Round = z.strictObject({
  /** A random id (UUID): results name it, so a result from an older round is told apart. */
  roundId: z.string().uuid(),
  siteId: z.string().min(1).max(100),
  createdAt: EpochSeconds,
  createdBy: z.string().max(200),
  tasks: z.array(LockTask).max(5000),
});
export type Round = z.infer<typeof Round>;

/** Events a lock records in its own audit trail (what a card records, plus the lock's own). */
export const LOCK_AUDIT_EVENTS = [
  ...CARD_AUDIT_EVENTS,
  'emergency-opened',
  'updated',
  'clock-set',
  'battery-low',
] as const;
export const LockAuditEvent = z.enum(LOCK_AUDIT_EVENTS);
export type LockAuditEvent = z.infer<typeof LockAuditEvent>;

/** One record of a lock's audit trail (a ring in the lock's memory; `seq` numbers them for the lock's life). */
export const LockAuditRecord = z.strictObject({
  /** Per lock, from 1, never reused: the Service imports each (lock, seq) once. */
  seq: Id,
  /** The lock's clock, epoch seconds. */
  at: EpochSeconds,
  event: LockAuditEvent,
  credentialId: Id.nullable(),
  /** Why the lock refused (`denied` only). */
  reason: z.enum(DENIAL_REASONS).nullable(),
  /** Free detail (operator of an emergency opening, entries merged, clock correction in seconds). */
  detail: z.string().max(200).nullable(),
});
export type LockAuditRecord = z.infer<typeof LockAuditRecord>;

/** What a lock says about itself (read at every visit, before and after the update). */
export const LockReport = z.strictObject({
  /** The lock's serial number (factory), so a lock swapped on a door is noticed. */
  serial: z.string().min(1).max(64),
  firmware: z.string().max(32),
  /** Null while the lock has never been initialised. */
  doorId: Id.nullable(),
  keyVersion: z.number().int().min(0).max(255),
  revision: Seq,
  blacklistSeq: Seq,
  blacklistSize: Seq,
  blacklistCapacity: Id,
  /** Percent. */
  battery: z.number().int().min(0).max(100),
  /** The lock's clock, epoch seconds, when it answered. */
  clock: EpochSeconds,
  /** The newest audit record's seq (0: none yet). */
  auditSeq: Seq,
  /** The lock's X25519 identity public key (hex), for the NCoder to wrap the mobile group key to. */
  publicKey: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});
export type LockReport = z.infer<typeof LockReport>;

/** What the PPD brings back from one visit. */
export const VisitResult = z.strictObject({
  roundId: z.string().uuid(),
  doorId: Id,
  /** The PPD's clock when the visit ended, epoch seconds. */
  visitedAt: EpochSeconds,
  outcome: z.enum(['updated', 'collected', 'emergency-opened', 'failed']),
  /** Why it failed, in words for the console (`failed` only). */
  error: z.string().max(500).nullable(),
  /** What the lock said after the visit (null when it could not be read). */
  lock: LockReport.nullable(),
  /** The lock's clock minus the PPD's when the PPD set it, seconds (null: not set). */
  clockDriftSeconds: z.number().int().nullable(),
  /** The audit records collected, oldest first (the lock keeps them; the Service drops repeats by seq). */
  audit: z.array(LockAuditRecord).max(100_000),
});
export type VisitResult = z.infer<typeof VisitResult>;

/** The factory key of a lock never initialised (as DESFire's: all zeros), version 0. */
export const FACTORY_LOCK_KEY = '0'.repeat(32);
