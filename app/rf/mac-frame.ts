import { ccmStarNonce, ccmStarOpen, ccmStarSeal, micLength } from './ccm-star.js';
import { type Eui64, euiOf, parseEui64 } from './eui64.js';

/**
 * IEEE 802.15.4-2006 MAC frames: the PSDU a radio sends (at most 127 bytes, FCS included).
 *
 *   MHR: frame control (2, LE) · sequence (1) · destination PAN (2, LE) · destination address (2 or 8,
 *        LE) · source PAN (2, LE; absent with PAN id compression) · source address (2 or 8, LE) ·
 *        auxiliary security header when security is enabled: security control (1: level bits 0–2, key
 *        id mode bits 3–4) · frame counter (4, LE) · key identifier (mode 1: index; 2: source 4 ‖
 *        index; 3: source 8 ‖ index)
 *   MAC payload, then FCS: CRC-16 ITU-T, reflected, initial 0 (the "KERMIT" CRC), sent LSB first.
 *
 * Extended addresses travel least significant byte first; this module turns them into {@link Eui64}
 * (as printed), which is also the byte order of the CCM* nonce. Which payload bytes stay in clear under
 * encryption follows the standard: none of a data frame, a command frame's command identifier, a
 * beacon's superframe/GTS/pending-address fields (everything but the beacon payload).
 *
 * The decoder accepts exactly the frames the encoder makes (2003 and 2006 frame versions, no 2015
 * information elements), so anything decoded re-encodes to the same bytes: reserved bits set, address
 * mode 1, security on a version-0 frame, PAN id compression without both addresses, an ACK with more
 * than frame control and sequence — all refused.
 */

/** The largest PSDU (aMaxPHYPacketSize). */
export const MAX_PSDU = 127;

export const MAC_FRAME_TYPES = ['beacon', 'data', 'ack', 'command'] as const;
export type MacFrameType = (typeof MAC_FRAME_TYPES)[number];

export type MacAddress = { mode: 'short'; short: number } | { mode: 'ext'; ext: Eui64 };

/** A frame's header fields (the security header aside) and its payload in clear. */
export interface MacFrame {
  type: MacFrameType;
  framePending: boolean;
  ackRequest: boolean;
  panIdCompression: boolean;
  /** 0: 802.15.4-2003, 1: 2006 (needed for security). */
  version: 0 | 1;
  seq: number;
  dstPan: number | null;
  dst: MacAddress | null;
  /** With PAN id compression: the destination PAN (it is not on the air). */
  srcPan: number | null;
  src: MacAddress | null;
  payload: Buffer;
}
export type MacFrameHeader = Omit<MacFrame, 'payload'>;

/** The auxiliary security header. */
export interface AuxSecurity {
  level: number;
  keyIdMode: 0 | 1 | 2 | 3;
  /** Key id modes 2 (4 bytes) and 3 (8 bytes). */
  keySource: Buffer | null;
  /** Key id modes 1–3. */
  keyIndex: number | null;
  frameCounter: number;
}

/** A PSDU taken apart (FCS checked); `body` is the MAC payload as on the air (ciphertext ‖ MIC). */
export interface DecodedMacFrame {
  frame: MacFrameHeader;
  secured: AuxSecurity | null;
  /** The MHR with its auxiliary security header: the start of CCM*'s associated data. */
  headerBytes: Buffer;
  body: Buffer;
}

/** How to secure a frame. */
export interface MacSecureOptions {
  key: Uint8Array;
  level: number;
  frameCounter: number;
  /** Default 1 when `keyIndex` is given, else 0. */
  keyIdMode?: 0 | 1 | 2 | 3;
  keyIndex?: number;
  keySource?: Uint8Array;
  /** The sender's EUI-64 for the nonce; default the frame's extended source address. */
  nonceSource?: Eui64;
}

export type MacFrameErrorCode = 'FCS' | 'MALFORMED' | 'TOO_LONG' | 'NO_SOURCE';

/** A PSDU that is not a frame this codec takes, or a frame it cannot make. */
export class MacFrameError extends Error {
  constructor(
    readonly code: MacFrameErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MacFrameError';
  }
}

