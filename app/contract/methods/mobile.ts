import { z } from 'zod';
import { method, needs } from '../method.js';
import { NoParams, Timestamp } from '../schemas.js';

/**
 * Mobile keys: a phone carries a sealed token instead of a card and opens RF and offline locks over
 * BLE. The Service never sees a token's key: the NCoder seals each token under the site's mobile group
 * key, which it wraps for every lock. Tokens reach phones through the relay (`lintel relay`), an HTTPS
 * mailbox pinned by its certificate fingerprint, which holds a token only until the phone fetched it.
 * A mobile key is a key (credential) like a card: keys.cancel, the blacklist and revalidation apply.
 */

const Id = z.number().int().positive();

/** The relay's id of an enrolled phone. */
export const PhoneId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be the phone id the relay gave (letters, digits, _ and -)');

/**
 * A SHA-256 certificate fingerprint: 64 hex digits, colons optional; read as upper-case pairs joined by
 * colons (what `lintel relay` prints and node's fingerprint256 says).
 */
export const RelayFingerprint = z
  .string()
  .trim()
  .transform((s) => s.replace(/[:\s]/g, '').toUpperCase())
  .pipe(z.string().regex(/^[0-9A-F]{64}$/, 'must be the SHA-256 fingerprint `lintel relay` printed'))
  .transform((hex) => hex.match(/.{2}/g)!.join(':'));

/** Where a mobile key is on its way to the phone. */
export const MobileKeyState = z
  .enum(['sent', 'delivered', 'lost', 'revoked'])
  .describe(
    'sent: the relay holds it for the phone; delivered: the phone fetched it; lost: the relay dropped it ' +
      'undelivered (mobile.keys.resend); revoked: cancelled, the phone was told to delete it',
  );
export type MobileKeyState = z.infer<typeof MobileKeyState>;

/** The relay the Service talks to, and how the last contact went. */
export const RelayStatus = z.object({
  configured: z.boolean(),
  url: z.string().nullable(),
  fingerprint: z
    .string()
    .nullable()
    .describe('the pinned SHA-256 certificate fingerprint (upper-case hex pairs, colon-separated)'),
  lastContactAt: Timestamp.nullable().describe('the last time the relay answered'),
  lastError: z.string().nullable().describe('why the last call to the relay failed; null after a success'),
  lastErrorAt: Timestamp.nullable(),
  enrolmentSeq: z.number().int().describe('the newest enrolment read from the relay'),
  deliverySeq: z.number().int().describe('the newest delivery report read from the relay'),
});
export type RelayStatus = z.infer<typeof RelayStatus>;

/** A phone enrolled for a user. */
export const MobilePhone = z.object({
  phoneId: PhoneId,
  userId: Id,
  label: z.string().describe('the name the phone gave itself at enrolment'),
  enrolledAt: Timestamp,
  activeKeys: z.number().int().describe('its keys not revoked'),
});
export type MobilePhone = z.infer<typeof MobilePhone>;

/** An invitation not yet used. */
export const MobileInvitation = z.object({
  invitationId: z.string(),
  userId: Id,
  createdAt: Timestamp,
  expiresAt: Timestamp,
});

/** A mobile key, as the Service knows it (the token itself is never stored). */
export const MobileKey = z.object({
  credentialId: Id.describe('the key (credential) id, as keys.list and the blacklist name it'),
  userId: Id.nullable(),
  phoneId: PhoneId,
  phoneLabel: z.string().nullable().describe('null once the phone was removed'),
  state: MobileKeyState,
  issuedAt: Timestamp,
  notAfter: Timestamp.describe('the token stops opening after this'),
  deliveredAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
});
export type MobileKey = z.infer<typeof MobileKey>;

/** What the console shows the user (as text and as a QR code) so that their phone can enrol. */
export const MobileInvitationCode = z.object({
  invitationId: z.string(),
  code: z.string().describe('one-time enrolment code: shown once, valid until expiresAt'),
  relayUrl: z.string(),
  fingerprint: z.string().describe('the relay certificate fingerprint the phone pins'),
  expiresAt: Timestamp,
});

/** The live-event payload: what changed, so the console re-reads it. */
export const MobileChange = z.object({
  what: z.enum(['relay', 'phones', 'keys']),
  userId: Id.nullable().describe('the user whose phones or keys changed (null: relay, or several)'),
});
export type MobileChange = z.infer<typeof MobileChange>;

