import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeCookieReply,
  encodeInitiation,
  encodeResponse,
  INITIATION_NOISE_BYTES,
  LinkFormatError,
  MAX_DATAGRAM_BYTES,
  RESPONSE_NOISE_BYTES,
  writeTransportHeader,
} from './formats.js';
import { Initiator, Responder } from './handshake.js';
import { testKey } from './test-keys.js';

describe('link message formats', () => {
  it('round-trips every message type', () => {
    const init = decodeMessage(encodeInitiation(0xdeadbeef, Buffer.alloc(INITIATION_NOISE_BYTES, 1)));
    expect(init).toMatchObject({ type: 1, sender: 0xdeadbeef });
    const resp = decodeMessage(encodeResponse(1, 2, Buffer.alloc(RESPONSE_NOISE_BYTES, 2)));
    expect(resp).toMatchObject({ type: 2, sender: 1, receiver: 2 });
    const cookie = decodeMessage(encodeCookieReply(3, Buffer.alloc(24, 4), Buffer.alloc(32, 5)));
    expect(cookie).toMatchObject({
      type: 3,
      receiver: 3,
      nonce: Buffer.alloc(24, 4),
      sealedCookie: Buffer.alloc(32, 5),
    });
    const t = Buffer.alloc(40);
    writeTransportHeader(t, 9, 2n ** 63n);
    expect(decodeMessage(t)).toMatchObject({ type: 4, receiver: 9, counter: 2n ** 63n });
  });

  it.each([
    ['short header', [1, 0, 0], /shorter than a header/],
    ['unknown type', [9, 0, 0, 0], /unknown message type 9/],
    ['reserved bytes', [1, 0, 1, 0], /reserved/],
    ['wrong initiation size', [1, 0, 0, 0, ...Array(100).fill(0)], /initiation must be 148 bytes/],
    ['truncated transport', [4, 0, 0, 0, ...Array(20).fill(0)], /truncated/],
    ['oversized', [4, 0, 0, 0, ...Array(MAX_DATAGRAM_BYTES).fill(0)], /oversized/],
  ])('refuses %s', (_n, bytes, message) => {
    expect(() => decodeMessage(Buffer.from(bytes))).toThrow(LinkFormatError);
    expect(() => decodeMessage(Buffer.from(bytes))).toThrow(message);
  });

  it('decodes arbitrary bytes to a message or a LinkFormatError, never anything else', () => {
    const typed = fc
      .tuple(
        fc.constantFrom(1, 2, 3, 4),
        fc.constantFrom(64, 92, 148, 32, 31, 100),
        fc.uint8Array({ maxLength: 1 }),
      )
      .map(([type, size]) => {
        const b = Buffer.alloc(size);
        b[0] = type;
        return b;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 1600 }), typed), (bytes) => {
        try {
          expect(decodeMessage(bytes).type).toBeGreaterThan(0);
        } catch (e) {
          expect(e).toBeInstanceOf(LinkFormatError);
        }
      }),
    );
  });

  it('handshake consumers refuse arbitrary bytes without throwing', () => {
    const server = testKey(1);
    const device = testKey(2);
    const responder = new Responder({ staticKey: server, peers: [{ publicKey: device.publicKey }] });
    const initiator = new Initiator({ staticKey: device, peerPublic: server.publicKey });
    initiator.createInitiation(0);
    const src = { address: '::1', port: 1 };
    const sized = fc
      .constantFrom(148, 92, 64)
      .chain((n) =>
        fc
          .tuple(fc.constantFrom(1, 2, 3), fc.uint8Array({ minLength: n - 4, maxLength: n - 4 }))
          .map(([t, rest]) => Buffer.concat([Buffer.from([t, 0, 0, 0]), rest])),
      );
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), sized), fc.boolean(), (bytes, load) => {
        expect(responder.consumeInitiation(bytes, src, 0, load).kind).not.toBe('accepted');
        expect(initiator.consumeResponse(bytes, 0).ok).toBe(false);
        expect(initiator.consumeCookieReply(bytes, 0)).toBe(false);
      }),
    );
  });
});
