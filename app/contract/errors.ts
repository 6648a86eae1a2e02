/**
 * JSON-RPC error codes. The standard ones come from the JSON-RPC 2.0 specification; application
 * codes are stable (clients and tests key on them) and live outside the reserved -32768..-32000 range.
 */
export const ErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,

  UNAUTHENTICATED: 1001,
  FORBIDDEN: 1002,
  NOT_FOUND: 1003,
  CONFLICT: 1004,
  INVALID_CREDENTIALS: 1005,
  RATE_LIMITED: 1006,
  SETUP_TOKEN_INVALID: 1007,
  SETUP_ALREADY_DONE: 1008,
  WEAK_PASSWORD: 1009,
  UNAVAILABLE: 1010,
  DIRECTORY_UNAVAILABLE: 1011,
  PASSWORD_CHANGE_REQUIRED: 1012,
  CANCELLED: 1013,
  SITE_LOCKED: 1014,
  ENCODER_UNAVAILABLE: 1015,
  CARD_ERROR: 1016,
} as const;

/** The symbolic name of an error code, carried in `error.data.name` so logs and clients can read it. */
export type ErrorName = keyof typeof ErrorCode;

/** A JSON-RPC error object as it travels on the wire. */
export interface RpcErrorObject {
  code: number;
  message: string;
  data?: { name: ErrorName; [key: string]: unknown };
}

/** One problem found in a method's params: where (a dotted path) and why. */
export interface ParamIssue {
  path: string;
  message: string;
}

/** What each application error means, for the OpenRPC document and docs/api.md. */
export const errorDescriptions: Record<ErrorName, string> = {
  PARSE_ERROR: 'The body is not valid JSON (or nests deeper than the limit).',
  INVALID_REQUEST: 'The JSON is not a valid JSON-RPC 2.0 request (or the batch is empty or too large).',
  METHOD_NOT_FOUND: 'No method of that name exists.',
  INVALID_PARAMS: 'The params do not match the method schema; data.issues names each field and reason.',
  INTERNAL_ERROR: 'The service failed; the log has the details (never the caller).',
  UNAUTHENTICATED: 'The method needs a session: log in first (cookie or Authorization: Bearer).',
  FORBIDDEN:
    "The operator's roles lack the permission the method needs (data.permission), or the change would grant more than the operator holds.",
  NOT_FOUND: 'The object does not exist.',
  CONFLICT:
    'The object changed since it was read (data.reason "stale", data.currentVersion: reload and retry), or the change would break a rule (data.reason says which).',
  INVALID_CREDENTIALS: 'Unknown username or wrong password (the two are not told apart).',
  RATE_LIMITED: 'Too many failed attempts; data.retryAfterSeconds says when to try again.',
  SETUP_TOKEN_INVALID: 'The setup token is wrong, used or expired; restart the service to print a new one.',
  SETUP_ALREADY_DONE: 'An administrator already exists; log in instead.',
  WEAK_PASSWORD: 'The password does not meet the policy (data.reason).',
  UNAVAILABLE: 'The service cannot do this right now (data.reason).',
  DIRECTORY_UNAVAILABLE:
    'The LDAP / Active Directory server could not be used (data.stage: dns, tcp, tls, bind, search); local operators can still log in.',
  PASSWORD_CHANGE_REQUIRED:
    'The operator must change their temporary password (session.changePassword) before anything else.',
  CANCELLED: 'The operator cancelled the operation (operations.cancel) before it wrote anything.',
  SITE_LOCKED:
    'Desktop app only: the site waits for its passphrase because the OS keychain cannot hold its key (data.reason says why); data.creating is true when a new site needs a passphrase chosen (at least data.minLength characters). Send it with custody.unlock.',
  ENCODER_UNAVAILABLE:
    'The NCoder cannot be used (data.reason: absent, unpaired, paired-elsewhere, unplugged, timeout, busy): plug it in, pair it, or wait for the operation in progress.',
  CARD_ERROR:
    'The card in the encoder cannot be used for this (data.reason: no-card, removed, not-lintel, other-site, wrong-keys, corrupt, full, unknown-key, unverified); the message says what to do. Nothing was half-written.',
};

/** The data of a SITE_LOCKED error: what the console's unlock screen needs to ask for the passphrase. */
export interface SiteLockedData {
  name: 'SITE_LOCKED';
  /** A new site: the operator chooses a passphrase (typed twice) rather than entering one. */
  creating: boolean;
  /** Why the OS keychain does not hold the site key, in the key custody's words (English). */
  reason: string;
  /** The shortest passphrase accepted for a new site (present when creating). */
  minLength?: number;
}
