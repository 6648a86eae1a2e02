import { crc16 } from '../osdp/frame.js';

/**
 * Framing on a serial line, shared by both serial links (console↔PPD, PPD↔lock): a byte stream in,
 * whole checked frames out. The layout follows OSDP's (a start byte, a length, a control byte, a
 * sequence number, the data, CRC-16/AUG-CCITT — the same CRC, app/osdp/frame.ts), without OSDP's
 * addressing: each of these links joins exactly two ends.
 *
 *   byte   size  field
 *   0      1     start of frame, 0xA5
 *   1      2     length of the whole frame, start byte to CRC, big-endian (7 … 7 + MAX_FRAME_PAYLOAD)
 *   3      1     control: bit 0 = response (else request); bits 1–7 zero
 *   4      1     sequence number (the request's, repeated in its response)
 *   5      n     payload
 *   5+n    2     CRC-16/AUG-CCITT of bytes 0 … 4+n, big-endian
 *
 * A line may carry noise, a half frame from before a reset, or a frame cut by a pulled cable: the
 * reader drops bytes until a start byte with a plausible length and a matching CRC, so one bad byte
 * costs one frame, never the link. The CRC catches line errors only; the session layer above
 * (session.ts) authenticates.
 */

export const FRAME_SOF = 0xa5;
/** The most payload one frame carries (a UART at 115,200 baud sends it in about 90 ms). */
export const MAX_FRAME_PAYLOAD = 1024;
const HEADER_BYTES = 5;
const CRC_BYTES = 2;
/** Bytes a frame adds to its payload. */
export const FRAME_OVERHEAD = HEADER_BYTES + CRC_BYTES;
const CTRL_RESPONSE = 0x01;

export type FrameKind = 'request' | 'response';

export interface Frame {
  kind: FrameKind;
  /** 0…255. */
  seq: number;
  payload: Buffer;
}

/** The bytes of a frame. Throws RangeError on a payload over {@link MAX_FRAME_PAYLOAD} or a bad seq. */
export function encodeFrame(frame: Frame): Buffer {
  if (frame.payload.length > MAX_FRAME_PAYLOAD)
    throw new RangeError(
      `serial frame: ${frame.payload.length} bytes of payload, at most ${MAX_FRAME_PAYLOAD}`,
    );
  if (!Number.isInteger(frame.seq) || frame.seq < 0 || frame.seq > 0xff)
    throw new RangeError(`serial frame: sequence number ${frame.seq} is not a byte`);
  const length = FRAME_OVERHEAD + frame.payload.length;
  const out = Buffer.alloc(length);
  out[0] = FRAME_SOF;
  out.writeUInt16BE(length, 1);
  out[3] = frame.kind === 'response' ? CTRL_RESPONSE : 0;
  out[4] = frame.seq;
  frame.payload.copy(out, HEADER_BYTES);
  out.writeUInt16BE(crc16(out.subarray(0, length - CRC_BYTES)), length - CRC_BYTES);
  return out;
}

/** What the reader threw away (diagnostics: a noisy cable shows here). */
export interface FrameReaderStats {
  /** Bytes skipped looking for a start byte with a plausible header. */
  skippedBytes: number;
  /** Frames whose CRC did not match. */
  crcErrors: number;
}

/** Reassembles frames from chunks of any size. */
export class FrameReader {
  private buffer = Buffer.alloc(0);
  readonly stats: FrameReaderStats = { skippedBytes: 0, crcErrors: 0 };

  /** Adds bytes from the line; returns the whole, CRC-checked frames they completed, in order. */
  push(chunk: Uint8Array): Frame[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : Buffer.from(chunk);
    const frames: Frame[] = [];
    let at = 0;
    const buf = this.buffer;
    while (at < buf.length) {
      if (buf[at] !== FRAME_SOF) {
        at++;
        this.stats.skippedBytes++;
        continue;
      }
      if (buf.length - at < HEADER_BYTES) break;
      const length = buf.readUInt16BE(at + 1);
      const ctrl = buf[at + 3]!;
      if (
        length < FRAME_OVERHEAD ||
        length > FRAME_OVERHEAD + MAX_FRAME_PAYLOAD ||
        (ctrl & ~CTRL_RESPONSE) !== 0
      ) {
        at++; // not a frame start after all: look for the next start byte
        this.stats.skippedBytes++;
        continue;
      }
      if (buf.length - at < length) break;
      const body = buf.subarray(at, at + length - CRC_BYTES);
      if (crc16(body) !== buf.readUInt16BE(at + length - CRC_BYTES)) {
        this.stats.crcErrors++;
        at++; // the start byte may have been data: resynchronise from the next byte
        continue;
      }
      frames.push({
        kind: ctrl & CTRL_RESPONSE ? 'response' : 'request',
        seq: buf[at + 4]!,
        payload: Buffer.from(buf.subarray(at + HEADER_BYTES, at + length - CRC_BYTES)),
      });
      at += length;
    }
    this.buffer = at >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(at));
    return frames;
  }
}
