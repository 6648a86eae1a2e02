import { z } from 'zod';
import { method, needs } from '../method.js';
import { NoParams, Timestamp } from '../schemas.js';
import { OperationId } from './operations.js';

/**
 * Offline locks and the Portable Programming Device (PPD). Offline locks never talk to the Service:
 * the technician carries the PPD to them. The console lists the locks that need a visit and why,
 * loads a round of tasks into the PPD over its serial cable, and imports what the PPD brings back
 * (each lock's state and audit trail). docs/ppd.md describes the protocols.
 */

const Id = z.number().int().positive();

/** Why an offline lock needs a visit. */
export const LOCK_VISIT_REASONS = [
  'never-initialised',
  'configuration',
  'blacklist',
  'clock',
  'battery',
  'blacklist-full',
  'keys',
] as const;
export const LockVisitReason = z
  .enum(LOCK_VISIT_REASONS)
  .describe(
    'never-initialised: no PPD has set it up; configuration: its door, periods or calendar changed; blacklist: ' +
      'keys were cancelled since its last visit; clock: its clock has likely drifted more than a minute; battery: ' +
      'below 20 %; blacklist-full: the site blacklist no longer fits in it (compact or cancel fewer); keys: the ' +
      'site card keys changed',
  );
export type LockVisitReason = z.infer<typeof LockVisitReason>;

/** An offline lock as its last PPD visit found it. */
export const OfflineLock = z.object({
  doorId: Id,
  doorName: z.string(),
  serial: z.string().nullable().describe('the lock’s serial number; null until initialised'),
  firmware: z.string().nullable(),
  initialisedAt: Timestamp.nullable(),
  lastVisitAt: Timestamp.nullable(),
  keyVersion: z.number().int().describe('the lock key version it holds (0: factory key)'),
  revision: z.number().int().describe('the configuration revision it holds'),
  currentRevision: z.number().int().describe('the revision its door’s configuration is at now'),
  blacklistSeq: z.number().int().describe('the newest blacklist entry it holds'),
  currentBlacklistSeq: z.number().int().describe('the site’s newest blacklist entry'),
  blacklistSize: z.number().int(),
  blacklistCapacity: z.number().int().nullable(),
  battery: z.number().int().nullable().describe('percent, at the last visit'),
  clockDriftSeconds: z
    .number()
    .int()
    .nullable()
    .describe('its clock minus the PPD’s when last set (positive: it ran fast)'),
  auditSeq: z.number().int().describe('the newest audit record imported from it'),
  needs: z.array(LockVisitReason).describe('why it needs a visit; empty: it does not'),
  inRound: z.string().nullable().describe('the round (loaded in a PPD, not yet synced) that visits it'),
});
export type OfflineLock = z.infer<typeof OfflineLock>;

/** What the serial port says. */
export const SerialPortInfo = z.object({
  path: z.string(),
  manufacturer: z.string().optional(),
  serialNumber: z.string().optional(),
  vendorId: z.string().optional(),
  productId: z.string().optional(),
});

/** A PPD on a serial port, as it answered. */
export const PpdStatus = z.object({
  path: z.string(),
  serial: z.string(),
  firmware: z.string(),
  paired: z
    .enum(['unpaired', 'this-site', 'other-site'])
    .describe('other-site: paired with another site; reset it on the PPD to pair it here'),
  round: z
    .object({
      roundId: z.string(),
      tasks: z.number().int(),
      loadedBytes: z
        .number()
        .int()
        .describe('how much of the round it holds (a cable pulled mid-load: less)'),
      totalBytes: z.number().int(),
      visited: z.number().int().describe('tasks done (successfully or not)'),
    })
    .nullable()
    .describe('the round it carries; null: none'),
  resultsPending: z.number().int().describe('visit results not yet imported (ppd.sync imports them)'),
  battery: z.number().int().describe('percent'),
});
export type PpdStatus = z.infer<typeof PpdStatus>;

