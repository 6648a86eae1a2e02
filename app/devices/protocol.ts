import { z } from 'zod';
import { CardData, DoorTablesData } from '../contract/methods/sync.js';
import { EventKind } from '../contract/methods/events.js';
import { Timestamp } from '../contract/schemas.js';

/**
 * The device protocol: what the Service, gateways and control units say to each other inside the
 * exchange layer (app/exchange) over the secure link (app/link). Every message is one request with a
 * method name and a JSON payload, answered once; both are validated here with zod, so bytes from a
 * peer that do not fit are refused with a clear error and change nothing.
 *
 * Upstream methods go from a device to the peer it reports to (control unit → gateway or Service,
 * gateway → Service); downstream methods go the other way. A gateway answers its control units'
 * upstream methods from its replica, so a control unit cannot tell whether it talks to a gateway or to
 * the Service.
 *
 * JSON rather than a binary layout: these messages are few (a sync after each change, events in
 * batches), the link already carries them block-wise, and one schema serves both ends and the tests.
 * The per-datagram hot path (the link and exchange headers) is binary.
 */

const Id = z.number().int().positive();
const Seq = z.number().int().nonnegative();
const Hex32 = z.string().regex(/^[0-9a-f]{64}$/, 'a 32-byte key as 64 lowercase hex digits');
const Hex16 = z.string().regex(/^[0-9a-f]{32}$/, 'a 16-byte key as 32 lowercase hex digits');

/** What a device is. */
export const DEVICE_KINDS = ['gateway', 'control-unit'] as const;
export const DeviceKind = z.enum(DEVICE_KINDS);
export type DeviceKind = z.infer<typeof DeviceKind>;

/** An OSDP reader address (0x7f is the broadcast address, never a reader's own). */
export const ReaderAddress = z.number().int().min(0).max(126);

/**
 * One event as a device reports it. `seq` numbers the events a sender sends upstream, consecutively
 * from 1 and never reused (see event-sequence.ts): the receiver stores an event and the highest `seq`
 * it holds in one transaction, so a batch sent twice is stored once. `origin` is the control unit that
 * saw it (a gateway forwards its units' events under its own numbering, keeping their origin).
 */
export const WireEvent = z.strictObject({
  seq: Id,
  origin: Id,
  at: Timestamp,
  kind: EventKind,
  doorId: Id.nullable(),
  userId: Id.nullable(),
  credentialId: Id.nullable(),
  reason: z.string().max(100).nullable(),
  detail: z.record(z.string(), z.unknown()),
});
export type WireEvent = z.infer<typeof WireEvent>;

/** A reader as its control unit sees it. */
export const ReaderStatus = z.strictObject({
  address: ReaderAddress,
  doorId: Id,
  online: z.boolean(),
  /** The Secure Channel is up with the reader's own SCBK (never the default install key). */
  secure: z.boolean(),
  /** From osdp_PDID once read: vendor code, model, serial number, firmware. */
  identity: z.string().max(200).nullable(),
  /** Frames refused (bad CRC, MAC or sequence number) since the control unit started. */
  refused: Seq,
  tamper: z.boolean(),
});
export type ReaderStatus = z.infer<typeof ReaderStatus>;

/** A door as its control unit drives it now. */
export const DoorRuntime = z.strictObject({
  doorId: Id,
  /** The lock is released (a grant, an open command, office mode). */
  unlocked: z.boolean(),
  /** The door contact says the leaf is open. */
  open: z.boolean(),
  office: z.boolean(),
  lockdown: z.boolean(),
});
export type DoorRuntime = z.infer<typeof DoorRuntime>;

/** An EUI-64 (an RF radio's address) as 16 upper-case hex digits, as printed on its label. */
const Eui64Hex = z.string().regex(/^[0-9A-F]{16}$/, 'an EUI-64 as 16 upper-case hex digits');

/** An RF lock as its control unit's RF node reports it (app/rf/rf-node.ts). */
export const RfLockStatus = z.strictObject({
  eui64: Eui64Hex,
  doorId: Id,
  /** It talks under the network key (it joined, now or before). */
  joined: z.boolean(),
  /** Epoch milliseconds of its last authenticated frame, or null when not heard since the unit started. */
  lastHeard: z.number().int().nonnegative().nullable(),
  /** Link quality of its last frame, 0–255. */
  lqi: z.number().int().min(0).max(255).nullable(),
  /** Percent, from its last report. */
  battery: z.number().int().min(0).max(100).nullable(),
  /** The configuration revision it holds (0: none yet). */
  revision: Seq,
  blacklistSeq: Seq,
  /** Its X25519 identity key (hex), once reported. */
  publicKey: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  /** Its requests the node refused (remote opens it refused, bad messages) since the unit started. */
  refused: Seq,
});
export type RfLockStatus = z.infer<typeof RfLockStatus>;

/** Datagrams the device's link endpoint refused, by reason (app/link RefusalCounts). */
const RefusedCounts = z.record(z.string().max(40), Seq);

