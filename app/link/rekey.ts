import {
  KEEPALIVE_TIMEOUT,
  REJECT_AFTER_MESSAGES,
  REJECT_AFTER_TIME,
  REKEY_AFTER_MESSAGES,
  REKEY_AFTER_TIME,
  REKEY_ATTEMPT_TIME,
  REKEY_TIMEOUT,
} from './constants.js';

/**
 * Rekey rules of WireGuard (whitepaper section 6.2) as pure functions of time (ms) and counters, so
 * the link layer applies them with its own clock and timers and tests need no fake timers.
 */
export interface KeyState {
  /** When the handshake that made these keys completed. */
  readonly createdAt: number;
  /** The next counter this side would send with. */
  readonly sendCounter: bigint;
  /** Only the initiator of a session rekeys by time: both sides doing so would race (WireGuard 6.2). */
  readonly initiator: boolean;
}

/** Sending stops at REJECT_AFTER_TIME or before the counter can reach the reject limit. */
export function canSend(k: KeyState, now: number): boolean {
  return now - k.createdAt < REJECT_AFTER_TIME && k.sendCounter < REJECT_AFTER_MESSAGES;
}

/** Receiving stops at REJECT_AFTER_TIME too: old keys are never trusted longer than three minutes. */
export function canReceive(k: Pick<KeyState, 'createdAt'>, now: number): boolean {
  return now - k.createdAt < REJECT_AFTER_TIME;
}

/** After sending: start a new handshake by message count (either side) or by age (the initiator). */
export function shouldRekeyAfterSend(k: KeyState, now: number): boolean {
  return k.sendCounter >= REKEY_AFTER_MESSAGES || (k.initiator && now - k.createdAt >= REKEY_AFTER_TIME);
}

/**
 * After receiving: an initiator whose keys are nearly too old to send with rekeys now, so a
 * conversation that only the other side keeps alive does not stall at REJECT_AFTER_TIME.
 */
export function shouldRekeyAfterReceive(k: KeyState, now: number): boolean {
  return k.initiator && now - k.createdAt >= REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - REKEY_TIMEOUT;
}

/** An unanswered initiation is retried after REKEY_TIMEOUT plus the caller's jitter (0–333 ms in WireGuard). */
export function shouldRetryHandshake(lastSentAt: number, now: number, jitter = 0): boolean {
  return now - lastSentAt >= REKEY_TIMEOUT + jitter;
}

/** Retries stop REKEY_ATTEMPT_TIME after the first attempt; new data starts a fresh attempt. */
export function handshakeGivenUp(firstAttemptAt: number, now: number): boolean {
  return now - firstAttemptAt >= REKEY_ATTEMPT_TIME;
}

/** Keys no one can use any more are erased after three times REJECT_AFTER_TIME (WireGuard 6.3). */
export function shouldEraseKeys(k: Pick<KeyState, 'createdAt'>, now: number): boolean {
  return now - k.createdAt >= 3 * REJECT_AFTER_TIME;
}
