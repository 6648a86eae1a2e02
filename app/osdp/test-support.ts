import fc from 'fast-check';
import type { Frame } from './frame.js';

export const hex = (s: string) => Buffer.from(s, 'hex');
export const bytes = (min = 0, max = 40) =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((b) => Buffer.from(b));
export const byte = fc.integer({ min: 0, max: 255 });

/** Any frame the codec can carry, with or without a Security Control Block. */
export const arbFrame: fc.Arbitrary<Frame> = fc
  .record({
    address: fc.integer({ min: 0, max: 0x7f }),
    reply: fc.boolean(),
    sequence: fc.integer({ min: 0, max: 3 }),
    useCrc: fc.boolean(),
    code: byte,
    data: bytes(0, 60),
    scbType: fc.option(fc.integer({ min: 0x11, max: 0x18 }), { nil: undefined }),
    scbData: bytes(0, 2),
    mac: bytes(4, 4),
  })
  .map(({ scbType, scbData, mac, ...f }) => {
    if (scbType === undefined) return f;
    const frame: Frame = { ...f, scb: { type: scbType, data: scbData } };
    if (scbType >= 0x15) frame.mac = mac;
    return frame;
  });
