import { ByteReader, labelBytes, NcoderMessageError, textBytes } from '../ncoder/wire-bytes.js';
import { MAX_SESSION_PLAINTEXT } from '../serial-link/session.js';

/**
 * The console↔PPD application messages (docs/ppd.md), one codec for both ends. They travel as the
 * payloads of the serial link (app/serial-link): the pre-authentication ones through `preAuthCall` to
 * the PPD's `SessionServerOptions.preAuth`, the others as the plaintext of the sealed session (label
 * 'lintel-ppd/1', key = the pairing key). Every message is type(1) ‖ body, numbers big-endian.
 *
 * Pre-authentication (in clear: only what pairing needs):
 *   0x01 INFO      siteTag(16)                                → 0x81 INFO or 0xff ERROR
 *   0x02 PAIR      hostPub(32) wrappedKey(32) siteTag(16)     → 0x82 PAIRED confirm(16) or ERROR
 * In the session:
 *   0x10 STATE                                                → 0x90 STATE
 *   0x11 BEGIN     roundId totalBytes(4) sha256(32)           → 0x91 RESUME_AT offset(4)
 *   0x12 CHUNK     offset(4) bytes(1..MAX_ROUND_CHUNK)        → 0x92 LOADED loaded(4)
 *   0x13 COMMIT                                               → 0x93 DONE
 *   0x14 RESULTS   offset(4)                     → 0x94 RESULTS total(4) count(4) firstSeq(4) sha256(32) offset(4) bytes
 *   0x15 ACK       throughSeq(4)                              → DONE
 * The PPD numbers its results (seq, from 1, never reused); RESULTS says the first one's, and ACK names
 * the last result stored, not a count: a repeated ACK (a retry after a lost answer, or a replay) can
 * never make the PPD forget a result the console has not seen.
 *   0x16 CLEAR                                                → DONE
 * Any of them may be answered 0xff ERROR code(1) detail (UTF-8, ≤ 200 bytes).
 */

/** The protocol version INFO reports; a host refuses a PPD with another one. */
export const PPD_PROTOCOL_VERSION = 1;
/** The session label of the console↔PPD link (and of its pairing). */
export const PPD_LABEL = 'lintel-ppd/1';
/** Bytes in a site tag, a pairing key, a key confirmation. */
export const SITE_TAG_BYTES = 16;
export const X25519_BYTES = 32;
const WRAPPED_KEY_BYTES = 32;
const SHA256_BYTES = 32;
const MAX_LABEL = 40;
const MAX_ROUND_ID = 64;
const MAX_DETAIL = 200;
/** Round bytes in one CHUNK: what fits in one sealed session message with its 5-byte header. */
export const MAX_ROUND_CHUNK = MAX_SESSION_PLAINTEXT - 5;
/** Result bytes in one RESULTS answer: what fits in one sealed session message with its 49-byte header. */
export const MAX_RESULTS_CHUNK = MAX_SESSION_PLAINTEXT - 49;
/** The largest round (compressed, as it travels) a PPD takes. */
export const MAX_ROUND_BYTES = 16 * 1024 * 1024;

const T = {
  info: 0x01,
  pair: 0x02,
  state: 0x10,
  begin: 0x11,
  chunk: 0x12,
  commit: 0x13,
  results: 0x14,
  ack: 0x15,
  clear: 0x16,
  infoAnswer: 0x81,
  paired: 0x82,
  stateAnswer: 0x90,
  resumeAt: 0x91,
  loaded: 0x92,
  done: 0x93,
  resultsAnswer: 0x94,
  error: 0xff,
} as const;