/** What a device reports about itself (a gateway includes its units'). */
export const UnitStatus = z.strictObject({
  deviceId: Id,
  kind: DeviceKind,
  version: z.string().max(40),
  /** The configuration revision it holds. */
  revision: Seq,
  blacklistSeq: Seq,
  /** Events stored but not yet acknowledged upstream. */
  pendingEvents: Seq,
  /** Its clock, epoch milliseconds, so the console can show drift. */
  clock: z.number().int(),
  online: z.boolean(),
  /** Epoch milliseconds of the last datagram its upstream had from it (a gateway fills it in for units). */
  lastSeen: z.number().int().nullable(),
  readers: z.array(ReaderStatus).max(127),
  doors: z.array(DoorRuntime).max(127),
  refused: RefusedCounts,
  /** The RF locks its RF node serves (none without one). */
  rfLocks: z.array(RfLockStatus).max(10_000).default([]),
});
export type UnitStatus = z.infer<typeof UnitStatus>;

/** A fingerprint template as hex (OSDP carries up to 65,535 bytes; Lintel keeps at most 1 KiB). */
export const FingerTemplateHex = z
  .string()
  .regex(/^([0-9a-f]{2}){1,1024}$/, 'a fingerprint template: 1 to 1,024 bytes as lowercase hex');

/**
 * A live key as the replica holds it: what its card should carry, and the PIN check for card+PIN doors.
 * Keys that stop being live (cancelled, expired) leave the replica (`cards.remove`).
 */
export const ReplicaCard = CardData.extend({
  /** The holder's PIN hash (argon2id, PHC string), or null without a PIN. */
  pinHash: z.string().max(200).nullable(),
  /** How far a refresh moves the revalidation deadline (the card's window), or null without revalidation. */
  revalidationWindowSeconds: z.number().int().positive().nullable(),
  /**
   * The holder's enrolled fingerprint template (hex; the reader's own format, sent back to it with
   * osdp_BIOMATCH at card + fingerprint doors), or null when none is enrolled.
   */
  fingerTemplate: FingerTemplateHex.nullable(),
});
export type ReplicaCard = z.infer<typeof ReplicaCard>;

/** A blacklist entry as doors hold it (app/access BlacklistEntry). */
export const WireBlacklistEntry = z.strictObject({
  seq: Id,
  credentialId: Id,
  expiresAt: z.number().int().nonnegative(),
});

/** A reader a control unit drives, with its Secure Channel base key (derived from the site master key). */
export const ReaderConfig = z.strictObject({
  unitId: Id,
  address: ReaderAddress,
  doorId: Id,
  scbk: Hex16,
});
export type ReaderConfig = z.infer<typeof ReaderConfig>;

/** A control unit behind a gateway: the gateway pins it with this key and psk. */
export const UnitConfig = z.strictObject({
  deviceId: Id,
  name: z.string().max(100),
  publicKey: Hex32,
  psk: Hex32,
});
export type UnitConfig = z.infer<typeof UnitConfig>;

/** The card keys an update point needs (site-level; diversified per card UID on use). */
export const CardKeySet = z.strictObject({
  siteId: z.string().max(100),
  keyVersion: z.number().int().min(0).max(255),
  lock: Hex16,
  update: Hex16,
  uidRead: Hex16,
});
export type CardKeySet = z.infer<typeof CardKeySet>;

/** A control unit's RF network (its RF node's PAN), with the network key every lock on it holds. */
export const RfNetworkConfig = z.strictObject({
  networkKey: Hex16,
  keyVersion: z.number().int().min(1).max(255),
  panId: z.number().int().min(0).max(0xfffe),
});
export type RfNetworkConfig = z.infer<typeof RfNetworkConfig>;

/** An RF lock a control unit's RF node serves. */
export const RfLockConfig = z.strictObject({
  unitId: Id,
  doorId: Id,
  eui64: Eui64Hex,
  /** The door's lock key: remote opens are proved under it. */
  lockKey: Hex16,
  /** The one-time join key until the lock joined, then null. */
  joinKey: Hex16.nullable(),
  /** The mobile group key wrapped for the lock's X25519 key, when it has one to get. */
  mobileKey: z
    .strictObject({
      groupKeyId: z.string().regex(/^[0-9a-f]{16}$/),
      wrapped: z
        .string()
        .regex(/^([0-9a-f]{2})+$/)
        .max(1000),
    })
    .nullable(),
});
export type RfLockConfig = z.infer<typeof RfLockConfig>;

/** Asks for what changed after the revision (and blacklist sequence) the device holds. */
export const SyncParams = z.strictObject({ revision: Seq, blacklistSeq: Seq });
export type SyncParams = z.infer<typeof SyncParams>;

/**
 * What a device holds after applying the reply. Doors, readers, units and keys are small and always
 * whole; cards and the blacklist come as changes unless `full` says to replace them.
 */
