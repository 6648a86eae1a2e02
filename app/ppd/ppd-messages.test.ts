import { fuzzCodec, nearMisses, plain } from '../../test/helpers/codec-fuzz.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_RESULTS_CHUNK,
  MAX_ROUND_CHUNK,
  PAIRING_STATES,
  PPD_ERRORS,
  PpdMessageError,
  decodePpdIdentity,
  decodePpdRequest,
  decodePpdResponse,
  decodePreAuthRequest,
  decodePreAuthResponse,
  encodePpdIdentity,
  encodePpdRequest,
  encodePpdResponse,
  encodePreAuthRequest,
  encodePreAuthResponse,
  type PpdRequest,
  type PpdResponse,
  type PreAuthRequest,
  type PreAuthResponse,
} from './ppd-messages.js';
import { PayloadError, decodeResults, decodeRound, encodeResults, encodeRound } from './ppd-payloads.js';
import type { Round, VisitResult } from './round.js';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const u32 = fc.nat(0xffff_ffff);
const label = fc.stringMatching(/^[\x20-\x7e]{1,40}$/);
const roundId = fc.stringMatching(/^[\x20-\x7e]{1,64}$/);
const detail = fc.string({ maxLength: 60 });

const preAuthRequest: fc.Arbitrary<PreAuthRequest> = fc.oneof(
  bytes(16).map((siteTag) => ({ type: 'info' as const, siteTag })),
  fc.record({
    type: fc.constant('pair' as const),
    hostPublicKey: bytes(32),
    wrappedKey: bytes(32),
    siteTag: bytes(16),
  }),
);

const preAuthResponse: fc.Arbitrary<PreAuthResponse> = fc.oneof(
  fc
    .record({
      protocol: fc.nat(255),
      serial: label,
      firmware: label,
      battery: fc.nat(100),
      pairing: fc.constantFrom(...PAIRING_STATES),
      key: bytes(32),
    })
    .map(({ key, ...info }) => ({
      type: 'info' as const,
      info: info.pairing === 'unpaired' ? { ...info, pairingPublicKey: key } : info,
    })),
  bytes(16).map((confirm) => ({ type: 'paired' as const, confirm })),
  fc.record({ type: fc.constant('error' as const), code: fc.constantFrom(...PPD_ERRORS), detail }),
);

const request: fc.Arbitrary<PpdRequest> = fc.oneof(
  fc.constant({ type: 'state' as const }),
  fc.record({ type: fc.constant('begin-round' as const), roundId, totalBytes: u32, sha256: bytes(32) }),
  fc.record({
    type: fc.constant('round-chunk' as const),
    offset: u32,
    bytes: fc.uint8Array({ minLength: 1, maxLength: MAX_ROUND_CHUNK }),
  }),
  fc.constant({ type: 'commit-round' as const }),
  u32.map((offset) => ({ type: 'read-results' as const, offset })),
  u32.map((throughSeq) => ({ type: 'ack-results' as const, throughSeq })),
  fc.constant({ type: 'clear-round' as const }),
);

const response: fc.Arbitrary<PpdResponse> = fc.oneof(
  fc.record({
    type: fc.constant('state' as const),
    round: fc.option(fc.record({ roundId, tasks: u32, visited: u32, totalBytes: u32 }), { nil: null }),
    loading: fc.option(fc.record({ roundId, loadedBytes: u32, totalBytes: u32 }), { nil: null }),
    resultsPending: u32,
  }),
  u32.map((offset) => ({ type: 'resume-at' as const, offset })),
  u32.map((loaded) => ({ type: 'loaded' as const, loaded })),
  fc.constant({ type: 'done' as const }),
  fc.record({
    type: fc.constant('results' as const),
    totalBytes: u32,
    count: u32,
    firstSeq: u32,
    sha256: bytes(32),
    offset: u32,
    bytes: fc.uint8Array({ maxLength: MAX_RESULTS_CHUNK }),
  }),
  fc.record({ type: fc.constant('error' as const), code: fc.constantFrom(...PPD_ERRORS), detail }),
);

const inputs = (valid: fc.Arbitrary<Uint8Array>) => nearMisses(valid, 1100);
/** Decoding gives a value that encodes back to the same bytes, or a PpdMessageError: nothing else. */
const fuzz = <T>(
  decode: (b: Uint8Array) => T,
  encode: (v: T) => Uint8Array,
  valid: fc.Arbitrary<Uint8Array>,
) => fuzzCodec(decode, encode, inputs(valid), PpdMessageError);

