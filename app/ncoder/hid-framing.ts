import { crc32 } from 'node:zlib';

/**
 * Messages over 64-byte HID reports, both directions (the host driver and the device share this codec).
 *
 * Report data (64 bytes; the host prefixes report ID 0 on output, see hidOutputReport):
 *   [0] flags: 0x80 FIRST, 0x40 LAST, low six bits = framing version (1), so stray reports are refused
 *   [1] sequence number of this report in its direction, mod 256
 *   [2] fragment length n (1..59 in a first report, 1..61 in the others)
 *   FIRST only: [3..4] total length of the framed message (message + its CRC), big-endian
 *   then n fragment bytes, then zero padding.
 * The framed message is message ‖ CRC-32 (IEEE, as zlib computes it) of the message, big-endian.
 *
 * Why a CRC under an AEAD: GET_INFO, PAIR and AUTH are not encrypted, and a CRC tells a garbled
 * report (a link problem, dropped quietly) from a forged one (the session's authentication). The
 * sequence number only orders the reports of one message: a message may start at any number, because
 * the host cannot know where a device it just opened left off. Replay protection is the session's job.
 */

/** Bytes in one HID report (without the report ID byte). */
export const REPORT_SIZE = 64;
/** The largest message either side accepts, before its CRC. */
export const MAX_MESSAGE = 4096;

const FIRST = 0x80;
const LAST = 0x40;
const VERSION = 0x01;
const HEADER = 3;
const FIRST_HEADER = 5;
const CRC_BYTES = 4;

/** Why a report was refused. */
export type FramingErrorReason = 'malformed' | 'orphan' | 'out-of-order' | 'oversized' | 'crc';

/** A report the reassembler refused; the partial message it belonged to is dropped. */
export class FramingError extends Error {
  constructor(
    readonly reason: FramingErrorReason,
    message: string,
  ) {
    super(`hid-framing: ${message}`);
    this.name = 'FramingError';
  }
}

/** Splits messages into reports, numbering the reports of its direction. */
export class Framer {
  private seq = 0;

  /** The reports that carry `message`, each exactly {@link REPORT_SIZE} bytes. */
  frame(message: Uint8Array): Uint8Array[] {
    if (message.length > MAX_MESSAGE) {
      throw new RangeError(`hid-framing: a ${message.length}-byte message exceeds ${MAX_MESSAGE} bytes`);
    }
    const wire = Buffer.alloc(message.length + CRC_BYTES);
    wire.set(message);
    wire.writeUInt32BE(crc32(message), message.length);
    const reports: Uint8Array[] = [];
    for (let at = 0; at < wire.length;) {
      const first = at === 0;
      const header = first ? FIRST_HEADER : HEADER;
      const n = Math.min(REPORT_SIZE - header, wire.length - at);
      const report = Buffer.alloc(REPORT_SIZE);
      report[0] = (first ? FIRST : 0) | (at + n === wire.length ? LAST : 0) | VERSION;
      report[1] = this.seq;
      report[2] = n;
      if (first) report.writeUInt16BE(wire.length, 3);
      wire.copy(report, header, at, at + n);
      reports.push(report);
      this.seq = (this.seq + 1) & 0xff;
      at += n;
    }
    return reports;
  }
}

/** What one report did: completed a message, extended one, or was refused. */
export type ReassemblyResult =
  { kind: 'message'; message: Uint8Array } | { kind: 'partial' } | { kind: 'error'; error: FramingError };

interface Partial {
  total: number;
  parts: Uint8Array[];
  received: number;
  nextSeq: number;
}

/**
 * Rebuilds messages from reports. A refused report drops the partial message it belonged to and
 * nothing else: the next FIRST report starts afresh. It never throws on input.
 */
export class Reassembler {
  private partial: Partial | undefined;
  /** Counters for diagnostics (never reset). */
  readonly stats = { messages: 0, refused: 0, abandoned: 0 };

  constructor(private readonly maxMessage = MAX_MESSAGE) {}

  /** Feeds one report's data (report ID already stripped). */
  push(report: Uint8Array): ReassemblyResult {
    const result = this.take(report);
    if (result.kind === 'error') {
      this.partial = undefined;
      this.stats.refused++;
    } else if (result.kind === 'message') this.stats.messages++;
    return result;
  }

  /** True while a message is half received. */
  get pending(): boolean {
    return this.partial !== undefined;
  }

  private take(report: Uint8Array): ReassemblyResult {
    const refuse = (reason: FramingErrorReason, message: string): ReassemblyResult => ({
      kind: 'error',
      error: new FramingError(reason, message),
    });
    if (report.length < HEADER || report.length > REPORT_SIZE)
      return refuse('malformed', `a ${report.length}-byte report`);
    const flags = report[0]!;
    if ((flags & 0x3f) !== VERSION)
      return refuse('malformed', `unknown report flags 0x${flags.toString(16)}`);
    const first = (flags & FIRST) !== 0;
    const seq = report[1]!;
    const n = report[2]!;
    const header = first ? FIRST_HEADER : HEADER;
    if (n === 0 || header + n > report.length)
      return refuse('malformed', `fragment length ${n} does not fit the report`);
    const fragment = report.slice(header, header + n);

    if (first) {
      if (this.partial) this.stats.abandoned++; // the sender gave up on it and started over
      this.partial = undefined;
      const total = (report[3]! << 8) | report[4]!;
      if (total < CRC_BYTES) return refuse('malformed', `announced length ${total} is shorter than the CRC`);
      if (total - CRC_BYTES > this.maxMessage)
        return refuse('oversized', `a ${total - CRC_BYTES}-byte message exceeds ${this.maxMessage} bytes`);
      this.partial = { total, parts: [], received: 0, nextSeq: seq };
    }
    const p = this.partial;
    if (!p) return refuse('orphan', `report ${seq} continues no message`);
    if (seq !== p.nextSeq)
      return refuse('out-of-order', `report ${seq} where ${p.nextSeq} was expected (lost or repeated)`);
    if (p.received + n > p.total) return refuse('oversized', 'the message runs past its announced length');
    p.parts.push(fragment);
    p.received += n;
    p.nextSeq = (seq + 1) & 0xff;

    const last = (flags & LAST) !== 0;
    if (!last) {
      if (p.received === p.total) return refuse('malformed', 'the message is complete but not marked last');
      return { kind: 'partial' };
    }
    if (p.received !== p.total)
      return refuse('malformed', `the message ended at ${p.received} of ${p.total} bytes`);
    this.partial = undefined;
    const wire = Buffer.concat(p.parts);
    const message = wire.subarray(0, wire.length - CRC_BYTES);
    if (wire.readUInt32BE(wire.length - CRC_BYTES) !== crc32(message))
      return refuse('crc', 'CRC mismatch: the message was garbled');
    return { kind: 'message', message: new Uint8Array(message) };
  }
}
