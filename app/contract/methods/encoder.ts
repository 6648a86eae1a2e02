import { z } from 'zod';
import { method, needs } from '../method.js';
import { NoParams, Timestamp } from '../schemas.js';
import { OperationId } from './operations.js';
import { Key, RevalidationHours } from './users.js';

/**
 * The NCoder desktop encoder and the cards in its field: encode a key onto a MIFARE DESFire EV2 card,
 * read one, rewrite it with the holder's current access, cancel it, erase it for reuse. Each card call
 * takes an optional operationId: progress arrives as `operation.progress` events whose `step` names
 * where the card is (detect, authenticate, format, write, verify), and operations.cancel stops it until
 * the card's commit (after that the call completes).
 */

/** Where the encoder is. */
export const EncoderState = z
  .enum(['absent', 'unpaired', 'paired-elsewhere', 'ready', 'busy'])
  .describe(
    'absent: no NCoder found; unpaired: plugged in, never paired (encoder.pair); paired-elsewhere: it belongs to another site; ready; busy: an operation is using it',
  );
/** Where the encoder is. */
export type EncoderState = z.infer<typeof EncoderState>;

/** A card as the encoder's field shows it, before any key. */
export const CardInField = z.object({
  uid: z
    .string()
    .describe('the UID anticollision reported (hex): a random ID (08…) on cards that hide their UID'),
  randomId: z.boolean(),
});
/** A card as the encoder's field shows it. */
export type CardInField = z.infer<typeof CardInField>;

/** The encoder and the card on it. */
export const EncoderStatus = z.object({
  state: EncoderState,
  serial: z.string().optional().describe('the NCoder serial number, once it answered'),
  firmware: z.string().optional(),
  card: CardInField.nullable().describe('the card on the encoder now (only when ready), or null'),
});
/** The encoder and the card on it. */
export type EncoderStatus = z.infer<typeof EncoderStatus>;

/** One right a card carries, with the names the site has for it now. */
export const CardRight = z.object({
  kind: z.enum(['door', 'zone']),
  id: z.number().int(),
  name: z.string().nullable().describe('null when the door or zone no longer exists'),
  periodId: z.number().int(),
  periodName: z.string().nullable(),
});

/** What an offline lock records on a card about a presentation (docs/card-format.md, audit records). */
export const CARD_AUDIT_EVENTS = [
  'granted',
  'denied',
  'office-opened',
  'office-closed',
  'blacklist-merged',
] as const;

/** One record an offline lock appended to the card's audit trail. */
export const CardAuditRecord = z.object({
  at: Timestamp.describe("the lock's clock"),
  event: z.enum(CARD_AUDIT_EVENTS),
  reason: z.string().nullable().describe('the denial reason (events.list words), for a denied event'),
  doorId: z.number().int(),
  doorName: z.string().nullable().describe('null when the door no longer exists'),
  credentialId: z.number().int().describe('the key the lock read'),
});

/** What a card holds, decoded, beside what the database says about its key. */
export const CardReport = z.object({
  uid: z.string().describe('the real 7-byte UID (hex), read with the site keys'),
  kind: z
    .enum(['blank', 'foreign', 'lintel'])
    .describe('blank: no application; foreign: a DESFire card used by something else; lintel: this site'),
  formatVersion: z.number().int().optional(),
  keyVersion: z.number().int().optional().describe('the version of the site card keys it was written with'),
  key: Key.nullable().describe(
    'the key (credential) the card carries, as the database has it; null if unknown',
  ),
  holder: z.object({ id: z.number().int(), name: z.string() }).nullable(),
  access: z
    .object({
      credentialId: z.number().int(),
      userId: z.number().int(),
      validFrom: Timestamp.nullable(),
      validUntil: Timestamp.nullable(),
      revalidateBy: Timestamp.nullable(),
      rights: z.array(CardRight),
      flags: z.object({
        pinRequired: z.boolean(),
        office: z.boolean(),
        privacyOverride: z.boolean(),
        extendedOpening: z.boolean(),
      }),
      issuedAt: Timestamp,
    })
    .nullable()
    .describe(
      'null on a card formatted for this site but holding no key (erased, or cancelled at the encoder)',
    ),
  upToDate: z
    .boolean()
    .describe('the card carries exactly what the database would write now (false: run encoder.update)'),
  blacklist: z.object({
    entries: z.number().int().describe('cancelled keys the card carries to offline locks'),
    highestSeq: z.number().int(),
  }),
  audit: z.array(CardAuditRecord).describe('what offline locks wrote on the card, oldest first'),
});
/** What a card holds. */
export type CardReport = z.infer<typeof CardReport>;

const CardCall = z.strictObject({ operationId: OperationId.optional() });

/** The result of a call that wrote a key onto a card. */
export const EncodeResult = z.object({ key: Key, card: CardReport });

/** The encoder methods. */
export const encoderMethods = {
  'encoder.status': method({
    summary: 'Where the NCoder is (absent, unpaired, ready…) and which card is on it.',
    params: NoParams,
    result: EncoderStatus,
    access: needs('keys:encode'),
    effect: 'read',
    example: {},
  }),
  'encoder.pair': method({
    summary:
      'Pairs an unpaired NCoder with this site: a new pairing key, kept sealed in the site database; only a factory reset of the encoder undoes it.',
    params: NoParams,
    result: EncoderStatus,
    access: needs('settings:admin'),
    effect: 'write',
    example: {},
  }),
  'encoder.encode': method({
    summary:
      "Encodes a new key for a user onto the card on the encoder (blank or this site's, holding no live key): formats it if needed, writes the user's access and the newest blacklist entries in one card transaction, reads it back.",
    params: CardCall.extend({
      userId: z.number().int().positive(),
      expiresAt: Timestamp.optional(),
      revalidationHours: RevalidationHours.optional(),
    }),
    result: EncodeResult,
    access: needs('keys:encode'),
    effect: 'write',
    example: { userId: 1, revalidationHours: 168 },
  }),
  'encoder.read': method({
    summary:
      'Reads the card on the encoder: whose key, which access, until when, and the audit records on it.',
    params: CardCall,
    result: CardReport,
    access: needs('keys:encode'),
    effect: 'read',
    example: {},
  }),
  'encoder.update': method({
    summary:
      "Rewrites the card on the encoder with its holder's current access and the newest blacklist entries, and revalidates its key.",
    params: CardCall,
    result: EncodeResult,
    access: needs('keys:encode'),
    effect: 'write',
    example: {},
  }),
  'encoder.cancel': method({
    summary:
      "Cancels the key on the card on the encoder (it goes on the blacklist, as keys.cancel) and clears the card's access data.",
    params: CardCall,
    result: EncodeResult,
    access: needs('keys:encode'),
    effect: 'write',
    example: {},
  }),
  'encoder.erase': method({
    summary:
      'Erases the card on the encoder for reuse (blank again); its key must be cancelled or expired first (CONFLICT otherwise).',
    params: CardCall,
    result: z.object({ uid: z.string() }),
    access: needs('keys:encode'),
    effect: 'write',
    example: {},
  }),
};
