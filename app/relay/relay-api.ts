import { ECDH, createHash } from 'node:crypto';
import { z } from 'zod';
import { bearerToken } from '../crypto/random.js';

/**
 * The relay's HTTP API (`lintel relay`): one set of zod schemas that the server validates requests
 * with and the clients validate answers with, so both ends agree on every field by construction.
 *
 * Who calls what:
 * - the Service (Bearer service secret): `POST /v1/invitations`, `GET /v1/enrolments?after=N`,
 *   `POST /v1/phones/:phoneId/tokens`, `GET /v1/deliveries?after=N`,
 *   `DELETE /v1/phones/:phoneId/tokens/:tokenId`, `DELETE /v1/phones/:phoneId`;
 * - a phone: `POST /v1/enrol` (no bearer: the invitation code is the credential), then with its own
 *   Bearer secret `GET /v1/tokens` and `POST /v1/tokens/ack`.
 *
 * Errors are `{error: {status, code, message, issues?}}` (see {@link RelayErrorBody}).
 */

/** Largest request body the relay reads; a token is a few hundred bytes, so this is generous. */
export const RELAY_MAX_BODY_BYTES = 64 * 1024;

/** Most records one `GET /v1/enrolments` or `GET /v1/deliveries` returns; ask again with the last seq. */
export const RELAY_PAGE_LIMIT = 500;

/** A secret or invitation code: 32 random bytes, base64url without padding (43 characters). */
export const RelaySecret = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, 'expected 32 bytes in base64url (43 characters of A-Z a-z 0-9 - _)');

/** A SHA-256 digest in lower-case hex: how the relay keeps secrets and invitation codes. */
export const Sha256Hex = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 digest: 64 lower-case hex digits');

/** An identifier made by the Service or the relay: 1–64 URL-safe characters. */
export const RelayId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1 to 64 characters of A-Z a-z 0-9 - _');

/** A mobile token's id (16 bytes of its header), lower-case hex. */
export const TokenId = z.string().regex(/^[0-9a-f]{32}$/, 'expected a token id: 32 lower-case hex digits');

/** A sealed mobile token, base64url; opaque to the relay (it never holds the group key). */
export const TokenBytes = z
  .string()
  .min(1)
  .max(16_384)
  .regex(/^[A-Za-z0-9_-]+$/, 'expected base64url');

/** Epoch milliseconds. */
export const EpochMs = z.number().int().min(0).max(8.64e15);

function isP256Point(hex: string): boolean {
  try {
    // convertKey decodes the point and refuses one that is not on the curve.
    ECDH.convertKey(Buffer.from(hex, 'hex'), 'prime256v1', undefined, 'hex', 'uncompressed');
    return true;
  } catch {
    return false;
  }
}

/** A phone's device public key: ECDSA P-256, uncompressed point (65 bytes), lower-case hex. */
export const DevicePublicKey = z
  .string()
  .regex(/^04[0-9a-f]{128}$/, 'expected an uncompressed P-256 point: 130 lower-case hex digits starting 04')
  .refine(isP256Point, 'not a point on the P-256 curve');

/** A name the phone's owner gave it, shown to the operator. No control characters. */
export const PhoneLabel = z
  .string()
  .trim()
  .min(1, 'a label is 1 to 64 characters')
  .max(64, 'a label is 1 to 64 characters')
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'a label has no control characters');

// ---- Service → relay ---------------------------------------------------------------------------------

/** `POST /v1/invitations`: the relay learns only the code's hash. */
export const InvitationRequest = z.strictObject({
  invitationId: RelayId,
  codeHash: Sha256Hex,
  expiresAt: EpochMs,
});
export type InvitationRequest = z.infer<typeof InvitationRequest>;

/** One phone enrolled with an invitation. */
export const Enrolment = z.strictObject({
  seq: z.number().int().min(1),
  invitationId: RelayId,
  phoneId: RelayId,
  devicePublicKey: DevicePublicKey,
  label: PhoneLabel,
  at: EpochMs,
});
export type Enrolment = z.infer<typeof Enrolment>;

/** `GET /v1/enrolments?after=N`: enrolments with seq > N, oldest first, at most {@link RELAY_PAGE_LIMIT}. */
export const EnrolmentsReply = z.strictObject({ enrolments: z.array(Enrolment) });
export type EnrolmentsReply = z.infer<typeof EnrolmentsReply>;