const malformed = (why: string): MacFrameError => new MacFrameError('MALFORMED', `802.15.4 frame: ${why}`);

/** CRC-16/KERMIT (ITU-T polynomial, reflected, initial 0, no final XOR): the MAC footer. */
export function fcs16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
  }
  return crc;
}

const ADDRESS_MODES = { none: 0, short: 2, ext: 3 } as const;
const modeOf = (a: MacAddress | null): number => (a ? ADDRESS_MODES[a.mode] : 0);

function u16(n: number, what: string): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw malformed(`${what} ${n}: 0 to 0xffff`);
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}

function addressBytes(a: MacAddress): Buffer {
  if (a.mode === 'short') return u16(a.short, 'short address');
  return Buffer.from(parseEui64(a.ext), 'hex').reverse();
}

function auxBytes(s: AuxSecurity): Buffer {
  if (!Number.isInteger(s.level) || s.level < 0 || s.level > 7) throw malformed(`security level ${s.level}`);
  const parts = [Buffer.from([s.level | (s.keyIdMode << 3)]), Buffer.alloc(4)];
  if (!Number.isInteger(s.frameCounter) || s.frameCounter < 0 || s.frameCounter > 0xffff_ffff)
    throw malformed(`frame counter ${s.frameCounter}`);
  parts[1]!.writeUInt32LE(s.frameCounter);
  if (s.keyIdMode >= 2) {
    const len = s.keyIdMode === 2 ? 4 : 8;
    if (!s.keySource || s.keySource.length !== len)
      throw malformed(`key id mode ${s.keyIdMode} needs a ${len}-byte key source`);
    parts.push(Buffer.from(s.keySource));
  }
  if (s.keyIdMode >= 1) {
    if (s.keyIndex === null || !Number.isInteger(s.keyIndex) || s.keyIndex < 0 || s.keyIndex > 255)
      throw malformed(`key index ${s.keyIndex}: 0 to 255`);
    parts.push(Buffer.from([s.keyIndex]));
  }
  return Buffer.concat(parts);
}

/** The MHR (with the auxiliary security header when `secured`). */
function headerOf(f: MacFrameHeader, secured: AuxSecurity | null): Buffer {
  const type = MAC_FRAME_TYPES.indexOf(f.type);
  if (type < 0) throw malformed(`frame type ${String(f.type)}`);
  if (!Number.isInteger(f.seq) || f.seq < 0 || f.seq > 255) throw malformed(`sequence number ${f.seq}`);
  if (secured && f.version !== 1) throw malformed('security needs frame version 1 (802.15.4-2006)');
  if (f.panIdCompression && (!f.dst || !f.src)) throw malformed('PAN id compression needs both addresses');
  if (f.type === 'ack' && (f.dst || f.src || secured))
    throw malformed('an ACK has no addresses and no security');
  const fc =
    type |
    (secured ? 1 << 3 : 0) |
    (f.framePending ? 1 << 4 : 0) |
    (f.ackRequest ? 1 << 5 : 0) |
    (f.panIdCompression ? 1 << 6 : 0) |
    (modeOf(f.dst) << 10) |
    (f.version << 12) |
    (modeOf(f.src) << 14);
  const parts = [u16(fc, 'frame control'), Buffer.from([f.seq])];
  if (f.dst) parts.push(u16(f.dstPan ?? -1, 'destination PAN'), addressBytes(f.dst));
  if (f.src) {
    if (!f.panIdCompression) parts.push(u16(f.srcPan ?? -1, 'source PAN'));
    parts.push(addressBytes(f.src));
  }
  if (secured) parts.push(auxBytes(secured));
  return Buffer.concat(parts);
}

/**
 * How many payload bytes stay in clear when the frame is encrypted: a command frame's identifier, a
 * beacon's superframe specification, GTS and pending-address fields.
 */
