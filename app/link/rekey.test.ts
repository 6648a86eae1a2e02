import { describe, expect, it } from 'vitest';
import {
  REJECT_AFTER_MESSAGES,
  REJECT_AFTER_TIME,
  REKEY_AFTER_MESSAGES,
  REKEY_AFTER_TIME,
  REKEY_ATTEMPT_TIME,
  REKEY_TIMEOUT,
} from './constants.js';
import {
  canReceive,
  canSend,
  handshakeGivenUp,
  shouldEraseKeys,
  shouldRekeyAfterReceive,
  shouldRekeyAfterSend,
  shouldRetryHandshake,
} from './rekey.js';

const k = (over: Partial<{ createdAt: number; sendCounter: bigint; initiator: boolean }> = {}) => ({
  createdAt: 0,
  sendCounter: 0n,
  initiator: true,
  ...over,
});

describe('rekey rules (WireGuard 6.2)', () => {
  it('uses WireGuard constants', () => {
    expect(REKEY_AFTER_MESSAGES).toBe(2n ** 60n);
    expect(REJECT_AFTER_MESSAGES).toBe(2n ** 64n - 2n ** 13n - 1n);
    expect([REKEY_AFTER_TIME, REJECT_AFTER_TIME, REKEY_ATTEMPT_TIME, REKEY_TIMEOUT]).toEqual([
      120_000, 180_000, 90_000, 5_000,
    ]);
  });

  it('sends and receives until REJECT_AFTER_TIME, sends until the counter limit', () => {
    expect(canSend(k(), REJECT_AFTER_TIME - 1)).toBe(true);
    expect(canSend(k(), REJECT_AFTER_TIME)).toBe(false);
    expect(canSend(k({ sendCounter: REJECT_AFTER_MESSAGES - 1n }), 0)).toBe(true);
    expect(canSend(k({ sendCounter: REJECT_AFTER_MESSAGES }), 0)).toBe(false);
    expect(canReceive(k(), REJECT_AFTER_TIME - 1)).toBe(true);
    expect(canReceive(k(), REJECT_AFTER_TIME)).toBe(false);
  });

  it('rekeys by time only as initiator, by count on either side', () => {
    expect(shouldRekeyAfterSend(k(), REKEY_AFTER_TIME - 1)).toBe(false);
    expect(shouldRekeyAfterSend(k(), REKEY_AFTER_TIME)).toBe(true);
    expect(shouldRekeyAfterSend(k({ initiator: false }), REKEY_AFTER_TIME)).toBe(false);
    expect(shouldRekeyAfterSend(k({ initiator: false, sendCounter: REKEY_AFTER_MESSAGES }), 0)).toBe(true);
    expect(shouldRekeyAfterReceive(k(), 164_999)).toBe(false);
    expect(shouldRekeyAfterReceive(k(), 165_000)).toBe(true);
    expect(shouldRekeyAfterReceive(k({ initiator: false }), 179_000)).toBe(false);
  });

  it('retries handshakes every REKEY_TIMEOUT (+ jitter) and gives up after REKEY_ATTEMPT_TIME', () => {
    expect(shouldRetryHandshake(0, 4_999)).toBe(false);
    expect(shouldRetryHandshake(0, 5_000)).toBe(true);
    expect(shouldRetryHandshake(0, 5_100, 200)).toBe(false);
    expect(handshakeGivenUp(0, 89_999)).toBe(false);
    expect(handshakeGivenUp(0, 90_000)).toBe(true);
    expect(shouldEraseKeys(k(), 539_999)).toBe(false);
    expect(shouldEraseKeys(k(), 540_000)).toBe(true);
  });
});