export const SyncReply = z.strictObject({
  revision: Seq,
  timeZone: z.string().max(64),
  keys: CardKeySet,
  doors: z.array(DoorTablesData).max(10_000),
  readers: z.array(ReaderConfig).max(100_000),
  units: z.array(UnitConfig).max(10_000),
  cards: z.strictObject({
    full: z.boolean(),
    upsert: z.array(ReplicaCard),
    remove: z.array(Id),
  }),
  blacklist: z.strictObject({
    full: z.boolean(),
    entries: z.array(WireBlacklistEntry),
    latestSeq: Seq,
  }),
  /**
   * The RF network of the control unit asking (null: it hosts no RF node). Optional, not defaulted, so a
   * reply built before RF locks existed still type-checks; absent reads as null.
   */
  rf: RfNetworkConfig.nullable().optional(),
  /** For a gateway: the RF network of each of its units that hosts one (absent reads as none). */
  rfNetworks: z
    .array(RfNetworkConfig.extend({ unitId: Id }))
    .max(10_000)
    .optional(),
  /** The RF locks of the unit asking (for a gateway: of all its units); absent reads as none. */
  rfLocks: z.array(RfLockConfig).max(100_000).optional(),
});
export type SyncReply = z.infer<typeof SyncReply>;

/** The events after `ack` are still to be sent; the receiver answers the highest seq it holds. */
export const EventsParams = z.strictObject({ events: z.array(WireEvent).min(1).max(1000) });
export const EventsReply = z.strictObject({ ack: Seq });

/** Door commands from the console. */
export const DOOR_COMMANDS = ['open', 'office-on', 'office-off', 'lockdown-on', 'lockdown-off'] as const;
export const DoorCommand = z.enum(DOOR_COMMANDS);
export type DoorCommand = z.infer<typeof DoorCommand>;

export const CommandParams = z.strictObject({
  command: DoorCommand,
  doorIds: z.array(Id).min(1).max(10_000),
  /** Who asked (the operator's name), for the events the doors report. */
  by: z.string().max(100),
});
export const CommandReply = z.strictObject({
  /** The doors this device (or the units behind it) applied it to. */
  applied: z.array(Id),
  /** Doors behind a unit that is offline now (a gateway's answer). */
  unreachable: z.array(Id),
});

/** The methods, their params and results. */
export const DEVICE_METHODS = {
  /** Upstream: the device's state, about every 5 s and after a change of it. */
  status: {
    params: z.strictObject({ units: z.array(UnitStatus).min(1).max(10_000) }),
    result: z.strictObject({ now: z.number().int() }),
  },
  /** Upstream: what changed after the revision the device holds. */
  sync: { params: SyncParams, result: SyncReply },
  /** Upstream: events, oldest first, consecutive seqs. */
  events: { params: EventsParams, result: EventsReply },
  /** Downstream: the configuration changed; sync now. */
  changed: { params: z.strictObject({ revision: Seq }), result: z.strictObject({}) },
  /** Downstream: a door command (a gateway passes it to the units that own the doors). */
  command: { params: CommandParams, result: CommandReply },
  /**
   * Downstream: read a fingerprint at a door's reader for enrolment (osdp_BIOREAD until a finger is on
   * the sensor or `timeoutMs` passes; a gateway passes it to the unit that owns the door). Fails when no
   * finger came in time or the door is not on this device.
   */
  enrolFinger: {
    params: z.strictObject({ doorId: Id, timeoutMs: z.number().int().min(1_000).max(60_000) }),
    result: z.strictObject({ template: FingerTemplateHex, quality: z.number().int().min(0).max(100) }),
  },
} as const;
export type DeviceMethod = keyof typeof DEVICE_METHODS;
export type MethodParams<M extends DeviceMethod> = z.infer<(typeof DEVICE_METHODS)[M]['params']>;
export type MethodResult<M extends DeviceMethod> = z.infer<(typeof DEVICE_METHODS)[M]['result']>;

/** Raised for a message that is not valid JSON or does not fit its schema. */
export class DeviceProtocolError extends Error {
  override readonly name = 'DeviceProtocolError';
}

/** Encodes a message of `method` (params or result). */
export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** Decodes and validates one message; throws {@link DeviceProtocolError} with what was wrong. */
export function decodeJson<T>(schema: z.ZodType<T>, bytes: Uint8Array, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new DeviceProtocolError(`${what}: not UTF-8 JSON`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DeviceProtocolError(`${what}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

export { CardData, DoorTablesData };
export const keyHex = { Hex16, Hex32 };

/** What a device says about itself in its enrolment (inside the Noise XXpsk3 message 3). */
export const EnrolRequest = z.strictObject({
  kind: DeviceKind,
  version: z.string().max(40),
  /** A gateway: the UDP port it serves its control units on (the Service tells units behind it). */
  listenPort: z.number().int().min(1).max(65535).optional(),
});
export type EnrolRequest = z.infer<typeof EnrolRequest>;

/**
 * The Service's answer to an enrolment: the device's id, and where it reports from now on — the
 * Service itself (`upstream` absent: the address and key it enrolled with), or its gateway.
 */
export const EnrolReply = z.strictObject({
  deviceId: Id,
  upstream: z
    .strictObject({
      host: z.string().min(1).max(255),
      port: z.number().int().min(1).max(65535),
      publicKey: Hex32,
    })
    .optional(),
});
export type EnrolReply = z.infer<typeof EnrolReply>;
