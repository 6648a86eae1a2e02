import { z } from 'zod';
import { method, needs } from '../method.js';
import { DisplayName, NoParams, Timestamp, Version } from '../schemas.js';

/**
 * Gateways and control units: the online side of the site. The console registers a device and gets a
 * one-time pairing code; the device enrols with it over the secure UDP link (docs/devices.md), after
 * which its static key is pinned. A control unit drives OSDP wall readers, one door each; it reports to
 * the Service directly or through a gateway. Door commands reach the doors through them.
 */

const Id = z.number().int().positive();

/** What a device is. */
export const DeviceKindSchema = z.enum(['gateway', 'control-unit']);

/** A wall reader on a control unit, and the door it opens. */
export const DeviceReader = z.object({
  address: z.number().int().min(0).max(126).describe('the reader’s OSDP address on its RS485 line'),
  doorId: Id,
});

/** A reader as its control unit last reported it. */
export const ReaderState = z.object({
  address: z.number().int(),
  doorId: Id,
  online: z.boolean(),
  secure: z.boolean().describe('the OSDP Secure Channel is up with the reader’s own key'),
  identity: z.string().nullable().describe('vendor, model, serial number and firmware from osdp_PDID'),
  refused: z.number().int().describe('OSDP frames refused (bad CRC, MAC or sequence number)'),
  tamper: z.boolean(),
});

/** A door as its control unit drives it now. */
export const DoorRuntimeState = z.object({
  doorId: Id,
  unlocked: z.boolean(),
  open: z.boolean(),
  office: z.boolean(),
  lockdown: z.boolean(),
});

/** A gateway or control unit, with what it last reported. */
export const Device = z.object({
  id: Id,
  kind: DeviceKindSchema,
  name: z.string(),
  gatewayId: Id.nullable().describe(
    'the gateway a control unit reports through; null: directly to the Service',
  ),
  readers: z.array(DeviceReader).describe('control units: their readers (gateways: none)'),
  paired: z.boolean(),
  pairingExpiresAt: Timestamp.nullable().describe('while a pairing code is outstanding'),
  pairedAt: Timestamp.nullable(),
  online: z.boolean(),
  lastSeen: Timestamp.nullable(),
  address: z.string().nullable().describe('host:port it was last heard from (through its gateway: null)'),
  softwareVersion: z.string().nullable().describe('the Lintel version it runs'),
  revision: z.number().int().nullable().describe('the configuration revision it holds'),
  currentRevision: z.number().int().describe('the revision it should hold (the site’s)'),
  pendingEvents: z.number().int().nullable().describe('events it holds not yet acknowledged upstream'),
  clockOffsetMs: z.number().int().nullable().describe('its clock minus the Service’s, when last reported'),
  readerStates: z.array(ReaderState),
  doorStates: z.array(DoorRuntimeState),
  refused: z
    .record(z.string(), z.number().int())
    .describe('datagrams its link refused, by reason (malformed, replayed, forged, …)'),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: Version.describe('the record’s version, for devices.update'),
});
export type Device = z.infer<typeof Device>;

/** A fresh pairing code: shown once, valid for a while, used once. */
export const Pairing = z.object({
  code: z
    .string()
    .describe('type it where the device asks (`lintel gateway --enrol CODE`, `lintel sim cu --enrol CODE`)'),
  expiresAt: Timestamp,
  service: z
    .object({ port: z.number().int(), publicKey: z.string() })
    .describe('the Service’s link port and static public key (hex), to check on the device'),
});

/** The Service's own end of the link. */
export const LinkInfo = z.object({
  listening: z.boolean(),
  host: z.string().nullable(),
  port: z.number().int().nullable(),
  publicKey: z.string().describe('the Service’s static public key (hex): devices pin it at enrolment'),
  refused: z.record(z.string(), z.number().int()).describe('datagrams the Service refused, by reason'),
  revision: z.number().int(),
});

/** Door commands. */
export const DoorCommandName = z
  .enum(['open', 'office-on', 'office-off', 'lockdown-on', 'lockdown-off'])
  .describe(
    'open: a momentary release; office: stays unlocked until off; lockdown: refuses every card until off',
  );

