import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DENIAL_REASONS } from '../contract/deny-reasons.js';
import { LOCK_ERRORS } from '../lock/lock-messages.js';
import { LOCK_AUDIT_EVENTS, type LockAuditRecord, type LockReport } from '../ppd/round.js';
import { fuzzCodec, nearMisses, plain } from '../../test/helpers/codec-fuzz.js';
import {
  decodeRfRequest,
  decodeRfResponse,
  encodeRfRequest,
  encodeRfResponse,
  formatJoinCode,
  openProof,
  parseJoinCode,
  RfMessageError,
  type RfRequest,
  type RfResponse,
} from './rf-messages.js';

const u32 = fc.nat(0xffff_ffff);
const id = fc.integer({ min: 1, max: 0xffff_ffff });
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b));
const nonZero = (n: number) => bytes(n).filter((b) => b.some((x) => x !== 0));

const record: fc.Arbitrary<LockAuditRecord> = fc.record({
  seq: id,
  at: u32,
  event: fc.constantFrom(...LOCK_AUDIT_EVENTS),
  credentialId: fc.option(id, { nil: null }),
  reason: fc.option(fc.constantFrom(...DENIAL_REASONS), { nil: null }),
  detail: fc.option(fc.string({ maxLength: 40 }), { nil: null }),
});

const report: fc.Arbitrary<LockReport> = fc.record({
  serial: fc.stringMatching(/^[A-Z0-9-]{1,20}$/),
  firmware: fc.string({ maxLength: 32 }),
  doorId: fc.option(fc.integer({ min: 1, max: 1e6 }), { nil: null }),
  keyVersion: fc.integer({ min: 0, max: 255 }),
  revision: fc.nat(1e6),
  blacklistSeq: fc.nat(1e6),
  blacklistSize: fc.nat(1e4),
  blacklistCapacity: fc.integer({ min: 1, max: 65_535 }),
  battery: fc.integer({ min: 0, max: 100 }),
  clock: u32,
  auditSeq: fc.nat(1e6),
});

const entry = fc.record({ seq: id, credentialId: id, expiresAt: u32 });

const request: fc.Arbitrary<RfRequest> = fc.oneof(
  fc.constant({ type: 'status' as const }),
  fc.record({ type: fc.constant('set-time' as const), ppdNow: u32 }),
  fc.record({ type: fc.constant('chunk' as const), offset: u32, bytes: bytes(40) }),
  fc.record({
    type: fc.constant('blacklist-add' as const),
    latestSeq: u32,
    entries: fc.array(entry, { maxLength: 5 }),
  }),
  fc.constant({ type: 'open-challenge' as const }),
  fc.record({
    type: fc.constant('open' as const),
    nonce: bytes(16),
    proof: bytes(16),
    by: fc.string({ maxLength: 30 }),
  }),
  fc.record({
    type: fc.constant('mobile-key' as const),
    groupKeyId: bytes(8),
    wrapped: fc.uint8Array({ minLength: 1, maxLength: 80 }).map((b) => Buffer.from(b)),
  }),
  fc.record({ type: fc.constant('join' as const), serial: fc.stringMatching(/^[A-Z0-9-]{1,20}$/) }),
  fc.record({
    type: fc.constant('report' as const),
    report,
    configDigest: fc.option(nonZero(32), { nil: null }),
    cardKeyVersion: fc.option(fc.integer({ min: 0, max: 254 }), { nil: null }),
    publicKey: fc.option(nonZero(32), { nil: null }),
  }),
  fc.record({
    type: fc.constant('events' as const),
    serial: fc.stringMatching(/^[A-Z0-9-]{1,20}$/),
    more: fc.boolean(),
    records: fc.array(record, { maxLength: 4 }),
  }),
);

const response: fc.Arbitrary<RfResponse> = fc.oneof(
  fc.record({ type: fc.constant('status' as const), report }),
  fc.record({ type: fc.constant('chunk' as const), received: u32 }),
  fc.record({
    type: fc.constant('error' as const),
    code: fc.constantFrom(...LOCK_ERRORS),
    message: fc.string({ maxLength: 50 }),
  }),
  fc.record({ type: fc.constant('blacklist-add' as const), blacklistSeq: u32 }),
  fc.record({ type: fc.constant('open-challenge' as const), nonce: bytes(16) }),
  fc.record({ type: fc.constant('open' as const), openedAt: u32 }),
  fc.record({ type: fc.constant('mobile-key' as const), groupKeyId: bytes(8) }),
  fc.record({
    type: fc.constant('join' as const),
    doorId: id,
    keyVersion: fc.integer({ min: 1, max: 255 }),
    panId: fc.nat(0xffff),
    networkKey: bytes(16),
    lockKey: bytes(16),
  }),
  fc.record({ type: fc.constant('report' as const), now: u32 }),
  fc.record({ type: fc.constant('events' as const), ack: u32 }),
);

describe('rf messages', () => {
  it('round-trips every request and response', () => {
    fc.assert(
      fc.property(request, (m) => {
        expect(plain(decodeRfRequest(encodeRfRequest(m)))).toEqual(plain(m));
      }),
    );
    fc.assert(
      fc.property(response, (m) => {
        expect(plain(decodeRfResponse(encodeRfResponse(m)))).toEqual(plain(m));
      }),
    );
  });

  it('decodes any bytes to a message that encodes back to them, or refuses them with RfMessageError', () => {
    fuzzCodec(
      decodeRfRequest,
      encodeRfRequest,
      nearMisses(request.map(encodeRfRequest), 200),
      RfMessageError,
    );
    fuzzCodec(
      decodeRfResponse,
      encodeRfResponse,
      nearMisses(response.map(encodeRfResponse), 200),
      RfMessageError,
    );
  });

  it('never carries an emergency opening: that needs a PPD in the technician’s hand', () => {
    expect(() => decodeRfRequest(Buffer.from([0x07, ...Buffer.from('{}')]))).toThrow(/PPD/);
  });

  it('reads a join code typed with or without dashes, in any case', () => {
    const key = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const code = formatJoinCode(key);
    expect(code).toBe('0011-2233-4455-6677-8899-AABB-CCDD-EEFF');
    expect(parseJoinCode(code)).toEqual(key);
    expect(parseJoinCode(code.toLowerCase().replace(/-/g, ''))).toEqual(key);
    expect(() => parseJoinCode('0011-22')).toThrow(/32 hex digits/);
  });

  it('binds an open proof to the lock key, the lock, its door and the nonce', () => {
    const key = Buffer.alloc(16, 7);
    const eui = Buffer.from('00124B0001A2B3C4', 'hex');
    const nonce = Buffer.alloc(16, 1);
    const proof = openProof(key, eui, 5, nonce);
    expect(proof).toHaveLength(16);
    expect(openProof(Buffer.alloc(16, 8), eui, 5, nonce)).not.toEqual(proof);
    expect(openProof(key, Buffer.from('00124B0001A2B3C5', 'hex'), 5, nonce)).not.toEqual(proof);
    expect(openProof(key, eui, 6, nonce)).not.toEqual(proof);
    expect(openProof(key, eui, 5, Buffer.alloc(16, 2))).not.toEqual(proof);
  });
});