const KeyCall = z.strictObject({ credentialId: Id });
const KeyOutcome = z.object({ credentialId: Id, state: MobileKeyState });

/** The mobile-key methods. */
export const mobileMethods = {
  'mobile.relay.get': method({
    summary: 'The relay the Service sends tokens through, when it last answered and why it last failed.',
    params: NoParams,
    result: RelayStatus,
    access: needs('site:read'),
    effect: 'read',
    example: {},
  }),
  'mobile.relay.set': method({
    summary:
      'Points the Service at a relay: its URL, the certificate fingerprint and the service secret `lintel relay` ' +
      'printed at its first start (kept sealed; never returned). The Service checks it by calling the relay.',
    params: z.strictObject({
      url: z
        .url({ protocol: /^https$/, error: 'must be an https:// URL' })
        .max(300)
        .describe('https://host:port of the relay'),
      fingerprint: RelayFingerprint,
      secret: z
        .string()
        .trim()
        .regex(/^[A-Za-z0-9_-]{43}$/, 'must be the service secret `lintel relay` printed (43 characters)'),
    }),
    result: RelayStatus,
    access: needs('settings:admin'),
    effect: 'write',
    example: {
      url: 'https://relay.example.com:8443',
      fingerprint: 'A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90',
      secret: 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc',
    },
  }),
  'mobile.phones.invite': method({
    summary:
      'Makes a one-time enrolment code for a user’s phone (valid 24 h) and registers it with the relay. The phone ' +
      'enrols with the code, the relay URL and fingerprint; it appears in mobile.phones.list within seconds.',
    params: z.strictObject({ userId: Id }),
    result: MobileInvitationCode,
    access: needs('keys:encode'),
    effect: 'write',
    example: { userId: 1 },
  }),
  'mobile.phones.list': method({
    summary: 'A user’s enrolled phones and the invitations not yet used.',
    params: z.strictObject({ userId: Id }),
    result: z.object({ phones: z.array(MobilePhone), invitations: z.array(MobileInvitation) }),
    access: needs('users:read'),
    effect: 'read',
    example: { userId: 1 },
  }),
  'mobile.phones.remove': method({
    summary:
      'Forgets a phone: its keys are revoked (cancelled and blacklisted) and the relay drops it. Works while the ' +
      'relay is unreachable (the keys are cancelled all the same).',
    params: z.strictObject({ phoneId: PhoneId }),
    result: z.object({ revoked: z.array(Id).describe('the keys revoked with it') }),
    access: needs('keys:encode'),
    effect: 'write',
    example: { phoneId: 'ph_3f9a1c' },
  }),
  'mobile.keys.list': method({
    summary: 'Mobile keys, newest first; of one user with userId.',
    params: z.strictObject({ userId: Id.optional() }),
    result: z.object({ keys: z.array(MobileKey) }),
    access: needs('users:read'),
    effect: 'read',
    example: { userId: 1 },
  }),
  'mobile.keys.issue': method({
    summary:
      'Issues a mobile key to a user’s enrolled phone: the NCoder (connected and paired: it seals the token) ' +
      'seals the user’s access and the Service sends the token through the relay. Locks that can read mobile keys ' +
      'get the group key wrapped for them (RF locks at once, offline locks at the next PPD visit).',
    params: z.strictObject({
      userId: Id,
      phoneId: PhoneId,
      validUntil: Timestamp.optional().describe('default: the user’s validUntil, or one year'),
    }),
    result: KeyOutcome,
    access: needs('keys:encode'),
    effect: 'write',
    example: { userId: 1, phoneId: 'ph_3f9a1c' },
  }),
  'mobile.keys.resend': method({
    summary:
      'Seals the key again with the user’s current access (NCoder needed) and sends it to the phone: after a lost ' +
      'delivery, or after the user’s rights changed.',
    params: KeyCall,
    result: KeyOutcome,
    access: needs('keys:encode'),
    effect: 'write',
    example: { credentialId: 1 },
  }),
  'mobile.keys.revoke': method({
    summary:
      'Revokes a mobile key: cancels it (blacklisted, pushed to RF locks at once) and tells the relay to drop it ' +
      'and the phone to delete it.',
    params: KeyCall,
    result: KeyOutcome,
    access: needs('keys:encode'),
    effect: 'write',
    example: { credentialId: 1 },
  }),
};
