import { createHash } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { z } from 'zod';
import { Round, VisitResult } from './round.js';

/**
 * The two bulk payloads of the console↔PPD link, as they travel in chunks: the round (Service → PPD)
 * and the visit results (PPD → Service). Each is its JSON, Brotli-compressed: a round repeats the
 * site's whole blacklist once per lock, and a large window (16 MiB) folds those repeats into almost
 * nothing, which at 115,200 baud is the difference between seconds and minutes. The same input always
 * gives the same bytes, so a load cut short resumes over identical bytes (same digest). Decompression
 * is capped, so a hostile payload cannot make either end allocate without bound.
 */

/** The largest JSON either payload may inflate to. */
export const MAX_PAYLOAD_JSON = 64 * 1024 * 1024;

/** A payload that is not what it claims to be. */
export class PayloadError extends Error {
  constructor(message: string) {
    super(`ppd-payloads: ${message}`);
    this.name = 'PayloadError';
  }
}

const compressOptions = {
  params: {
    [constants.BROTLI_PARAM_QUALITY]: 5,
    [constants.BROTLI_PARAM_LGWIN]: 24,
    [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
  },
};

function pack(value: unknown, what: string): Buffer {
  const json = Buffer.from(JSON.stringify(value), 'utf8');
  if (json.length > MAX_PAYLOAD_JSON)
    throw new PayloadError(
      `${what} is ${json.length} bytes of JSON, more than a PPD takes (${MAX_PAYLOAD_JSON})`,
    );
  return brotliCompressSync(json, compressOptions);
}

function unpack<T>(bytes: Uint8Array, schema: z.ZodType<T>, what: string): T {
  let json: Buffer;
  try {
    json = brotliDecompressSync(bytes, { maxOutputLength: MAX_PAYLOAD_JSON });
  } catch (err) {
    throw new PayloadError(
      `${what}: does not decompress (${err instanceof Error ? err.message : 'corrupt'})`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(json.toString('utf8'));
  } catch {
    throw new PayloadError(`${what}: not JSON`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PayloadError(
      `${what}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
    );
  }
  return parsed.data;
}

/** SHA-256 of a payload (BEGIN and RESULTS carry it). */
export function payloadDigest(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** A round as it travels. */
export function encodeRound(round: Round): Buffer {
  return pack(Round.parse(round), 'the round');
}

/** A round from its travelling bytes; throws {@link PayloadError} when they are not a valid round. */
export function decodeRound(bytes: Uint8Array): Round {
  return unpack(bytes, Round, 'the round');
}

const Results = z.array(VisitResult).max(100_000);

/** The results a PPD holds, oldest first, as they travel. */
export function encodeResults(results: readonly VisitResult[]): Buffer {
  return pack(results, 'the results');
}

/** Results from their travelling bytes; throws {@link PayloadError} when they are not valid results. */
export function decodeResults(bytes: Uint8Array): VisitResult[] {
  return unpack(bytes, Results, 'the results');
}
