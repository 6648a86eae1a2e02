/**
 * OSDP v2.2 frame codec, shared by the control panel (CP) and the peripheral device (PD):
 *
 *   SOM 0x53 | ADDR | LEN lsb msb | CTRL | [SCB: len type data…] | CODE | DATA… | [MAC 4] | CRC-16 lsb msb or CKSUM
 *
 * LEN counts the whole frame, SOM to the last check byte. CTRL: bits 0–1 sequence number, bit 2 set =
 * CRC-16 (else an 8-bit checksum), bit 3 set = a Security Control Block follows. The MAC is present
 * exactly when the SCB type is SCS_15…SCS_18; this layer carries it but does not check it (that
 * needs the session keys, see secure-channel.ts).
 */

export const SOM = 0x53;
export const BROADCAST = 0x7f;
/** Bit 7 of ADDR marks a reply from the PD. */
export const REPLY_FLAG = 0x80;
export const CTRL_CRC = 0x04;
export const CTRL_SCB = 0x08;
export const MAC_LENGTH = 4;
/** The shortest frame: SOM ADDR LEN LEN CTRL CODE CKSUM. */
export const MIN_FRAME = 7;
/** A bound far above any frame we exchange (OSDP leaves it to the receive buffer size). */
export const MAX_FRAME = 1440;

export const Scs = {
  SCS_11: 0x11,
  SCS_12: 0x12,
  SCS_13: 0x13,
  SCS_14: 0x14,
  SCS_15: 0x15,
  SCS_16: 0x16,
  SCS_17: 0x17,
  SCS_18: 0x18,
} as const;

/** The next sequence number after `seq`: 1, 2, 3, 1… (0 only ever restarts the exchange). */
export const nextSequence = (seq: number) => (seq % 3) + 1;

/** Why a frame was refused: the reader counts each kind separately. */
export type FrameFault = 'check' | 'length' | 'malformed';

export class OsdpFrameError extends Error {
  override name = 'OsdpFrameError';
  constructor(
    message: string,
    readonly fault: FrameFault = 'malformed',
  ) {
    super(message);
  }
}

export interface SecurityBlock {
  type: number;
  data: Buffer;
}

export interface Frame {
  /** 0…0x7E, or 0x7F broadcast; without the reply flag. */
  address: number;
  reply: boolean;
  sequence: number;
  useCrc: boolean;
  scb?: SecurityBlock;
  code: number;
  data: Buffer;
  /** 4 bytes when scb.type is SCS_15…SCS_18. */
  mac?: Buffer;
}

/** The SCB types that carry a MAC after the data. */
export function scbHasMac(type: number): boolean {
  return type >= Scs.SCS_15 && type <= Scs.SCS_18;
}

