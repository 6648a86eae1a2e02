/**
 * The exchange layer's message, inside the link's encrypted datagrams: CoAP's message layer (RFC 7252
 * section 4) and block-wise transfer (RFC 7959) cut down to what Lintel needs. The link below already
 * authenticates, encrypts and refuses replays, so there are no CoAP options, no tokens separate from
 * message ids, and no non-confirmable messages. Layout, big-endian:
 *
 *   byte  size  field
 *   0     1     version (1) << 4 | kind (0 request, 1 response, 2 continue, 3 reset)
 *   1     4     message id: the sender's, echoed by the answer (a request and its answer share it)
 *   5     4     exchange id: one per request/response, the same on every block of it
 *   9     1     flags: bit 0 block1 (this carries a request block), bit 1 block2 (a response block),
 *               bit 2 more (more blocks follow)
 *   10    2     block number (of the block carried, or asked for)
 *   12    1     status (responses: 0 ok, 1 bad request, 2 not found, 3 failed; else 0)
 *   13    1     method length M (requests; else 0)
 *   14    M     method (ASCII)
 *   14+M  …     payload (one block)
 */

/** What a message is. */
export const KINDS = ['request', 'response', 'continue', 'reset'] as const;
/** What a message is. */
export type Kind = (typeof KINDS)[number];

/** How a request ended, on the responder's side. */
export const STATUSES = ['ok', 'bad-request', 'not-found', 'failed'] as const;
/** How a request ended. */
export type Status = (typeof STATUSES)[number];

/** One exchange message. */
export interface ExchangeMessage {
  kind: Kind;
  messageId: number;
  exchangeId: number;
  /** Which block this carries (request blocks: block1, response blocks: block2), and whether more follow. */
  block: { of: 'request' | 'response'; num: number; more: boolean } | null;
  status: Status;
  method: string;
  payload: Uint8Array;
}

/** Raised for bytes that are not an exchange message; the caller drops the datagram. */
export class ExchangeFormatError extends Error {
  override readonly name = 'ExchangeFormatError';
}

const VERSION = 1;
const HEADER = 14;
const MAX_METHOD = 64;
const U32 = 0xffff_ffff;

/** Encodes a message. */
export function encodeMessage(m: ExchangeMessage): Buffer {
  const method = Buffer.from(m.method, 'ascii');
  if (method.length > MAX_METHOD || !/^[\x20-\x7e]*$/.test(m.method))
    throw new RangeError(`exchange: method "${m.method}" is not 0..${MAX_METHOD} printable ASCII characters`);
  for (const [name, v, max] of [
    ['message id', m.messageId, U32],
    ['exchange id', m.exchangeId, U32],
    ['block number', m.block?.num ?? 0, 0xffff],
  ] as const)
    if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`exchange: ${name} ${v} out of range`);
  const out = Buffer.alloc(HEADER + method.length + m.payload.length);
  out[0] = (VERSION << 4) | KINDS.indexOf(m.kind);
  out.writeUInt32BE(m.messageId, 1);
  out.writeUInt32BE(m.exchangeId, 5);
  out[9] =
    (m.block?.of === 'request' ? 1 : 0) | (m.block?.of === 'response' ? 2 : 0) | (m.block?.more ? 4 : 0);
  out.writeUInt16BE(m.block?.num ?? 0, 10);
  out[12] = STATUSES.indexOf(m.status);
  out[13] = method.length;
  method.copy(out, HEADER);
  out.set(m.payload, HEADER + method.length);
  return out;
}

/** Decodes a message, or throws {@link ExchangeFormatError}. */
export function decodeMessage(bytes: Uint8Array): ExchangeMessage {
  if (bytes.length < HEADER)
    throw new ExchangeFormatError(`exchange: ${bytes.length} bytes is shorter than a header`);
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (b[0]! >> 4 !== VERSION) throw new ExchangeFormatError(`exchange: unknown version ${b[0]! >> 4}`);
  const kind = KINDS[b[0]! & 0x0f];
  if (!kind) throw new ExchangeFormatError(`exchange: unknown kind ${b[0]! & 0x0f}`);
  const flags = b[9]!;
  if (flags & ~0x07 || (flags & 3) === 3) throw new ExchangeFormatError(`exchange: bad flags ${flags}`);
  const status = STATUSES[b[12]!];
  if (!status) throw new ExchangeFormatError(`exchange: unknown status ${b[12]}`);
  const methodLength = b[13]!;
  if (methodLength > MAX_METHOD || HEADER + methodLength > b.length)
    throw new ExchangeFormatError(`exchange: method length ${methodLength} does not fit`);
  const method = b.toString('latin1', HEADER, HEADER + methodLength);
  if (!/^[\x20-\x7e]*$/.test(method))
    throw new ExchangeFormatError('exchange: method is not printable ASCII');
  if (kind === 'request' ? methodLength === 0 : methodLength !== 0)
    throw new ExchangeFormatError(`exchange: a ${kind} ${kind === 'request' ? 'needs' : 'has no'} method`);
  const of = flags & 1 ? 'request' : flags & 2 ? 'response' : null;
  if (!of && flags & 4) throw new ExchangeFormatError('exchange: "more" without a block');
  return {
    kind,
    messageId: b.readUInt32BE(1),
    exchangeId: b.readUInt32BE(5),
    block: of ? { of, num: b.readUInt16BE(10), more: (flags & 4) !== 0 } : null,
    status,
    method,
    payload: Uint8Array.prototype.slice.call(b, HEADER + methodLength),
  };
}