/** Why the PPD refused a request. */
export const PPD_ERRORS = [
  /** The request did not decode, or made no sense now (a chunk at the wrong offset, ack of too many). */
  'BAD_REQUEST',
  /** PAIR while paired: only a reset on the PPD pairs it again. */
  'ALREADY_PAIRED',
  /** PAIR without a fresh INFO, or a wrapped key that did not open. */
  'PAIR_FAILED',
  /** A different round while results of the one it carries are not acknowledged. */
  'BUSY',
  /** A round for another site than the one the PPD serves. */
  'OTHER_SITE',
  /** COMMIT or CHUNK with no round being loaded. */
  'NO_LOAD',
  /** COMMIT before every byte arrived. */
  'INCOMPLETE',
  /** COMMIT: the bytes do not match the digest (the load was dropped: start again). */
  'DIGEST',
  /** COMMIT: the bytes are not a valid round (the load was dropped). */
  'INVALID_ROUND',
  /** The PPD could not store what it was given (its memory is full or failing). */
  'STORAGE',
] as const;
export type PpdErrorCode = (typeof PPD_ERRORS)[number];

/** Pairing state as INFO reports it, for the site tag the host gave. */
export const PAIRING_STATES = ['unpaired', 'this-site', 'other-site'] as const;
export type PairingState = (typeof PAIRING_STATES)[number];

/** A message that does not decode; the receiver answers BAD_REQUEST (PPD) or gives up (host). */
export class PpdMessageError extends Error {
  constructor(message: string) {
    super(`ppd-messages: ${message}`);
    this.name = 'PpdMessageError';
  }
}

export interface PpdInfoBody {
  protocol: number;
  serial: string;
  firmware: string;
  /** Percent. */
  battery: number;
  pairing: PairingState;
  /** While unpaired: a fresh X25519 public key (PAIR wraps the pairing key to it). */
  pairingPublicKey?: Uint8Array;
}

/** A message in clear, host → PPD. */
export type PreAuthRequest =
  | { type: 'info'; siteTag: Uint8Array }
  | { type: 'pair'; hostPublicKey: Uint8Array; wrappedKey: Uint8Array; siteTag: Uint8Array };

/** A message in clear, PPD → host. */
export type PreAuthResponse =
  | { type: 'info'; info: PpdInfoBody }
  | { type: 'paired'; confirm: Uint8Array }
  | { type: 'error'; code: PpdErrorCode; detail: string };

/** A message inside the session, host → PPD. */
export type PpdRequest =
  | { type: 'state' }
  | { type: 'begin-round'; roundId: string; totalBytes: number; sha256: Uint8Array }
  | { type: 'round-chunk'; offset: number; bytes: Uint8Array }
  | { type: 'commit-round' }
  | { type: 'read-results'; offset: number }
  | { type: 'ack-results'; throughSeq: number }
  | { type: 'clear-round' };

/** A round as STATE describes it. */
export interface WireRoundState {
  roundId: string;
  tasks: number;
  visited: number;
  totalBytes: number;
}

/** A load in progress as STATE describes it. */
export interface WireLoadState {
  roundId: string;
  loadedBytes: number;
  totalBytes: number;
}

/** A message inside the session, PPD → host. */
export type PpdResponse =
  | { type: 'state'; round: WireRoundState | null; loading: WireLoadState | null; resultsPending: number }
  | { type: 'resume-at'; offset: number }
  | { type: 'loaded'; loaded: number }
  | { type: 'done' }
  | {
      type: 'results';
      totalBytes: number;
      count: number;
      /** The seq of the first result in the payload (the others follow one by one). */
      firstSeq: number;
      sha256: Uint8Array;
      offset: number;
      bytes: Uint8Array;
    }
  | { type: 'error'; code: PpdErrorCode; detail: string };

function fixed(bytes: Uint8Array, n: number, what: string): Uint8Array {
  if (bytes.length !== n) throw new RangeError(`ppd-messages: ${what} must be ${n} bytes`);
  return bytes;
}

function u32(value: number, what: string): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff)
    throw new RangeError(`ppd-messages: ${what} ${value} is not a 32-bit unsigned integer`);
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}

function readU32(r: ByteReader, what: string): number {
  return Buffer.from(r.take(4, what)).readUInt32BE(0);
}

function errorBytes(code: PpdErrorCode, detail: string): Buffer {
  return Buffer.concat([Buffer.of(T.error, PPD_ERRORS.indexOf(code) + 1), textBytes(detail, MAX_DETAIL)]);
}