/** One lock's result as imported. */
export const VisitSummary = z.object({
  doorId: Id,
  doorName: z.string(),
  outcome: z.enum(['updated', 'collected', 'emergency-opened', 'failed']),
  error: z.string().nullable(),
  visitedAt: Timestamp,
  auditImported: z.number().int().describe('audit records new to the Service (repeats are dropped)'),
});

/** A round loaded into a PPD, as the Service remembers it. */
export const RoundSummary = z.object({
  roundId: z.string(),
  ppdSerial: z.string(),
  createdAt: Timestamp,
  createdBy: z.string(),
  doorIds: z.array(Id),
  emergencyDoorId: Id.nullable(),
  state: z.enum(['loading', 'loaded', 'synced', 'replaced']),
  visits: z.array(VisitSummary),
});
export type RoundSummary = z.infer<typeof RoundSummary>;

const PortCall = z.strictObject({
  path: z.string().min(1).max(300).describe('the PPD’s serial port (ppd.ports lists them)'),
});

/** The offline-lock and PPD methods. */
export const lockMethods = {
  'locks.list': method({
    summary:
      'The offline locks (doors of kind offline), with what their last PPD visit found and why each needs a visit.',
    params: NoParams,
    result: z.object({ locks: z.array(OfflineLock) }),
    access: needs('doors:read'),
    effect: 'read',
    example: {},
  }),
  'ppd.ports': method({
    summary: 'The serial ports the operating system lists (a PPD on a USB-serial cable shows up here).',
    params: NoParams,
    result: z.object({ ports: z.array(SerialPortInfo) }),
    access: needs('ppd:use'),
    effect: 'read',
    example: {},
  }),
  'ppd.status': method({
    summary:
      'Asks the PPD on a serial port who it is, whether it is paired with this site, and what it carries.',
    params: PortCall,
    result: PpdStatus,
    access: needs('ppd:use'),
    effect: 'read',
    example: { path: '/dev/ttyUSB0' },
  }),
  'ppd.pair': method({
    summary: 'Pairs an unpaired PPD with this site (a pairing key kept sealed in the site database).',
    params: PortCall,
    result: PpdStatus,
    access: needs('settings:admin'),
    effect: 'write',
    example: { path: '/dev/ttyUSB0' },
  }),
  'ppd.loadRound': method({
    summary:
      'Builds a round for the given offline locks (update, set the clock, collect the audit trail; an emergency ' +
      'opening needs ppd:emergency) and loads it into the PPD, with progress. A load cut short resumes where it ' +
      'stopped when called again with the same locks; results the PPD still holds must be synced first.',
    params: PortCall.extend({
      doorIds: z.array(Id).min(1).max(5000),
      emergency: z
        .strictObject({ doorId: Id, reason: z.string().min(1).max(200) })
        .optional()
        .describe('one emergency opening, valid for 24 h, at a door of the round'),
      operationId: OperationId.optional(),
    }),
    result: RoundSummary,
    access: needs('ppd:use'),
    effect: 'write',
    example: { path: '/dev/ttyUSB0', doorIds: [3, 4] },
  }),
  'ppd.sync': method({
    summary:
      'Imports what the PPD brought back: each visited lock’s state, and its audit trail into the events (each ' +
      'record once, however often the PPD is synced), then tells the PPD it may forget them.',
    params: PortCall.extend({ operationId: OperationId.optional() }),
    result: z.object({
      rounds: z.array(RoundSummary).describe('the rounds this sync brought visits of, or found finished'),
      imported: z.number().int().describe('visits imported by this sync (0: nothing new)'),
    }),
    access: needs('ppd:use'),
    effect: 'write',
    example: { path: '/dev/ttyUSB0' },
  }),
  'ppd.rounds': method({
    summary: 'The rounds loaded lately, newest first, with their visits.',
    params: z.strictObject({ limit: z.number().int().min(1).max(200).default(20) }),
    result: z.object({ rounds: z.array(RoundSummary) }),
    access: needs('ppd:use'),
    effect: 'read',
    example: { limit: 20 },
  }),
};
