/**
 * Bounds-checked reading for the NCoder message decoders: every way a message can be short, long or
 * out of range ends in one {@link NcoderMessageError}, never a RangeError from a Buffer read.
 */

/** A message that does not decode; the receiver drops it (and says so in its stats or its answer). */
export class NcoderMessageError extends Error {
  constructor(message: string) {
    super(`ncoder-messages: ${message}`);
    this.name = 'NcoderMessageError';
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads a message front to back. */
export class ByteReader {
  private at = 0;

  constructor(private readonly bytes: Uint8Array) {}

  /** Bytes not read yet. */
  get left(): number {
    return this.bytes.length - this.at;
  }

  /** One byte. */
  u8(what: string): number {
    return this.take(1, what)[0]!;
  }

  /** A big-endian 16-bit number. */
  u16(what: string): number {
    const b = this.take(2, what);
    return (b[0]! << 8) | b[1]!;
  }

  /** A big-endian 64-bit counter. */
  u64(what: string): bigint {
    return Buffer.from(this.take(8, what)).readBigUInt64BE(0);
  }

  /** Exactly `n` bytes (a copy, so the caller may keep it). */
  take(n: number, what: string): Uint8Array {
    if (n > this.left) throw new NcoderMessageError(`${what}: needs ${n} bytes, ${this.left} left`);
    const out = this.bytes.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }

  /** Everything not read yet. */
  rest(): Uint8Array {
    return this.take(this.left, 'rest');
  }

  /** A string of printable ASCII, one length byte first (serial numbers, firmware versions). */
  label(what: string, max: number): string {
    const n = this.u8(`${what} length`);
    if (n < 1 || n > max) throw new NcoderMessageError(`${what}: length ${n} is not 1..${max}`);
    const b = this.take(n, what);
    if (b.some((c) => c < 0x20 || c > 0x7e)) throw new NcoderMessageError(`${what}: not printable ASCII`);
    return Buffer.from(b).toString('latin1');
  }

  /** The rest as UTF-8 text (error details), at most `max` bytes. */
  text(what: string, max: number): string {
    if (this.left > max) throw new NcoderMessageError(`${what}: longer than ${max} bytes`);
    try {
      return utf8.decode(this.rest());
    } catch {
      throw new NcoderMessageError(`${what}: not UTF-8`);
    }
  }

  /** Fails unless the whole message was read. */
  end(what: string): void {
    if (this.left !== 0) throw new NcoderMessageError(`${what}: ${this.left} unexpected trailing bytes`);
  }
}

/** Encodes a printable ASCII label with its length byte (the encoder side of {@link ByteReader.label}). */
export function labelBytes(value: string, max: number): Buffer {
  if (value.length < 1 || value.length > max || !/^[\x20-\x7e]+$/.test(value)) {
    throw new RangeError(`ncoder-messages: "${value}" is not 1..${max} printable ASCII characters`);
  }
  return Buffer.concat([Buffer.of(value.length), Buffer.from(value, 'latin1')]);
}

/** A big-endian 64-bit counter. */
export function u64Bytes(value: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(value);
  return b;
}

/** A big-endian 16-bit number. */
export function u16Bytes(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
}

/** UTF-8 text cut to at most `max` bytes on a character boundary (so it still decodes). */
export function textBytes(value: string, max: number): Buffer {
  const chars = [...value].slice(0, max);
  while (Buffer.byteLength(chars.join(''), 'utf8') > max) chars.pop();
  return Buffer.from(chars.join(''), 'utf8');
}
