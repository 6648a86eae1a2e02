import { fuzzCodec, nearMisses, plain } from '../../test/helpers/codec-fuzz.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEVICE_ERRORS,
  PROTOCOL_VERSION,
  decodeDeviceMessage,
  decodeHostMessage,
  encodeDeviceMessage,
  encodeHostMessage,
  type DeviceMessage,
  type HostMessage,
} from './ncoder-messages.js';
import {
  LED_COLOURS,
  MAX_APDU,
  SESSION_FAILURES,
  decodeSessionRequest,
  decodeSessionResponse,
  encodeSessionRequest,
  encodeSessionResponse,
  type SessionRequest,
  type SessionResponse,
} from './session-messages.js';
import { NcoderMessageError } from './wire-bytes.js';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const xid = fc.nat(255);
const counter = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const label = fc.stringMatching(/^[\x20-\x7e]{1,32}$/);
const sealed = fc.uint8Array({ minLength: 17, maxLength: 300 });
const detail = fc.string({ maxLength: 60 });

const hostMessage: fc.Arbitrary<HostMessage> = fc.oneof(
  xid.map((x) => ({ type: 'get-info' as const, xid: x })),
  fc.record({ type: fc.constant('pair' as const), xid, hostPublicKey: bytes(32), wrappedKey: bytes(32) }),
  fc.record({ type: fc.constant('auth-begin' as const), xid, rndA: bytes(16) }),
  fc.record({ type: fc.constant('auth-finish' as const), xid, proof: bytes(16) }),
  fc.record({ type: fc.constant('secure' as const), xid, counter, sealed }),
);

const deviceMessage: fc.Arbitrary<DeviceMessage> = fc.oneof(
  fc.record({
    type: fc.constant('info' as const),
    xid,
    info: fc.record(
      {
        protocol: fc.nat(255),
        serial: label,
        firmware: label,
        paired: fc.boolean(),
        pairingPublicKey: bytes(32),
      },
      { requiredKeys: ['protocol', 'serial', 'firmware', 'paired'] },
    ),
  }),
  fc.record({ type: fc.constant('paired' as const), xid, confirm: bytes(16) }),
  fc.record({ type: fc.constant('auth-challenge' as const), xid, rndB: bytes(16), proof: bytes(16) }),
  xid.map((x) => ({ type: 'auth-ok' as const, xid: x })),
  fc.record({ type: fc.constant('secure' as const), xid, counter, inReplyTo: counter, sealed }),
  fc.record({ type: fc.constant('error' as const), xid, code: fc.constantFrom(...DEVICE_ERRORS), detail }),
);

const apdu = fc.uint8Array({ minLength: 1, maxLength: MAX_APDU });
const sessionRequest: fc.Arbitrary<SessionRequest> = fc.oneof(
  fc.constant({ op: 'poll' as const }),
  apdu.map((a) => ({ op: 'transceive' as const, apdu: a })),
  fc.constant({ op: 'field-reset' as const }),
  fc.integer({ min: 1, max: 5000 }).map((ms) => ({ op: 'beep' as const, ms })),
  fc.constantFrom(...LED_COLOURS).map((colour) => ({ op: 'led' as const, colour })),
);
const card = fc.record({
  uid: fc.oneof(bytes(4), bytes(7), bytes(10)),
  atqa: fc.nat(0xffff),
  sak: fc.nat(255),
  ats: fc.uint8Array({ maxLength: 254 }),
});
const sessionResponse: fc.Arbitrary<SessionResponse> = fc.oneof(
  fc.option(card, { nil: null }).map((c) => ({ op: 'card' as const, card: c })),
  apdu.map((data) => ({ op: 'apdu' as const, data })),
  fc.constant({ op: 'done' as const }),
  fc.record({ op: fc.constant('failed' as const), code: fc.constantFrom(...SESSION_FAILURES), detail }),
);

const inputs = (valid: fc.Arbitrary<Uint8Array>) => nearMisses(valid, 400);
/** Decoding gives a value that encodes back to the same bytes, or a NcoderMessageError: nothing else. */
const fuzz = <T>(
  decode: (b: Uint8Array) => T,
  encode: (v: T) => Uint8Array,
  valid: fc.Arbitrary<Uint8Array>,
) => fuzzCodec(decode, encode, inputs(valid), NcoderMessageError);

describe('ncoder-messages', () => {
  it('round-trips every host and device message', () => {
    fc.assert(
      fc.property(hostMessage, (m) => {
        expect(plain(decodeHostMessage(encodeHostMessage(m)))).toEqual(plain(m));
      }),
    );
    fc.assert(
      fc.property(deviceMessage, (m) => {
        const back = decodeDeviceMessage(encodeDeviceMessage(m));
        if (m.type === 'error') expect(Buffer.byteLength((back as typeof m).detail)).toBeLessThanOrEqual(200);
        expect(plain(back)).toEqual(plain(m));
      }),
    );
  });

  it('round-trips every session request and response', () => {
    fc.assert(
      fc.property(sessionRequest, (q) => {
        expect(plain(decodeSessionRequest(encodeSessionRequest(q)))).toEqual(plain(q));
      }),
    );
    fc.assert(
      fc.property(sessionResponse, (a) => {
        expect(plain(decodeSessionResponse(encodeSessionResponse(a)))).toEqual(plain(a));
      }),
    );
  });

  it('fuzz: the host message decoder', () =>
    fuzz(decodeHostMessage, encodeHostMessage, hostMessage.map(encodeHostMessage)));
  it('fuzz: the device message decoder', () =>
    fuzz(decodeDeviceMessage, encodeDeviceMessage, deviceMessage.map(encodeDeviceMessage)));
  it('fuzz: the session request decoder', () =>
    fuzz(decodeSessionRequest, encodeSessionRequest, sessionRequest.map(encodeSessionRequest)));
  it('fuzz: the session response decoder', () =>
    fuzz(decodeSessionResponse, encodeSessionResponse, sessionResponse.map(encodeSessionResponse)));

  it('says clearly what is wrong', () => {
    expect(() => decodeHostMessage(Uint8Array.of(0x03, 1, 2))).toThrow(/rndA: needs 16 bytes, 1 left/);
    expect(() => decodeHostMessage(Uint8Array.of(0x01, 1, 0))).toThrow(
      /get-info: 1 unexpected trailing bytes/,
    );
    expect(() => decodeHostMessage(Uint8Array.of(0x77, 1))).toThrow(/unknown host message type 0x77/);
    expect(() => decodeDeviceMessage(Uint8Array.of(0x81, 1, PROTOCOL_VERSION, 0, 1, 0x07, 1, 0x41))).toThrow(
      /serial: not printable ASCII/,
    );
    expect(() => decodeSessionResponse(Uint8Array.of(0xa0, 1, 5))).toThrow(/a 5-byte UID/);
    expect(() => decodeSessionRequest(Uint8Array.of(0x21))).toThrow(/APDU of 0 bytes/);
  });

  it('cuts a long error detail on a character boundary', () => {
    const m = decodeDeviceMessage(
      encodeDeviceMessage({ type: 'error', xid: 1, code: 'BAD_REQUEST', detail: 'é'.repeat(150) }),
    );
    expect(m.type === 'error' && m.detail).toBe('é'.repeat(100));
  });
});