function clearPrefixLength(type: MacFrameType, payload: Buffer): number {
  if (type === 'data' || type === 'ack') return 0;
  if (type === 'command') {
    if (payload.length < 1) throw malformed('a command frame without its command identifier');
    return 1;
  }
  let at = 2; // superframe specification
  const gts = payload[at];
  if (gts === undefined) throw malformed('beacon shorter than its GTS specification');
  at += 1;
  const descriptors = gts & 0x07;
  if (descriptors > 0) at += 1 + 3 * descriptors;
  const pending = payload[at];
  if (pending === undefined) throw malformed('beacon shorter than its pending address specification');
  at += 1 + 2 * (pending & 0x07) + 8 * ((pending >> 4) & 0x07);
  if (at > payload.length) throw malformed('beacon shorter than its pending address list');
  return at;
}

function withFcs(bytes: Buffer): Buffer {
  const psdu = Buffer.concat([bytes, Buffer.alloc(2)]);
  psdu.writeUInt16LE(fcs16(bytes), bytes.length);
  if (psdu.length > MAX_PSDU)
    throw new MacFrameError('TOO_LONG', `802.15.4 frame of ${psdu.length} bytes: at most ${MAX_PSDU}`);
  return psdu;
}

/**
 * Builds the PSDU (FCS included) of `frame`, securing its payload with CCM* when `secure` is given
 * (which sets the security-enabled bit and writes the auxiliary security header).
 */
export function encodeMacFrame(frame: MacFrame, secure?: MacSecureOptions): Buffer {
  if (!secure) return withFcs(Buffer.concat([headerOf(frame, null), frame.payload]));
  const keyIdMode = secure.keyIdMode ?? (secure.keyIndex === undefined ? 0 : 1);
  const secured: AuxSecurity = {
    level: secure.level,
    keyIdMode,
    keySource: secure.keySource ? Buffer.from(secure.keySource) : null,
    keyIndex: secure.keyIndex ?? null,
    frameCounter: secure.frameCounter,
  };
  const header = headerOf(frame, secured);
  const source = secure.nonceSource ?? (frame.src?.mode === 'ext' ? frame.src.ext : undefined);
  if (!source)
    throw new MacFrameError(
      'NO_SOURCE',
      'securing a frame without an extended source address needs nonceSource',
    );
  const nonce = ccmStarNonce(source, secure.frameCounter, secure.level);
  const clear = clearPrefixLength(frame.type, frame.payload);
  const aad = Buffer.concat([header, frame.payload.subarray(0, clear)]);
  const sealed = ccmStarSeal(secure.key, nonce, aad, frame.payload.subarray(clear), secure.level);
  return withFcs(Buffer.concat([aad, sealed]));
}

/** Re-encodes a decoded frame as it was (body as on the air): the decoder's inverse. */
export function encodeDecodedMacFrame(d: Omit<DecodedMacFrame, 'headerBytes'>): Buffer {
  return withFcs(Buffer.concat([headerOf(d.frame, d.secured), d.body]));
}

