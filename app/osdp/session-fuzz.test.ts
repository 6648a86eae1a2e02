import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CpSession } from './cp-session.js';
import type { CpEvent, CpOutput } from './cp-types.js';
import { encodeFrame } from './frame.js';
import { PdSession } from './pd-session.js';
import { arbFrame } from './test-support.js';

const key = Buffer.alloc(16, 0x42);
const pd = () =>
  new PdSession({
    address: 5,
    id: {
      vendor: Buffer.alloc(3),
      model: 0,
      version: 0,
      serial: 0,
      firmware: { major: 0, minor: 0, build: 0 },
    },
    capabilities: [],
    cuid: Buffer.alloc(8),
    scbk: key,
    handle: () => ({ type: 'ack' }),
  });

/** Frames aimed at the device under test, so they get past the address check. */
const toPd = arbFrame.map((f) => encodeFrame({ ...f, address: 5, reply: false }));
const toCp = arbFrame.map((f) => encodeFrame({ ...f, address: 5, reply: true }));

describe('sessions over a lossy line', () => {
  it('every request ends exactly once, and every reply that arrives is right', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 200, maxLength: 200 }), (dice) => {
        let n = 0;
        // 0–2 of 10: the frame is lost or corrupted (the CRC catches it), in either direction.
        const line = (b: Buffer): Buffer | undefined => {
          const d = dice[n++ % dice.length]!;
          if (d === 0) return undefined;
          if (d === 1) {
            const c = Buffer.from(b);
            c[c.length >> 1]! ^= 0x5a;
            return c;
          }
          return b;
        };
        const p = pd();
        const cp = new CpSession({ address: 5, scbk: key, retries: 4 });
        const events: CpEvent[] = [];
        let now = 0;
        const deliver = (o: CpOutput) => {
          events.push(...o.events);
          for (const b of o.out) {
            const sent = line(b);
            for (const r of sent ? p.receive(sent) : []) {
              const got = line(r);
              if (got) deliver(cp.receive(got, now));
            }
          }
        };
        const handshakes = [cp.startSecureChannel()];
        const ids: number[] = [];
        for (let i = 0; i < 6; i++) {
          ids.push(cp.request({ type: 'id' }));
          if (i === 2) handshakes.push(cp.startSecureChannel());
        }
        for (let i = 0; i < 400 && !cp.idle; i++) deliver(cp.tick((now += 250)));
        expect(cp.idle).toBe(true);
        const ends = events.filter((e) => e.type === 'reply' || e.type === 'failed');
        // A handshake that succeeds reports 'secure' instead, so only requests must end exactly once.
        expect(ends.map((e) => e.id).filter((id) => !handshakes.includes(id))).toEqual(ids);
        for (const e of ends)
          if (e.type === 'reply') expect(e.reply).toMatchObject({ type: 'pdid', serial: 0 });
      }),
      { numRuns: 60 },
    );
  });
});

describe('sessions under hostile input', () => {
  it('a PD answers any frames and bytes without throwing, and never opens a channel by accident', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(toPd, fc.uint8Array({ maxLength: 60 })), { maxLength: 12 }), (inputs) => {
        const p = pd();
        for (const b of inputs) p.receive(b);
        expect(p.secure).toBe(false);
      }),
    );
  });

  it('a CP takes any replies and bytes without throwing, and never reports a secure channel', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(toCp, fc.uint8Array({ maxLength: 60 })), { maxLength: 12 }), (inputs) => {
        const cp = new CpSession({ address: 5, scbk: key });
        cp.startSecureChannel();
        cp.request({ type: 'poll' });
        let now = 0;
        for (const b of inputs) {
          cp.tick((now += 100));
          const res = cp.receive(b, now);
          expect(res.events.some((e) => e.type === 'secure')).toBe(false);
        }
        expect(cp.secure).toBe(false);
      }),
    );
  });
});