function readError(r: ByteReader): { type: 'error'; code: PpdErrorCode; detail: string } {
  const code = PPD_ERRORS[r.u8('error code') - 1];
  if (!code) throw new PpdMessageError('error: unknown error code');
  return { type: 'error', code, detail: r.text('error detail', MAX_DETAIL) };
}

/** Runs a decoder so that every malformed input ends in one PpdMessageError, nothing else. */
function decoding<T>(bytes: Uint8Array, decode: (r: ByteReader) => T, what: (m: T) => string): T {
  try {
    const r = new ByteReader(bytes);
    const m = decode(r);
    r.end(what(m));
    return m;
  } catch (err) {
    if (err instanceof PpdMessageError) throw err;
    if (err instanceof NcoderMessageError)
      throw new PpdMessageError(err.message.replace(/^ncoder-messages: /, ''));
    throw err;
  }
}

/** Encodes a pre-authentication request. */
export function encodePreAuthRequest(m: PreAuthRequest): Buffer {
  switch (m.type) {
    case 'info':
      return Buffer.concat([Buffer.of(T.info), fixed(m.siteTag, SITE_TAG_BYTES, 'siteTag')]);
    case 'pair':
      return Buffer.concat([
        Buffer.of(T.pair),
        fixed(m.hostPublicKey, X25519_BYTES, 'hostPublicKey'),
        fixed(m.wrappedKey, WRAPPED_KEY_BYTES, 'wrappedKey'),
        fixed(m.siteTag, SITE_TAG_BYTES, 'siteTag'),
      ]);
  }
}

/** Decodes a pre-authentication request; throws {@link PpdMessageError} (and only that) when malformed. */
export function decodePreAuthRequest(bytes: Uint8Array): PreAuthRequest {
  return decoding<PreAuthRequest>(
    bytes,
    (r) => {
      const type = r.u8('type');
      switch (type) {
        case T.info:
          return { type: 'info', siteTag: r.take(SITE_TAG_BYTES, 'siteTag') };
        case T.pair:
          return {
            type: 'pair',
            hostPublicKey: r.take(X25519_BYTES, 'hostPublicKey'),
            wrappedKey: r.take(WRAPPED_KEY_BYTES, 'wrappedKey'),
            siteTag: r.take(SITE_TAG_BYTES, 'siteTag'),
          };
        default:
          throw new PpdMessageError(`unknown pre-authentication request 0x${type.toString(16)}`);
      }
    },
    (m) => m.type,
  );
}

/** Encodes a pre-authentication answer. */
export function encodePreAuthResponse(m: PreAuthResponse): Buffer {
  switch (m.type) {
    case 'info': {
      const i = m.info;
      const unpaired = i.pairing === 'unpaired';
      if (unpaired !== (i.pairingPublicKey !== undefined))
        throw new RangeError('ppd-messages: a pairing public key goes with an unpaired PPD, and only then');
      if (!Number.isInteger(i.battery) || i.battery < 0 || i.battery > 100)
        throw new RangeError('ppd-messages: battery is a percentage');
      return Buffer.concat([
        Buffer.of(T.infoAnswer, i.protocol, PAIRING_STATES.indexOf(i.pairing), i.battery),
        labelBytes(i.serial, MAX_LABEL),
        labelBytes(i.firmware, MAX_LABEL),
        i.pairingPublicKey ? fixed(i.pairingPublicKey, X25519_BYTES, 'pairingPublicKey') : Buffer.alloc(0),
      ]);
    }
    case 'paired':
      return Buffer.concat([Buffer.of(T.paired), fixed(m.confirm, SITE_TAG_BYTES, 'confirm')]);
    case 'error':
      return errorBytes(m.code, m.detail);
  }
}

