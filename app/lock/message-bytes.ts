/**
 * Big-endian fields of the lock's binary messages (the PPD↔lock messages, lock-messages.ts, and the
 * RF messages that carry them, app/rf/rf-messages.ts): one reader and writer, each codec giving the
 * error its callers expect.
 */

/** Reads a message body, refusing to run past its end: `fail` throws the codec's own error. */
export class MessageReader {
  private at = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly fail: (why: string) => never,
  ) {}
  private need(n: number, what: string): void {
    if (this.at + n > this.buf.length) this.fail(`${what} is cut short`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.at++]!;
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.at);
    this.at += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }
  i32(what: string): number {
    this.need(4, what);
    const v = this.buf.readInt32BE(this.at);
    this.at += 4;
    return v;
  }
  bytes(n: number, what: string): Buffer {
    this.need(n, what);
    const v = Buffer.from(this.buf.subarray(this.at, this.at + n));
    this.at += n;
    return v;
  }
  rest(): Buffer {
    const v = Buffer.from(this.buf.subarray(this.at));
    this.at = this.buf.length;
    return v;
  }
  end(what: string): void {
    if (this.at !== this.buf.length) this.fail(`${this.buf.length - this.at} bytes after the ${what}`);
  }
}

/** A 16-bit field; RangeError for a number that does not fit (a bug of the sender, not bad input). */
export function u16Bytes(n: number, what: string): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff)
    throw new RangeError(`${what} ${n} is not a 16-bit number`);
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

/** A 32-bit field; RangeError for a number that does not fit. */
export function u32Bytes(n: number, what: string): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff)
    throw new RangeError(`${what} ${n} is not a 32-bit number`);
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
