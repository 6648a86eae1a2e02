import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DENIAL_REASONS } from '../contract/deny-reasons.js';
import { LOCK_AUDIT_EVENTS, type LockAuditRecord, type LockReport } from '../ppd/round.js';
import {
  decodeLockIdentity,
  decodeLockRequest,
  decodeLockResponse,
  encodeLockIdentity,
  encodeLockRequest,
  encodeLockResponse,
  LOCK_ERRORS,
  LockMessageError,
  type LockRequest,
  type LockResponse,
} from './lock-messages.js';
import { blacklistOf, lockUpdate } from './lock-test-kit.js';
import { decodeLockUpdate, encodeLockUpdate } from './lock-update-bytes.js';

const u32 = fc.nat(0xffff_ffff);
const text = (max: number) => fc.string({ maxLength: max });

const request: fc.Arbitrary<LockRequest> = fc.oneof(
  fc.constant({ type: 'status' as const }),
  fc.constant({ type: 'commit' as const }),
  fc.record({
    type: fc.constant('begin-update' as const),
    transferId: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b)),
    totalBytes: fc.integer({ min: 1, max: 0xffff_ffff }),
  }),
  fc.record({
    type: fc.constant('chunk' as const),
    offset: u32,
    bytes: fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => Buffer.from(b)),
  }),
  fc.record({ type: fc.constant('set-time' as const), ppdNow: u32 }),
  fc.record({
    type: fc.constant('read-audit' as const),
    fromSeq: u32,
    max: fc.integer({ min: 1, max: 0xffff }),
  }),
  fc.record({
    type: fc.constant('emergency-open' as const),
    opening: fc.record({
      operatorId: fc.integer({ min: 1, max: 1e6 }),
      operatorName: text(40),
      reason: fc.string({ minLength: 1, maxLength: 40 }),
      validUntil: u32,
    }),
  }),
);

const record: fc.Arbitrary<LockAuditRecord> = fc.record({
  seq: fc.integer({ min: 1, max: 0xffff_ffff }),
  at: u32,
  event: fc.constantFrom(...LOCK_AUDIT_EVENTS),
  credentialId: fc.option(fc.integer({ min: 1, max: 0xffff_ffff }), { nil: null }),
  reason: fc.option(fc.constantFrom(...DENIAL_REASONS), { nil: null }),
  detail: fc.option(text(60), { nil: null }),
});

const report: fc.Arbitrary<LockReport> = fc.record({
  serial: fc.stringMatching(/^LK-[0-9A-F]{8}$/),
  firmware: text(32),
  doorId: fc.option(fc.integer({ min: 1, max: 1e6 }), { nil: null }),
  keyVersion: fc.nat(255),
  revision: fc.nat(),
  blacklistSeq: fc.nat(),
  blacklistSize: fc.nat(),
  blacklistCapacity: fc.integer({ min: 1, max: 65_535 }),
  battery: fc.nat(100),
  clock: u32,
  auditSeq: fc.nat(),
});

const response: fc.Arbitrary<LockResponse> = fc.oneof(
  report.map((r) => ({ type: 'status' as const, report: r })),
  report.map((r) => ({ type: 'commit' as const, report: r })),
  u32.map((n) => ({ type: 'begin-update' as const, resumeAt: n })),
  u32.map((n) => ({ type: 'chunk' as const, received: n })),
  fc
    .integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
    .map((n) => ({ type: 'set-time' as const, driftSeconds: n })),
  fc.record({
    type: fc.constant('read-audit' as const),
    more: fc.boolean(),
    records: fc.array(record, { maxLength: 8 }),
  }),
  u32.map((n) => ({ type: 'emergency-open' as const, openedAt: n })),
  fc.record({
    type: fc.constant('error' as const),
    code: fc.constantFrom(...LOCK_ERRORS),
    message: text(80),
  }),
);

/** Decoding outside bytes: a value or a LockMessageError, never anything else. */
function decodesOrRefuses(decode: (b: Uint8Array) => unknown, bytes: Uint8Array): void {
  try {
    decode(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(LockMessageError);
    expect((err as LockMessageError).message).toMatch(/lock message|update/);
  }
}

describe('lock messages', () => {
  it('round-trips every request and response', () => {
    fc.assert(
      fc.property(request, (r) => {
        expect(decodeLockRequest(encodeLockRequest(r))).toEqual(r);
      }),
    );
    fc.assert(
      fc.property(response, (r) => {
        expect(decodeLockResponse(encodeLockResponse(r))).toEqual(r);
      }),
    );
  });

  it('turns arbitrary bytes into a clear error, never a crash', () => {
    const bytes = fc.uint8Array({ maxLength: 400 });
    fc.assert(
      fc.property(bytes, (b) => decodesOrRefuses(decodeLockRequest, b)),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(bytes, (b) => decodesOrRefuses(decodeLockResponse, b)),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(bytes, (b) => decodesOrRefuses(decodeLockIdentity, b)),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(bytes, (b) => decodesOrRefuses(decodeLockUpdate, b)),
      { numRuns: 1000 },
    );
    // Typed prefixes reach the bodies' parsers.
    const typed = fc
      .tuple(fc.integer({ min: 0, max: 0xff }), bytes)
      .map(([t, b]) => Buffer.concat([Buffer.of(t), b]));
    fc.assert(
      fc.property(typed, (b) => decodesOrRefuses(decodeLockRequest, b)),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(typed, (b) => decodesOrRefuses(decodeLockResponse, b)),
      { numRuns: 2000 },
    );
  });

  it('refuses a damaged update, whatever byte is changed', () => {
    const good = encodeLockUpdate(lockUpdate({ blacklist: blacklistOf(3) }));
    expect(decodeLockUpdate(good)).toEqual(lockUpdate({ blacklist: blacklistOf(3) }));
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const bad = Buffer.from(good);
        bad[at]! ^= xor;
        decodesOrRefuses(decodeLockUpdate, bad);
      }),
      { numRuns: 1000 },
    );
  });

  it('sends a blacklist in 12 bytes an entry', () => {
    const small = encodeLockUpdate(lockUpdate({ blacklist: { latestSeq: 4000, entries: [] } }));
    const big = encodeLockUpdate(lockUpdate({ blacklist: blacklistOf(4000) }));
    expect(big.length - small.length).toBe(4000 * 12);
    expect(decodeLockUpdate(big)).toEqual(lockUpdate({ blacklist: blacklistOf(4000) }));
  });

  it('round-trips a lock identity', () => {
    const id = { serial: 'LK-0A1B2C3D', doorId: 12, keyVersion: 3 };
    expect(decodeLockIdentity(encodeLockIdentity(id))).toEqual(id);
    expect(decodeLockIdentity(encodeLockIdentity({ ...id, doorId: null, keyVersion: 0 }))).toEqual({
      ...id,
      doorId: null,
      keyVersion: 0,
    });
  });
});
