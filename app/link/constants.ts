/**
 * Lintel link constants. The construction is WireGuard's (whitepaper section 5.4) with Lintel's own
 * identifier and labels, so a Lintel handshake can never be confused with a WireGuard one (and vice versa).
 */

/** The Noise protocol name (WireGuard's CONSTRUCTION): IKpsk2 over 25519, ChaCha20-Poly1305, BLAKE2s. */
export const CONSTRUCTION = 'Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s';
/** Mixed in as the Noise prologue (WireGuard's IDENTIFIER): binds every handshake to Lintel link v1. */
export const IDENTIFIER = 'Lintel link v1';
/** Keys mac1 (with the receiver's static public key), as WireGuard's "mac1----". */
export const LABEL_MAC1 = 'lintel-mac1-v1';
/** Keys the cookie reply's XChaCha20-Poly1305 (with the cookie sender's static public key). */
export const LABEL_COOKIE = 'lintel-cookie-v1';

/** Enrolment (pairing) uses XX with the one-time pairing code as psk3; see docs/link.md. */
export const ENROL_CONSTRUCTION = 'Noise_XXpsk3_25519_ChaChaPoly_BLAKE2s';
export const ENROL_IDENTIFIER = 'Lintel enrol v1';
export const LABEL_PAIRING = 'lintel-pairing-code-v1';
/** Derives the IKpsk2 psk of a newly paired device from the enrolment's handshake hash. */
export const LABEL_ENROL_PSK = 'lintel-enrol-psk-v1';
/** How long the Service remembers a completed enrolment to answer a retry (its message 4 was lost). */
export const ENROL_REPEAT_TIME = 300_000;
/** How long the Service keeps an enrolment waiting for message 3 after answering message 1. */
export const ENROL_PENDING_TIME = 10_000;
/** Enrolment message 1s the Service answers per second (more are dropped and counted). */
export const ENROL_PER_SECOND = 20;

/** Timers and limits (WireGuard whitepaper section 6.1), in milliseconds and messages. */
export const REKEY_AFTER_MESSAGES = 1n << 60n;
export const REJECT_AFTER_MESSAGES = (1n << 64n) - (1n << 13n) - 1n;
export const REKEY_AFTER_TIME = 120_000;
export const REJECT_AFTER_TIME = 180_000;
export const REKEY_ATTEMPT_TIME = 90_000;
export const REKEY_TIMEOUT = 5_000;
export const KEEPALIVE_TIMEOUT = 10_000;
/** The cookie secret changes this often; a stored cookie is used for as long (less a little slack). */
export const COOKIE_SECRET_LIFETIME = 120_000;
/** How long an initiator uses a cookie it received (WireGuard: 120 s, minus a margin for clock skew). */
export const COOKIE_LIFETIME = COOKIE_SECRET_LIFETIME - 5_000;

/** Anti-replay: the bitmap holds this many counters; the accepted window is one 32-bit word smaller. */
export const REPLAY_BITMAP_BITS = 8192;
export const REPLAY_WINDOW = REPLAY_BITMAP_BITS - 32;