/** `POST /v1/phones/:phoneId/tokens`: a token to hold (in memory only) until the phone acknowledges it. */
export const PostTokenRequest = z.strictObject({
  tokenId: TokenId,
  token: TokenBytes,
  /** After this the relay drops the token undelivered (reported `lost`). */
  expiresAt: EpochMs,
});
export type PostTokenRequest = z.infer<typeof PostTokenRequest>;

/**
 * What became of a token the Service posted: `delivered` when the phone acknowledged it, `lost` when the
 * relay no longer has it undelivered (restarted, or the token expired while waiting).
 */
export const DeliveryState = z.enum(['delivered', 'lost']);
export type DeliveryState = z.infer<typeof DeliveryState>;

export const Delivery = z.strictObject({
  seq: z.number().int().min(1),
  tokenId: TokenId,
  phoneId: RelayId,
  state: DeliveryState,
  at: EpochMs,
});
export type Delivery = z.infer<typeof Delivery>;

/** `GET /v1/deliveries?after=N`: delivery records with seq > N, oldest first. */
export const DeliveriesReply = z.strictObject({ deliveries: z.array(Delivery) });
export type DeliveriesReply = z.infer<typeof DeliveriesReply>;

/** `DELETE /v1/phones/:phoneId/tokens/:tokenId`: `dropped` when the token was still waiting. */
export const RevokeReply = z.strictObject({ dropped: z.boolean() });
export type RevokeReply = z.infer<typeof RevokeReply>;

// ---- Phone → relay -----------------------------------------------------------------------------------

/** `POST /v1/enrol`: the phone proves the invitation with its code and registers its device key. */
export const EnrolRequest = z.strictObject({
  code: RelaySecret,
  devicePublicKey: DevicePublicKey,
  label: PhoneLabel,
});
export type EnrolRequest = z.infer<typeof EnrolRequest>;

/** The phone's identity at the relay; `secret` is shown this once (the relay keeps its hash). */
export const EnrolReply = z.strictObject({ phoneId: RelayId, secret: RelaySecret });
export type EnrolReply = z.infer<typeof EnrolReply>;

/** `GET /v1/tokens`: tokens waiting for this phone, and token ids it must delete (revoked). */
export const TokensReply = z.strictObject({
  tokens: z.array(z.strictObject({ tokenId: TokenId, token: TokenBytes, expiresAt: EpochMs })),
  revoked: z.array(TokenId),
});
export type TokensReply = z.infer<typeof TokensReply>;

/**
 * `POST /v1/tokens/ack`: the phone has stored these tokens (the relay forgets them and tells the
 * Service `delivered`) or deleted these revoked ones (the relay forgets the notice).
 */
export const AckRequest = z.strictObject({ tokenIds: z.array(TokenId).min(1).max(256) });
export type AckRequest = z.infer<typeof AckRequest>;

export const AckReply = z.strictObject({ acknowledged: z.number().int().min(0) });
export type AckReply = z.infer<typeof AckReply>;

// ---- Errors ------------------------------------------------------------------------------------------

export const RelayErrorCode = z.enum([
  'bad-request',
  'unauthorized',
  'not-found',
  'method-not-allowed',
  'invitation-used',
  'invitation-expired',
  'conflict',
  'too-large',
  'unsupported-media-type',
  'rate-limited',
  'internal',
]);
export type RelayErrorCode = z.infer<typeof RelayErrorCode>;

export const RelayErrorBody = z.object({
  error: z.object({
    status: z.number().int(),
    code: RelayErrorCode,
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type RelayErrorBody = z.infer<typeof RelayErrorBody>;

// ---- Helpers both ends use ---------------------------------------------------------------------------

/** A fresh secret or invitation code: 32 random bytes, base64url. */
export function makeRelaySecret(): string {
  return bearerToken();
}

/**
 * How a secret or invitation code is kept: SHA-256 of its base64url text, lower-case hex. The inputs
 * are 256-bit random values, so a fast hash is enough (no password hashing needed).
 */
export function hashRelaySecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * A certificate fingerprint as clients pin it: SHA-256 of the DER, upper-case hex in colon-separated
 * pairs (what node's `X509Certificate.fingerprint256` and browsers show). Accepts either case, with or
 * without colons; throws a TypeError on anything else.
 */
export function normaliseFingerprint(fingerprint: string): string {
  const hex = fingerprint.replace(/[:\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex))
    throw new TypeError(
      'a relay fingerprint is the SHA-256 of its certificate: 64 hex digits (colons optional), as `lintel relay` prints it',
    );
  return hex.match(/.{2}/g)!.join(':');
}
