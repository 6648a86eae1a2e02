import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EnrolmentAttempt,
  enrolmentHandshake,
  enrolmentPsk,
  EnrolmentResponder,
  type EnrolmentHost,
  type EnrolmentRequest,
  type FinishOutcome,
} from './enrolment.js';
import {
  decodeMessage,
  encodeEnrolFinish,
  encodeEnrolInit,
  encodeEnrolReply,
  encodeEnrolResponse,
  ENROL_FINISH_MIN_BYTES,
  ENROL_INIT_BYTES,
  ENROL_INIT_NOISE_BYTES,
  ENROL_REFUSAL_BYTES,
  ENROL_REPLY_MIN_BYTES,
  ENROL_RESPONSE_BYTES,
  ENROL_RESPONSE_NOISE_BYTES,
  LinkFormatError,
  MAX_DATAGRAM_BYTES,
  MAX_ENROL_PAYLOAD_BYTES,
  MAX_ENROL_REPLY_BYTES,
  type EnrolFinish,
  type EnrolInit,
  type EnrolReply,
  type EnrolResponse,
} from './formats.js';
import { testKey } from './test-keys.js';

const service = testKey(0x41);
const device = testKey(0x42);
const other = testKey(0x43);
const CODE = 'K7QF-2M9X-ABCD-EFGH-JKMN-PQRS';
const src = { address: '127.0.0.1', port: 4242 };
const T0 = 1_780_000_000_000;

const as = <T>(b: Buffer) => decodeMessage(b) as T;

function responder(host: EnrolmentHost | undefined, extra: { perSecond?: number; now?: () => number } = {}) {
  let next = 100;
  const r = new EnrolmentResponder({
    staticKey: service,
    allocateIndex: () => next++,
    now: extra.now ?? (() => T0),
    ...(extra.perSecond === undefined ? {} : { perSecond: extra.perSecond }),
  });
  r.host = host;
  return r;
}

function hostWith(codes: { id: string; code: string }[], reply = Buffer.from('welcome')) {
  const accepted: EnrolmentRequest[] = [];
  const host: EnrolmentHost = {
    codes: () => codes,
    accept: (e) => {
      accepted.push(e);
      return reply;
    },
  };
  return { host, accepted };
}

/** Runs messages 1–3 between an attempt and a responder; returns the responder's outcome. */
async function exchange(
  r: EnrolmentResponder,
  a: EnrolmentAttempt,
): Promise<{ outcome: FinishOutcome; a: EnrolmentAttempt }> {
  const m2 = r.consumeInit(as<EnrolInit>(a.message1()), T0);
  if (!m2.ok) throw new Error(`message 1 refused: ${m2.reason}`);
  const m3 = a.consumeResponse(as<EnrolResponse>(m2.message));
  if (!m3.ok) throw new Error(`message 2 refused: ${m3.reason}`);
  return { outcome: await r.consumeFinish(as<EnrolFinish>(m3.message), src, T0), a };
}