export const deviceMethods = {
  'devices.list': method({
    summary: 'Lists the gateways and control units, with their state as they last reported it.',
    params: NoParams,
    result: z.object({ devices: z.array(Device), link: LinkInfo }),
    access: needs('doors:read'),
    effect: 'read',
    example: {},
  }),
  'devices.create': method({
    summary:
      'Registers a gateway or control unit and returns its one-time pairing code. A control unit names its readers ' +
      '(one door each, a door on one reader only) and optionally the gateway it reports through.',
    params: z.strictObject({
      kind: DeviceKindSchema,
      name: DisplayName,
      gatewayId: Id.optional(),
      readers: z.array(DeviceReader).max(127).default([]),
    }),
    result: z.object({ device: Device, pairing: Pairing }),
    access: needs('settings:admin'),
    effect: 'write',
    example: { kind: 'control-unit', name: 'CU main entrance', readers: [{ address: 0, doorId: 1 }] },
  }),
  'devices.update': method({
    summary: 'Renames a device or replaces its readers; fails with CONFLICT on a stale version.',
    params: z.strictObject({
      id: Id,
      version: Version,
      name: DisplayName.optional(),
      readers: z.array(DeviceReader).max(127).optional(),
    }),
    result: Device,
    access: needs('settings:admin'),
    effect: 'write',
    example: { id: 2, version: 0, readers: [{ address: 0, doorId: 1 }] },
  }),
  'devices.pair': method({
    summary:
      'Issues a new one-time pairing code for a device (a replaced device, or a code that expired). The device’s ' +
      'pinned key stays valid until the new code is used.',
    params: z.strictObject({ id: Id }),
    result: Pairing,
    access: needs('settings:admin'),
    effect: 'write',
    example: { id: 2 },
  }),
  'devices.remove': method({
    summary:
      'Forgets a device and unpins its key: it can no longer talk to the site. A gateway with control units behind it is refused (CONFLICT).',
    params: z.strictObject({ id: Id }),
    result: z.object({ removed: z.literal(true) }),
    access: needs('settings:admin'),
    effect: 'write',
    example: { id: 2 },
  }),
  'users.enrollFingerprint': method({
    summary:
      'Enrols a cardholder’s fingerprint at the wall reader of an online door: the reader waits up to `timeoutSeconds` ' +
      'for the finger, and its template is kept for card + fingerprint doors (replacing any earlier one). ' +
      'UNAVAILABLE with reason `no-finger` when none came in time, `not-online` when no paired control unit serves ' +
      'the door, `unreachable` when its unit did not answer.',
    params: z.strictObject({
      userId: Id,
      doorId: Id.describe('an online door whose reader has a fingerprint sensor'),
      timeoutSeconds: z.number().int().min(5).max(60).default(30),
    }),
    result: z.object({ quality: z.number().int().describe('the reader’s quality score, 0–100') }),
    access: needs('users:write'),
    effect: 'write',
    example: { userId: 7, doorId: 1, timeoutSeconds: 30 },
  }),
  'users.clearFingerprint': method({
    summary: 'Forgets a cardholder’s enrolled fingerprint (card + fingerprint doors then refuse them).',
    params: z.strictObject({ userId: Id }),
    result: z.object({ cleared: z.boolean().describe('false when none was enrolled') }),
    access: needs('users:write'),
    effect: 'write',
    example: { userId: 7 },
  }),
  'doors.command': method({
    summary:
      'Sends a command to online doors now: open (a momentary release), office mode on/off, lockdown on/off. ' +
      'Give doors or a zone (every online door in it). Answers which doors applied it and which were unreachable.',
    params: z
      .strictObject({
        command: DoorCommandName,
        doorIds: z.array(Id).min(1).max(1000).optional(),
        zoneId: Id.optional(),
      })
      .refine((p) => (p.doorIds === undefined) !== (p.zoneId === undefined), 'give doorIds or zoneId'),
    result: z.object({
      applied: z.array(Id),
      unreachable: z.array(Id).describe('doors whose control unit did not answer'),
      notOnline: z.array(Id).describe('doors no control unit serves (offline or RF locks, or no reader yet)'),
    }),
    access: needs('doors:command'),
    effect: 'write',
    example: { command: 'open', doorIds: [1] },
  }),
};