/** CRC-16/AUG-CCITT as OSDP uses it: poly 0x1021, init 0x1D0F, no reflection, no final xor. */
export function crc16(bytes: Uint8Array): number {
  let crc = 0x1d0f;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The two's complement of the low byte of the byte sum. */
export function checksum8(bytes: Uint8Array): number {
  let sum = 0;
  for (const b of bytes) sum += b;
  return -sum & 0xff;
}

/** The bytes a MAC is computed over: everything before the MAC (and the check bytes). */
export function macInput(frame: Buffer): Buffer {
  const trailer = (frame[4]! & CTRL_CRC ? 2 : 1) + MAC_LENGTH;
  return frame.subarray(0, frame.length - trailer);
}

/** Encodes a frame; the MAC field must already be set when the SCB type calls for one. */
export function encodeFrame(f: Frame): Buffer {
  if (!Number.isInteger(f.address) || f.address < 0 || f.address > BROADCAST)
    throw new OsdpFrameError(`bad address ${f.address}`);
  if (!Number.isInteger(f.sequence) || f.sequence < 0 || f.sequence > 3)
    throw new OsdpFrameError(`bad sequence ${f.sequence}`);
  if (!Number.isInteger(f.code) || f.code < 0 || f.code > 0xff)
    throw new OsdpFrameError(`bad code ${f.code}`);
  const needsMac = f.scb !== undefined && scbHasMac(f.scb.type);
  if (needsMac !== (f.mac !== undefined)) throw new OsdpFrameError('MAC present iff SCB type is SCS_15…18');
  if (f.mac && f.mac.length !== MAC_LENGTH) throw new OsdpFrameError('MAC must be 4 bytes');
  if (f.scb && f.scb.data.length > 253) throw new OsdpFrameError('SCB data too long');
  const scb = f.scb
    ? Buffer.concat([Buffer.of(f.scb.data.length + 2, f.scb.type), f.scb.data])
    : Buffer.alloc(0);
  const checkLen = f.useCrc ? 2 : 1;
  const length = 5 + scb.length + 1 + f.data.length + (f.mac?.length ?? 0) + checkLen;
  if (length > MAX_FRAME) throw new OsdpFrameError(`frame of ${length} bytes exceeds ${MAX_FRAME}`);
  const ctrl = f.sequence | (f.useCrc ? CTRL_CRC : 0) | (f.scb ? CTRL_SCB : 0);
  const addr = f.address | (f.reply ? REPLY_FLAG : 0);
  const body = Buffer.concat([
    Buffer.of(SOM, addr, length & 0xff, length >> 8, ctrl),
    scb,
    Buffer.of(f.code),
    f.data,
    f.mac ?? Buffer.alloc(0),
  ]);
  if (f.useCrc) {
    const crc = crc16(body);
    return Buffer.concat([body, Buffer.of(crc & 0xff, crc >> 8)]);
  }
  return Buffer.concat([body, Buffer.of(checksum8(body))]);
}

/**
 * Decodes one complete frame (exactly LEN bytes). Throws OsdpFrameError with the reason: the frame
 * reader counts these as drops.
 */
export function decodeFrame(bytes: Uint8Array): Frame {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (b.length < MIN_FRAME) throw new OsdpFrameError('frame too short');
  if (b[0] !== SOM) throw new OsdpFrameError('no SOM');
  const length = b[2]! | (b[3]! << 8);
  if (length !== b.length) throw new OsdpFrameError(`LEN ${length} but ${b.length} bytes`, 'length');
  const ctrl = b[4]!;
  const useCrc = (ctrl & CTRL_CRC) !== 0;
  const checkLen = useCrc ? 2 : 1;
  const body = b.subarray(0, b.length - checkLen);
  if (useCrc) {
    const got = b[b.length - 2]! | (b[b.length - 1]! << 8);
    if (got !== crc16(body)) throw new OsdpFrameError('bad CRC', 'check');
  } else if (b[b.length - 1] !== checksum8(body)) throw new OsdpFrameError('bad checksum', 'check');
  if (ctrl & 0x70) throw new OsdpFrameError('reserved CTRL bits set');
  let pos = 5;
  let scb: SecurityBlock | undefined;
  if (ctrl & CTRL_SCB) {
    const scbLen = body[pos];
    if (scbLen === undefined || scbLen < 2 || pos + scbLen >= body.length)
      throw new OsdpFrameError('bad SCB length');
    scb = { type: body[pos + 1]!, data: Buffer.from(body.subarray(pos + 2, pos + scbLen)) };
    if (scb.type < Scs.SCS_11 || scb.type > Scs.SCS_18)
      throw new OsdpFrameError(`unknown SCB type ${scb.type}`);
    pos += scbLen;
  }
  const macLen = scb && scbHasMac(scb.type) ? MAC_LENGTH : 0;
  if (pos + 1 + macLen > body.length) throw new OsdpFrameError('frame too short for its MAC');
  const frame: Frame = {
    address: b[1]! & 0x7f,
    reply: (b[1]! & REPLY_FLAG) !== 0,
    sequence: ctrl & 3,
    useCrc,
    code: body[pos]!,
    data: Buffer.from(body.subarray(pos + 1, body.length - macLen)),
  };
  if (scb) frame.scb = scb;
  if (macLen) frame.mac = Buffer.from(body.subarray(body.length - macLen));
  return frame;
}
