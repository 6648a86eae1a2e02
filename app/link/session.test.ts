import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REJECT_AFTER_TIME, REKEY_AFTER_TIME } from './constants.js';
import { MAX_PLAINTEXT_BYTES } from './formats.js';
import { Session } from './session.js';

const T0 = 1_780_000_000_000;

function sessions(): { a: Session; b: Session } {
  const k1 = Buffer.alloc(32, 0x11);
  const k2 = Buffer.alloc(32, 0x22);
  const hh = Buffer.alloc(32, 0x33);
  const common = { createdAt: T0, handshakeHash: hh };
  const a = new Session({
    ...common,
    sendKey: k1,
    receiveKey: k2,
    localIndex: 7,
    remoteIndex: 9,
    initiator: true,
  });
  const b = new Session({
    ...common,
    sendKey: k2,
    receiveKey: k1,
    localIndex: 9,
    remoteIndex: 7,
    initiator: false,
  });
  return { a, b };
}

describe('Session transport', () => {
  it('round-trips, including keepalives and the largest plaintext', () => {
    const { a, b } = sessions();
    for (const size of [0, 1, 100, MAX_PLAINTEXT_BYTES]) {
      const p = Buffer.alloc(size, size & 0xff);
      expect(b.open(a.seal(p, T0), T0)).toEqual({ ok: true, plaintext: p });
    }
    expect(() => a.seal(Buffer.alloc(MAX_PLAINTEXT_BYTES + 1), T0)).toThrow(RangeError);
  });

  it('accepts reordered datagrams once and refuses replays', () => {
    const { a, b } = sessions();
    const sent = Array.from({ length: 64 }, (_, i) => a.seal(Buffer.from([i]), T0));
    const order = [...sent.keys()].reverse();
    for (const i of order) expect(b.open(sent[i]!, T0)).toEqual({ ok: true, plaintext: Buffer.from([i]) });
    for (const d of sent) expect(b.open(d, T0)).toEqual({ ok: false, reason: 'replayed' });
  });

  it('refuses forged, altered, truncated and misdirected datagrams without changing state', () => {
    const { a, b } = sessions();
    const d = a.seal(Buffer.from('unlock'), T0);
    const flip = (at: number) => {
      const x = Buffer.from(d);
      x[at] = x[at]! ^ 0x80;
      return x;
    };
    expect(b.open(flip(1), T0)).toEqual({ ok: false, reason: 'malformed' });
    expect(b.open(flip(4), T0)).toEqual({ ok: false, reason: 'wrong-receiver' });
    expect(b.open(flip(8), T0)).toEqual({ ok: false, reason: 'forged' }); // counter is the nonce
    expect(b.open(flip(16), T0)).toEqual({ ok: false, reason: 'forged' });
    expect(b.open(flip(d.length - 1), T0)).toEqual({ ok: false, reason: 'forged' });
    expect(b.open(d.subarray(0, 31), T0)).toEqual({ ok: false, reason: 'malformed' });
    expect(b.open(d.subarray(0, d.length - 1), T0)).toEqual({ ok: false, reason: 'forged' });
    // A forgery with a far-ahead counter must not move the window past the real datagrams.
    const ahead = Buffer.from(d);
    ahead.writeBigUInt64LE(1_000_000n, 8);
    expect(b.open(ahead, T0)).toEqual({ ok: false, reason: 'forged' });
    expect(b.open(d, T0)).toEqual({ ok: true, plaintext: Buffer.from('unlock') });
  });

  it('never throws on arbitrary bytes, and never accepts them', () => {
    const { b } = sessions();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1600 }), (bytes) => {
        expect(b.open(bytes, T0).ok).toBe(false);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 200 }), (tail) => {
        const bytes = Buffer.concat([Buffer.from([4, 0, 0, 0, 9, 0, 0, 0]), Buffer.from(tail)]);
        expect(b.open(bytes, T0).ok).toBe(false);
      }),
    );
  });

  it('stops after REJECT_AFTER_TIME and asks for a rekey after REKEY_AFTER_TIME', () => {
    const { a, b } = sessions();
    const d = a.seal(Buffer.from('x'), T0);
    expect(a.needsRekey(T0 + REKEY_AFTER_TIME - 1)).toBe(false);
    expect(a.needsRekey(T0 + REKEY_AFTER_TIME)).toBe(true);
    expect(b.needsRekey(T0 + REKEY_AFTER_TIME)).toBe(false); // only the initiator rekeys by time
    expect(b.open(d, T0 + REJECT_AFTER_TIME)).toEqual({ ok: false, reason: 'expired' });
    expect(() => a.seal(Buffer.from('x'), T0 + REJECT_AFTER_TIME)).toThrow(/expired/);
    expect(b.open(d, T0 + REJECT_AFTER_TIME - 1).ok).toBe(true);
  });

  it('cannot send after destroy', () => {
    const { a } = sessions();
    a.destroy();
    expect(() => a.seal(Buffer.alloc(1), T0)).toThrow(/expired/);
  });
});
