/**
 * TAI64N timestamps (WireGuard whitepaper section 5.1): 8 bytes big-endian seconds offset by 2^62
 * (plus the 10 s TAI-UTC offset at the label's epoch, as WireGuard writes it), then 4 bytes of
 * nanoseconds. Big-endian, so comparing bytes compares times.
 */
export const TAI64N_BYTES = 12;
const BASE = (1n << 62n) + 10n;

/** The TAI64N label of a wall-clock time in milliseconds (plus optional extra nanoseconds). */
export function tai64n(ms: number, extraNanos = 0): Buffer {
  const out = Buffer.alloc(TAI64N_BYTES);
  const whole = Math.floor(ms);
  const seconds = Math.floor(whole / 1000);
  const nanos = (whole - seconds * 1000) * 1_000_000 + Math.floor((ms - whole) * 1_000_000) + extraNanos;
  out.writeBigUInt64BE(BASE + BigInt(seconds) + BigInt(Math.floor(nanos / 1e9)), 0);
  out.writeUInt32BE(nanos % 1e9, 8);
  return out;
}

/** The next label after `t` (one nanosecond later): keeps an initiator's timestamps strictly increasing. */
export function tai64nNext(t: Uint8Array): Buffer {
  const out = Buffer.from(t);
  let nanos = out.readUInt32BE(8) + 1;
  let seconds = out.readBigUInt64BE(0);
  if (nanos >= 1e9) {
    nanos = 0;
    seconds += 1n;
  }
  out.writeBigUInt64BE(seconds, 0);
  out.writeUInt32BE(nanos, 8);
  return out;
}

/** True when `a` is strictly later than `b`. Both are public values, so a plain compare is fine. */
export function tai64nAfter(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) > 0;
}