/** Reads the PSDU `psdu` (FCS included). Throws {@link MacFrameError} (`FCS` for a bad checksum). */
export function decodeMacFrame(psdu: Uint8Array): DecodedMacFrame {
  const b = Buffer.from(psdu);
  if (b.length > MAX_PSDU)
    throw new MacFrameError('TOO_LONG', `802.15.4 frame of ${b.length} bytes: at most ${MAX_PSDU}`);
  if (b.length < 5) throw malformed(`${b.length} bytes, shorter than the smallest frame (5)`);
  const end = b.length - 2;
  if (fcs16(b.subarray(0, end)) !== b.readUInt16LE(end))
    throw new MacFrameError('FCS', '802.15.4 frame: bad FCS (damaged on the air)');
  const fc = b.readUInt16LE(0);
  const typeBits = fc & 0x07;
  if (typeBits > 3) throw malformed(`reserved frame type ${typeBits}`);
  const type = MAC_FRAME_TYPES[typeBits]!;
  const security = (fc & (1 << 3)) !== 0;
  if (fc & 0x0380) throw malformed('reserved frame control bits set');
  const dstMode = (fc >> 10) & 3;
  const version = (fc >> 12) & 3;
  const srcMode = (fc >> 14) & 3;
  if (dstMode === 1 || srcMode === 1) throw malformed('reserved address mode 1');
  if (version > 1) throw malformed(`frame version ${version} (only 2003 and 2006 frames)`);
  let at = 3;
  const need = (n: number, what: string): number => {
    if (at + n > end) throw malformed(`ends inside the ${what}`);
    const start = at;
    at += n;
    return start;
  };
  const address = (mode: number, what: string): MacAddress => {
    if (mode === 2) return { mode: 'short', short: b.readUInt16LE(need(2, what)) };
    const start = need(8, what);
    return { mode: 'ext', ext: euiOf(Buffer.from(b.subarray(start, start + 8)).reverse()) };
  };
  const panIdCompression = (fc & (1 << 6)) !== 0;
  let dstPan: number | null = null;
  let dst: MacAddress | null = null;
  let srcPan: number | null = null;
  let src: MacAddress | null = null;
  if (dstMode) {
    dstPan = b.readUInt16LE(need(2, 'destination PAN'));
    dst = address(dstMode, 'destination address');
  }
  if (srcMode) {
    srcPan = panIdCompression ? dstPan : b.readUInt16LE(need(2, 'source PAN'));
    src = address(srcMode, 'source address');
  }
  const frame: MacFrameHeader = {
    type,
    framePending: (fc & (1 << 4)) !== 0,
    ackRequest: (fc & (1 << 5)) !== 0,
    panIdCompression,
    version: version as 0 | 1,
    seq: b[2]!,
    dstPan,
    dst,
    srcPan,
    src,
  };
  let secured: AuxSecurity | null = null;
  if (security) {
    const control = b[need(1, 'security control')]!;
    if (control & 0xe0) throw malformed('reserved security control bits set');
    const keyIdMode = ((control >> 3) & 3) as 0 | 1 | 2 | 3;
    const frameCounter = b.readUInt32LE(need(4, 'frame counter'));
    let keySource: Buffer | null = null;
    if (keyIdMode >= 2) {
      const len = keyIdMode === 2 ? 4 : 8;
      const start = need(len, 'key source');
      keySource = Buffer.from(b.subarray(start, start + len));
    }
    const keyIndex = keyIdMode >= 1 ? b[need(1, 'key index')]! : null;
    secured = { level: control & 7, keyIdMode, keySource, keyIndex, frameCounter };
  }
  // headerOf checks the combinations the bits alone cannot (and is what the encoder writes).
  headerOf(frame, secured);
  const body = Buffer.from(b.subarray(at, end));
  if (type === 'ack' && body.length) throw malformed('an ACK with a payload');
  if (secured && body.length < micLength(secured.level)) throw malformed('payload shorter than its MIC');
  return { frame, secured, headerBytes: Buffer.from(b.subarray(0, at)), body };
}

/**
 * The payload of a secured frame in clear, its MIC verified: throws CcmStarError (MIC) or
 * MacFrameError. `srcExt` is the sender's EUI-64 for the nonce (default the frame's extended source
 * address; a frame from a short address needs it). An unsecured frame's body comes back as it is:
 * callers that require security check `secured` first.
 */
export function unsecureBody(decoded: DecodedMacFrame, key: Uint8Array, srcExt?: Eui64): Buffer {
  const { frame, secured, headerBytes, body } = decoded;
  if (!secured) return Buffer.from(body);
  const source = srcExt ?? (frame.src?.mode === 'ext' ? frame.src.ext : undefined);
  if (!source) throw new MacFrameError('NO_SOURCE', 'the frame has no extended source address: pass srcExt');
  const nonce = ccmStarNonce(source, secured.frameCounter, secured.level);
  const mic = micLength(secured.level);
  const clear = secured.level >= 4 ? clearPrefixLength(frame.type, body.subarray(0, body.length - mic)) : 0;
  const aad = Buffer.concat([headerBytes, body.subarray(0, clear)]);
  return Buffer.concat([
    body.subarray(0, clear),
    ccmStarOpen(key, nonce, aad, body.subarray(clear), secured.level),
  ]);
}