/** Decodes a pre-authentication answer; throws {@link PpdMessageError} (and only that) when malformed. */
export function decodePreAuthResponse(bytes: Uint8Array): PreAuthResponse {
  return decoding<PreAuthResponse>(
    bytes,
    (r) => {
      const type = r.u8('type');
      switch (type) {
        case T.infoAnswer: {
          const protocol = r.u8('protocol');
          const pairing = PAIRING_STATES[r.u8('pairing state')];
          if (!pairing) throw new PpdMessageError('info: unknown pairing state');
          const battery = r.u8('battery');
          if (battery > 100) throw new PpdMessageError(`info: battery ${battery} % is not a percentage`);
          const serial = r.label('serial', MAX_LABEL);
          const firmware = r.label('firmware', MAX_LABEL);
          const info: PpdInfoBody = { protocol, serial, firmware, battery, pairing };
          if (pairing === 'unpaired') info.pairingPublicKey = r.take(X25519_BYTES, 'pairingPublicKey');
          return { type: 'info', info };
        }
        case T.paired:
          return { type: 'paired', confirm: r.take(SITE_TAG_BYTES, 'confirm') };
        case T.error:
          return readError(r);
        default:
          throw new PpdMessageError(`unknown pre-authentication answer 0x${type.toString(16)}`);
      }
    },
    (m) => m.type,
  );
}

/** Encodes a session request. */
export function encodePpdRequest(m: PpdRequest): Buffer {
  switch (m.type) {
    case 'state':
      return Buffer.of(T.state);
    case 'begin-round':
      return Buffer.concat([
        Buffer.of(T.begin),
        labelBytes(m.roundId, MAX_ROUND_ID),
        u32(m.totalBytes, 'totalBytes'),
        fixed(m.sha256, SHA256_BYTES, 'sha256'),
      ]);
    case 'round-chunk':
      if (m.bytes.length < 1 || m.bytes.length > MAX_ROUND_CHUNK)
        throw new RangeError(`ppd-messages: a round chunk is 1..${MAX_ROUND_CHUNK} bytes`);
      return Buffer.concat([Buffer.of(T.chunk), u32(m.offset, 'offset'), m.bytes]);
    case 'commit-round':
      return Buffer.of(T.commit);
    case 'read-results':
      return Buffer.concat([Buffer.of(T.results), u32(m.offset, 'offset')]);
    case 'ack-results':
      return Buffer.concat([Buffer.of(T.ack), u32(m.throughSeq, 'throughSeq')]);
    case 'clear-round':
      return Buffer.of(T.clear);
  }
}

/** Decodes a session request; throws {@link PpdMessageError} (and only that) when malformed. */
export function decodePpdRequest(bytes: Uint8Array): PpdRequest {
  return decoding<PpdRequest>(
    bytes,
    (r) => {
      const type = r.u8('type');
      switch (type) {
        case T.state:
          return { type: 'state' };
        case T.begin:
          return {
            type: 'begin-round',
            roundId: r.label('roundId', MAX_ROUND_ID),
            totalBytes: readU32(r, 'totalBytes'),
            sha256: r.take(SHA256_BYTES, 'sha256'),
          };
        case T.chunk: {
          const offset = readU32(r, 'offset');
          if (r.left < 1 || r.left > MAX_ROUND_CHUNK)
            throw new PpdMessageError(`round-chunk: ${r.left} bytes is not 1..${MAX_ROUND_CHUNK}`);
          return { type: 'round-chunk', offset, bytes: r.rest() };
        }
        case T.commit:
          return { type: 'commit-round' };
        case T.results:
          return { type: 'read-results', offset: readU32(r, 'offset') };
        case T.ack:
          return { type: 'ack-results', throughSeq: readU32(r, 'throughSeq') };
        case T.clear:
          return { type: 'clear-round' };
        default:
          throw new PpdMessageError(`unknown request 0x${type.toString(16)}`);
      }
    },
    (m) => m.type,
  );
}