const ROUND: Round = {
  roundId: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
  siteId: 'site-1',
  createdAt: 1_765_000_000,
  createdBy: 'admin',
  tasks: [{ doorId: 3, doorName: 'Store room', authKey: '0'.repeat(32), authKeyVersion: 0 }],
};

const RESULT: VisitResult = {
  roundId: ROUND.roundId,
  doorId: 3,
  visitedAt: 1_765_000_100,
  outcome: 'failed',
  error: 'the lock did not answer',
  lock: null,
  clockDriftSeconds: null,
  audit: [],
};

describe('ppd-messages', () => {
  it('round-trips every message', () => {
    for (const [arb, enc, dec] of [
      [preAuthRequest, encodePreAuthRequest, decodePreAuthRequest],
      [preAuthResponse, encodePreAuthResponse, decodePreAuthResponse],
      [request, encodePpdRequest, decodePpdRequest],
      [response, encodePpdResponse, decodePpdResponse],
    ] as const) {
      fc.assert(
        fc.property(arb as fc.Arbitrary<unknown>, (m) => {
          const back = (dec as (b: Uint8Array) => unknown)((enc as (v: unknown) => Uint8Array)(m));
          expect(plain(back)).toEqual(plain(m));
        }),
      );
    }
    expect(decodePpdIdentity(encodePpdIdentity('PPD-0A1B2C3D'))).toBe('PPD-0A1B2C3D');
  });

  it('fuzz: the pre-authentication request decoder', () =>
    fuzz(decodePreAuthRequest, encodePreAuthRequest, preAuthRequest.map(encodePreAuthRequest)));
  it('fuzz: the pre-authentication answer decoder', () =>
    fuzz(decodePreAuthResponse, encodePreAuthResponse, preAuthResponse.map(encodePreAuthResponse)));
  it('fuzz: the session request decoder', () =>
    fuzz(decodePpdRequest, encodePpdRequest, request.map(encodePpdRequest)));
  it('fuzz: the session answer decoder', () =>
    fuzz(decodePpdResponse, encodePpdResponse, response.map(encodePpdResponse)));
  it('fuzz: the identity decoder', () =>
    fuzz(decodePpdIdentity, encodePpdIdentity, label.map(encodePpdIdentity)));

  it('says clearly what is wrong', () => {
    expect(() => decodePreAuthRequest(Uint8Array.of(0x01, 1, 2))).toThrow(/siteTag: needs 16 bytes, 2 left/);
    expect(() => decodePpdRequest(Uint8Array.of(0x10, 0))).toThrow(/state: 1 unexpected trailing bytes/);
    expect(() => decodePpdRequest(Uint8Array.of(0x12, 0, 0, 0, 0))).toThrow(
      /round-chunk: 0 bytes is not 1\.\./,
    );
    expect(() => decodePpdRequest(Uint8Array.of(0x42))).toThrow(/unknown request 0x42/);
    expect(() => decodePpdResponse(Uint8Array.of(0xff, 99))).toThrow(/unknown error code/);
    expect(() => decodePreAuthResponse(Uint8Array.of(0x81, 1, 0, 101))).toThrow(
      /battery 101 % is not a percentage/,
    );
  });
});

describe('ppd-payloads', () => {
  it('round-trips a round and results, the same bytes every time', () => {
    expect(decodeRound(encodeRound(ROUND))).toEqual(ROUND);
    expect(encodeRound(ROUND).equals(encodeRound(structuredClone(ROUND)))).toBe(true);
    expect(decodeResults(encodeResults([RESULT, RESULT]))).toEqual([RESULT, RESULT]);
  });

  it('fuzz: arbitrary or altered payload bytes are a PayloadError, never anything else', () => {
    const valid = fc.constantFrom(encodeRound(ROUND), encodeResults([RESULT]));
    fc.assert(
      fc.property(inputs(valid), (input) => {
        for (const decode of [decodeRound, decodeResults]) {
          try {
            decode(input);
          } catch (err) {
            expect(err).toBeInstanceOf(PayloadError);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a round for the wrong schema with the field that is wrong', () => {
    const bad = encodeResults([RESULT]);
    expect(() => decodeRound(bad)).toThrow(/the round: \(root\): .*expected object/);
  });
});
