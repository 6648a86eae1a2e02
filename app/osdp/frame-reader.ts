import { decodeFrame, type Frame, MAX_FRAME, MIN_FRAME, OsdpFrameError, SOM } from './frame.js';

/** A decoded frame with its exact bytes, which the secure channel MACs over. */
export interface ReceivedFrame {
  frame: Frame;
  raw: Buffer;
}

export interface ReaderStats {
  frames: number;
  /** Bytes delivered inside frames. */
  frameBytes: number;
  /** Bytes skipped while hunting for a SOM (line noise, partial frames). */
  garbageBytes: number;
  badCheck: number;
  badLength: number;
  malformed: number;
}

/**
 * Cuts a serial byte stream into OSDP frames. RS485 gives no framing of its own, so the reader
 * hunts for SOM, trusts LEN only within [MIN_FRAME, maxFrame] and, when a candidate fails its CRC
 * or is malformed, drops only its SOM byte and searches again from the next byte: a real frame that
 * began inside the rejected candidate is not lost. Nothing here throws on input.
 */
export class FrameReader {
  readonly stats: ReaderStats = {
    frames: 0,
    frameBytes: 0,
    garbageBytes: 0,
    badCheck: 0,
    badLength: 0,
    malformed: 0,
  };
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly maxFrame = MAX_FRAME) {}

  /** Feeds bytes; returns every frame completed by them, in order. */
  push(chunk: Uint8Array): ReceivedFrame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : Buffer.from(chunk);
    const out: ReceivedFrame[] = [];
    for (;;) {
      const som = this.buf.indexOf(SOM);
      if (som < 0) {
        this.stats.garbageBytes += this.buf.length;
        this.buf = Buffer.alloc(0);
        return out;
      }
      if (som > 0) {
        this.stats.garbageBytes += som;
        this.buf = this.buf.subarray(som);
      }
      if (this.buf.length < 4) return out;
      const len = this.buf[2]! | (this.buf[3]! << 8);
      if (len < MIN_FRAME || len > this.maxFrame) {
        this.stats.badLength++;
        this.skipOne();
        continue;
      }
      if (this.buf.length < len) return out;
      const raw = Buffer.from(this.buf.subarray(0, len));
      try {
        out.push({ frame: decodeFrame(raw), raw });
        this.stats.frames++;
        this.stats.frameBytes += len;
        this.buf = this.buf.subarray(len);
      } catch (e) {
        if (!(e instanceof OsdpFrameError)) throw e;
        if (e.fault === 'check') this.stats.badCheck++;
        else if (e.fault === 'length') this.stats.badLength++;
        else this.stats.malformed++;
        this.skipOne();
      }
    }
  }

  /** Bytes held waiting for the rest of a frame. */
  get pending(): number {
    return this.buf.length;
  }

  /**
   * Forgets a partial frame, as after an inter-character timeout: the caller knows the line went
   * quiet, the reader does not (it has no clock).
   */
  reset(): void {
    this.stats.garbageBytes += this.buf.length;
    this.buf = Buffer.alloc(0);
  }

  private skipOne(): void {
    this.stats.garbageBytes++;
    this.buf = this.buf.subarray(1);
  }
}