describe('enrolment wire formats (types 5–8)', () => {
  it('round-trips every enrolment message', () => {
    const noise1 = Buffer.alloc(ENROL_INIT_NOISE_BYTES, 1);
    const init = encodeEnrolInit(0xdeadbeef, noise1);
    expect(init.length).toBe(ENROL_INIT_BYTES);
    expect(decodeMessage(init)).toEqual({ type: 5, sender: 0xdeadbeef, noise: noise1 });
    const noise2 = Buffer.alloc(ENROL_RESPONSE_NOISE_BYTES, 2);
    const resp = encodeEnrolResponse(1, 2, noise2);
    expect(resp.length).toBe(ENROL_RESPONSE_BYTES);
    expect(decodeMessage(resp)).toEqual({ type: 6, sender: 1, receiver: 2, noise: noise2 });
    const noise3 = Buffer.alloc(ENROL_FINISH_MIN_BYTES - 8 + 10, 3);
    expect(decodeMessage(encodeEnrolFinish(3, noise3))).toEqual({ type: 7, receiver: 3, noise: noise3 });
    const sealed = Buffer.alloc(48 + 5, 4);
    expect(decodeMessage(encodeEnrolReply(4, sealed))).toEqual({ type: 8, receiver: 4, sealed });
    const refusal = encodeEnrolReply(5);
    expect(refusal.length).toBe(ENROL_REFUSAL_BYTES);
    expect(decodeMessage(refusal)).toEqual({ type: 8, receiver: 5, sealed: undefined });
    expect(MAX_ENROL_PAYLOAD_BYTES).toBe(MAX_DATAGRAM_BYTES - 72);
    expect(MAX_ENROL_REPLY_BYTES).toBe(MAX_DATAGRAM_BYTES - 56);
  });

  const padded = Buffer.from(encodeEnrolInit(1, Buffer.alloc(ENROL_INIT_NOISE_BYTES)));
  padded[ENROL_INIT_BYTES - 1] = 1;
  it.each([
    ['init of the wrong size', Buffer.alloc(ENROL_INIT_BYTES - 1, 0).fill(5, 0, 1), /enrol init must be 108/],
    ['init with non-zero padding', padded, /padding/],
    ['response of the wrong size', Buffer.from([6, 0, 0, 0, ...Array(100).fill(0)]), /must be 108 bytes/],
    ['truncated finish', Buffer.from([7, 0, 0, 0, ...Array(60).fill(0)]), /truncated/],
    ['reply between refusal and sealed sizes', Buffer.from([8, 0, 0, 0, ...Array(20).fill(0)]), /neither/],
    ['reserved bytes', Buffer.from([7, 1, 0, 0, ...Array(80).fill(0)]), /reserved/],
    ['oversized finish', Buffer.from([7, 0, 0, 0, ...Array(MAX_DATAGRAM_BYTES).fill(0)]), /oversized/],
  ])('refuses %s', (_n, bytes, message) => {
    expect(() => decodeMessage(bytes)).toThrow(LinkFormatError);
    expect(() => decodeMessage(bytes)).toThrow(message);
  });

  it('encoders refuse wrong sizes', () => {
    expect(() => encodeEnrolInit(1, Buffer.alloc(47))).toThrow(RangeError);
    expect(() => encodeEnrolResponse(1, 2, Buffer.alloc(95))).toThrow(RangeError);
    expect(() => encodeEnrolFinish(1, Buffer.alloc(63))).toThrow(RangeError);
    expect(() => encodeEnrolFinish(1, Buffer.alloc(MAX_DATAGRAM_BYTES - 7))).toThrow(RangeError);
    expect(() => encodeEnrolReply(1, Buffer.alloc(47))).toThrow(RangeError);
    expect(() => encodeEnrolReply(1, Buffer.alloc(MAX_DATAGRAM_BYTES - 7))).toThrow(RangeError);
  });

  it('decodes arbitrary bytes with enrolment types to a message or a LinkFormatError, never anything else', () => {
    const typed = fc
      .tuple(
        fc.constantFrom(5, 6, 7, 8),
        fc.constantFrom(0, 1, 7, 8, 9, 55, 56, 71, 72, 107, 108, 109, 1452, 1453),
        fc.uint8Array({ maxLength: 1500 }),
        fc.boolean(),
      )
      .map(([type, size, fill, zeroTail]) => {
        const b = Buffer.alloc(size);
        b.set(fill.subarray(0, size));
        if (size > 0) b[0] = type;
        if (size > 3) b.fill(0, 1, 4);
        if (zeroTail && size > 56) b.fill(0, 56);
        return b;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 1600 }), typed), (bytes) => {
        try {
          const m = decodeMessage(bytes);
          expect(m.type).toBeGreaterThan(0);
          if (m.type === 5) expect(bytes.length).toBe(ENROL_INIT_BYTES);
          if (m.type === 8) expect(bytes.length === 8 || bytes.length >= ENROL_REPLY_MIN_BYTES).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(LinkFormatError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('enrolment protocol (XXpsk3, no sockets)', () => {
  it('completes: the host gets the key, payload and psk; the device gets the same psk and the reply', async () => {
    const { host, accepted } = hostWith([
      { id: 'other', code: 'AAAA-BBBB-CCCC' },
      { id: 'mine', code: CODE },
    ]);
    const r = responder(host);
    const a = new EnrolmentAttempt(7, {
      staticKey: device,
      code: CODE.toLowerCase(),
      payload: Buffer.from('hi'),
    });
    const { outcome } = await exchange(r, a);
    expect(outcome.ok).toBe(true);
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toMatchObject({ codeId: 'mine', publicKey: device.publicKey, address: src });
    expect(accepted[0]!.payload.toString()).toBe('hi');
    const done = a.consumeReply(as<EnrolReply>((outcome as { message: Buffer }).message));
    expect(done.ok).toBe(true);
    if (!done.ok) return;
    expect(done.result.peerPublicKey).toEqual(service.publicKey);
    expect(done.result.psk).toEqual(accepted[0]!.psk);
    expect(done.result.reply.toString()).toBe('welcome');
    expect(r.pendingCount).toBe(0);
  });

  it('derives the psk from the handshake hash, the same on both sides', () => {
    const i = enrolmentHandshake({ initiator: true, staticKey: device, pairingCode: CODE });
    const s = enrolmentHandshake({ initiator: false, staticKey: service, pairingCode: CODE });
    s.readMessage(i.writeMessage(Buffer.alloc(0)));
    i.readMessage(s.writeMessage(Buffer.alloc(0)));
    s.readMessage(i.writeMessage(Buffer.alloc(0)));
    expect(enrolmentPsk(i.finished!.handshakeHash)).toEqual(enrolmentPsk(s.finished!.handshakeHash));
    expect(enrolmentPsk(i.finished!.handshakeHash)).toHaveLength(32);
  });

  it('refuses a wrong code as forged, with a refusal, and asks the host nothing', async () => {
    const { host, accepted } = hostWith([{ id: 'mine', code: CODE }]);
    const r = responder(host);
    const a = new EnrolmentAttempt(7, { staticKey: device, code: 'WRONG-CODE', payload: Buffer.alloc(0) });
    const { outcome } = await exchange(r, a);
    expect(outcome).toMatchObject({ ok: false, reason: 'forged' });
    expect(accepted).toHaveLength(0);
    const refusal = (outcome as { message: Buffer }).message;
    expect(refusal).toHaveLength(ENROL_REFUSAL_BYTES);
    expect(a.consumeReply(as<EnrolReply>(refusal))).toEqual({ ok: false, reason: 'refused' });
  });

  it('answers a retry from the same key with the same psk and reply, and refuses another key', async () => {
    let pending = [{ id: 'mine', code: CODE }];
    const accepted: EnrolmentRequest[] = [];
    const host: EnrolmentHost = {
      codes: () => pending,
      accept: async (e) => {
        accepted.push(e);
        pending = []; // consumed
        return Buffer.from('reply-1');
      },
    };
    const r = responder(host);
    const first = await exchange(
      r,
      new EnrolmentAttempt(1, { staticKey: device, code: CODE, payload: Buffer.alloc(0) }),
    );
    expect(first.outcome.ok).toBe(true);
    // Message 4 lost: the device starts again with a fresh ephemeral.
    const retry = await exchange(
      r,
      new EnrolmentAttempt(2, { staticKey: device, code: CODE, payload: Buffer.alloc(0) }),
    );
    expect(retry.outcome).toMatchObject({ ok: true, repeated: true });
    const done = retry.a.consumeReply(as<EnrolReply>((retry.outcome as { message: Buffer }).message));
    expect(done.ok && done.result.psk.equals(accepted[0]!.psk)).toBe(true);
    expect(done.ok && done.result.reply.toString()).toBe('reply-1');
    const stolen = await exchange(
      r,
      new EnrolmentAttempt(3, { staticKey: other, code: CODE, payload: Buffer.alloc(0) }),
    );
    expect(stolen.outcome).toMatchObject({ ok: false, reason: 'refused' });
    expect(accepted).toHaveLength(1);
    // Forgotten after the repeat time: closed again.
    r.sweep(T0 + 300_000);
    const late = new EnrolmentAttempt(4, { staticKey: device, code: CODE, payload: Buffer.alloc(0) });
    expect(r.consumeInit(as<EnrolInit>(late.message1()), T0 + 300_000)).toEqual({
      ok: false,
      reason: 'closed',
    });
  });

  it('refuses when accept throws or returns an oversized reply, and lets the code be tried again', async () => {
    let calls = 0;
    const host: EnrolmentHost = {
      codes: () => [{ id: 'mine', code: CODE }],
      accept: () => {
        calls += 1;
        if (calls === 1) throw new Error('database busy');
        if (calls === 2) return Buffer.alloc(MAX_ENROL_REPLY_BYTES + 1);
        return Buffer.from('ok');
      },
    };
    const r = responder(host);
    const attempt = (i: number) =>
      new EnrolmentAttempt(i, { staticKey: device, code: CODE, payload: Buffer.alloc(0) });
    expect((await exchange(r, attempt(1))).outcome).toMatchObject({ ok: false, reason: 'refused' });
    expect((await exchange(r, attempt(2))).outcome).toMatchObject({ ok: false, reason: 'refused' });
    expect((await exchange(r, attempt(3))).outcome).toMatchObject({ ok: true, repeated: false });
  });

  it('answers message 1 only while a code is pending, and at most perSecond a second', () => {
    const m1 = () =>
      as<EnrolInit>(
        new EnrolmentAttempt(1, { staticKey: device, code: CODE, payload: Buffer.alloc(0) }).message1(),
      );
    expect(responder(undefined).consumeInit(m1(), T0)).toEqual({ ok: false, reason: 'closed' });
    expect(responder(hostWith([]).host).consumeInit(m1(), T0)).toEqual({ ok: false, reason: 'closed' });
    const r = responder(hostWith([{ id: 'x', code: CODE }]).host, { perSecond: 3 });
    const results = Array.from({ length: 5 }, () => r.consumeInit(m1(), T0));
    expect(results.map((x) => x.ok)).toEqual([true, true, true, false, false]);
    expect(results[4]).toEqual({ ok: false, reason: 'rate-limited' });
    expect(r.consumeInit(m1(), T0 + 2_000).ok).toBe(true);
    // Unanswered enrolments are forgotten after ENROL_PENDING_TIME.
    expect(r.pendingCount).toBe(4);
    r.sweep(T0 + 10_000);
    expect(r.pendingCount).toBe(1);
  });

  it('allows one message 3 per message 2 (a wrong guess ends it)', async () => {
    const r = responder(hostWith([{ id: 'mine', code: CODE }]).host);
    const wrong = new EnrolmentAttempt(1, { staticKey: device, code: 'WRONG', payload: Buffer.alloc(0) });
    const m2 = r.consumeInit(as<EnrolInit>(wrong.message1()), T0);
    const m3 = wrong.consumeResponse(as<EnrolResponse>((m2 as { message: Buffer }).message));
    const finish = as<EnrolFinish>((m3 as { message: Buffer }).message);
    expect(await r.consumeFinish(finish, src, T0)).toMatchObject({ reason: 'forged' });
    expect(await r.consumeFinish(finish, src, T0)).toEqual({ ok: false, reason: 'wrong-receiver' });
  });

  it('rejects an oversized payload with a RangeError', () => {
    expect(
      () =>
        new EnrolmentAttempt(1, {
          staticKey: device,
          code: CODE,
          payload: Buffer.alloc(MAX_ENROL_PAYLOAD_BYTES + 1),
        }),
    ).toThrow(RangeError);
    // The largest payload fits one datagram.
    const { host } = hostWith([{ id: 'x', code: CODE }]);
    const a = new EnrolmentAttempt(1, {
      staticKey: device,
      code: CODE,
      payload: Buffer.alloc(MAX_ENROL_PAYLOAD_BYTES),
    });
    const m2 = responder(host).consumeInit(as<EnrolInit>(a.message1()), T0);
    const m3 = a.consumeResponse(as<EnrolResponse>((m2 as { message: Buffer }).message));
    expect((m3 as { message: Buffer }).message).toHaveLength(MAX_DATAGRAM_BYTES);
  });

  it('both sides refuse arbitrary bytes without throwing and without accepting', async () => {
    const { host, accepted } = hostWith([{ id: 'x', code: CODE }]);
    const r = responder(host, { perSecond: 1e9 });
    const a = new EnrolmentAttempt(100, { staticKey: device, code: CODE, payload: Buffer.alloc(0) });
    a.message1();
    // A real pending enrolment at the responder (index 100 is its first), so junk message 3s reach the crypto.
    const b = new EnrolmentAttempt(5, { staticKey: device, code: CODE, payload: Buffer.alloc(0) });
    r.consumeInit(as<EnrolInit>(b.message1()), T0);
    const sized = fc.constantFrom(5, 6, 7, 8).chain((type) =>
      fc
        .tuple(
          fc.constantFrom(type === 8 ? 8 : 72, 108, 200),
          fc.uint8Array({ minLength: 200, maxLength: 200 }),
        )
        .map(([n, rest]) => {
          const m = Buffer.concat([Buffer.from([type, 0, 0, 0]), Buffer.from(rest)]).subarray(0, n);
          if (type === 5) m.fill(0, 56);
          if (type !== 5) m.writeUInt32LE(100, type === 6 ? 8 : 4); // aimed at the live indices
          return m;
        }),
    );
    const outcomes: Promise<unknown>[] = [];
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), sized), (bytes) => {
        let m;
        try {
          m = decodeMessage(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(LinkFormatError);
          return;
        }
        if (m.type === 5) expect(r.consumeInit(m, T0).ok).toBe(false);
        if (m.type === 6) expect(a.consumeResponse(m).ok).toBe(false);
        if (m.type === 7) outcomes.push(r.consumeFinish(m, src, T0).then((o) => expect(o.ok).toBe(false)));
        if (m.type === 8) expect(a.consumeReply(m).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
    await Promise.all(outcomes);
    expect(accepted).toHaveLength(0);
  });
});