/** Encodes a session answer. */
export function encodePpdResponse(m: PpdResponse): Buffer {
  switch (m.type) {
    case 'state': {
      const parts: Uint8Array[] = [Buffer.of(T.stateAnswer, (m.round ? 1 : 0) | (m.loading ? 2 : 0))];
      if (m.round)
        parts.push(
          labelBytes(m.round.roundId, MAX_ROUND_ID),
          u32(m.round.tasks, 'tasks'),
          u32(m.round.visited, 'visited'),
          u32(m.round.totalBytes, 'totalBytes'),
        );
      if (m.loading)
        parts.push(
          labelBytes(m.loading.roundId, MAX_ROUND_ID),
          u32(m.loading.loadedBytes, 'loadedBytes'),
          u32(m.loading.totalBytes, 'totalBytes'),
        );
      parts.push(u32(m.resultsPending, 'resultsPending'));
      return Buffer.concat(parts);
    }
    case 'resume-at':
      return Buffer.concat([Buffer.of(T.resumeAt), u32(m.offset, 'offset')]);
    case 'loaded':
      return Buffer.concat([Buffer.of(T.loaded), u32(m.loaded, 'loaded')]);
    case 'done':
      return Buffer.of(T.done);
    case 'results':
      if (m.bytes.length > MAX_RESULTS_CHUNK)
        throw new RangeError(`ppd-messages: a results chunk is at most ${MAX_RESULTS_CHUNK} bytes`);
      return Buffer.concat([
        Buffer.of(T.resultsAnswer),
        u32(m.totalBytes, 'totalBytes'),
        u32(m.count, 'count'),
        u32(m.firstSeq, 'firstSeq'),
        fixed(m.sha256, SHA256_BYTES, 'sha256'),
        u32(m.offset, 'offset'),
        m.bytes,
      ]);
    case 'error':
      return errorBytes(m.code, m.detail);
  }
}

/** Decodes a session answer; throws {@link PpdMessageError} (and only that) when malformed. */
export function decodePpdResponse(bytes: Uint8Array): PpdResponse {
  return decoding<PpdResponse>(
    bytes,
    (r) => {
      const type = r.u8('type');
      switch (type) {
        case T.stateAnswer: {
          const flags = r.u8('flags');
          if (flags & ~3) throw new PpdMessageError(`state: unknown flags 0x${flags.toString(16)}`);
          const round =
            flags & 1
              ? {
                  roundId: r.label('roundId', MAX_ROUND_ID),
                  tasks: readU32(r, 'tasks'),
                  visited: readU32(r, 'visited'),
                  totalBytes: readU32(r, 'totalBytes'),
                }
              : null;
          const loading =
            flags & 2
              ? {
                  roundId: r.label('loading roundId', MAX_ROUND_ID),
                  loadedBytes: readU32(r, 'loadedBytes'),
                  totalBytes: readU32(r, 'loading totalBytes'),
                }
              : null;
          return { type: 'state', round, loading, resultsPending: readU32(r, 'resultsPending') };
        }
        case T.resumeAt:
          return { type: 'resume-at', offset: readU32(r, 'offset') };
        case T.loaded:
          return { type: 'loaded', loaded: readU32(r, 'loaded') };
        case T.done:
          return { type: 'done' };
        case T.resultsAnswer: {
          const totalBytes = readU32(r, 'totalBytes');
          const count = readU32(r, 'count');
          const firstSeq = readU32(r, 'firstSeq');
          const sha256 = r.take(SHA256_BYTES, 'sha256');
          const offset = readU32(r, 'offset');
          if (r.left > MAX_RESULTS_CHUNK)
            throw new PpdMessageError(`results: a chunk is at most ${MAX_RESULTS_CHUNK} bytes`);
          return { type: 'results', totalBytes, count, firstSeq, sha256, offset, bytes: r.rest() };
        }
        case T.error:
          return readError(r);
        default:
          throw new PpdMessageError(`unknown answer 0x${type.toString(16)}`);
      }
    },
    (m) => m.type,
  );
}

/** What the PPD tells about itself in clear in its session challenge: its serial number. */
export function encodePpdIdentity(serial: string): Buffer {
  return labelBytes(serial, MAX_LABEL);
}

/** The serial number in a PPD's session identity; throws {@link PpdMessageError} when malformed. */
export function decodePpdIdentity(bytes: Uint8Array): string {
  return decoding(
    bytes,
    (r) => r.label('serial', MAX_LABEL),
    () => 'identity',
  );
}
