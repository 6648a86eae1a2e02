/** Bounds-checked reading of a message's data, so every decoder fails with a reason, not undefined. */

export class OsdpMessageError extends Error {
  override name = 'OsdpMessageError';
}

export class ByteReader {
  private pos = 0;
  constructor(
    private readonly data: Buffer,
    private readonly what: string,
  ) {}

  private need(n: number): void {
    if (this.pos + n > this.data.length)
      throw new OsdpMessageError(`${this.what}: ${this.data.length} bytes is too short`);
  }
  u8(): number {
    this.need(1);
    return this.data[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.data.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.data.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = Buffer.from(this.data.subarray(this.pos, this.pos + n));
    this.pos += n;
    return v;
  }
  rest(): Buffer {
    return this.bytes(this.data.length - this.pos);
  }
  get remaining(): number {
    return this.data.length - this.pos;
  }
  /** Refuses trailing bytes: a longer message than its type allows is malformed, not ignorable. */
  end(): void {
    if (this.pos !== this.data.length)
      throw new OsdpMessageError(`${this.what}: ${this.data.length - this.pos} unexpected trailing bytes`);
  }
}

export function u8(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new OsdpMessageError(`${what}: ${v} is not a byte`);
  return v;
}

export function u16le(v: number, what: string): Buffer {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new OsdpMessageError(`${what}: ${v} is not 16-bit`);
  return Buffer.of(v & 0xff, v >> 8);
}

export function u32le(v: number, what: string): Buffer {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
    throw new OsdpMessageError(`${what}: ${v} is not 32-bit`);
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
}

export function fixed(b: Uint8Array, n: number, what: string): Buffer {
  if (b.length !== n) throw new OsdpMessageError(`${what}: must be ${n} bytes, not ${b.length}`);
  return Buffer.from(b);
}
