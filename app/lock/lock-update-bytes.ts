import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { LockUpdate } from '../ppd/round.js';
import { LockMessageError } from './lock-messages.js';

/**
 * A LockUpdate as the PPD sends it to a lock, compact because a lock's serial line is slow (a full
 * blacklist of 4,000 entries is 48 KB, about 4 s at 115,200 baud; as JSON it would be three times
 * that). The blacklist is binary (sequence numbers and ids do not compress much); everything else
 * (door tables, keys) is JSON, deflated (RFC 1951: a two-year holiday calendar repeats itself, and a
 * lock's firmware inflates it with a few KB of RAM):
 *
 *   byte   size  field
 *   0      4     magic "LKU1"
 *   4      4     length J of the deflated JSON, big-endian
 *   8      J     the LockUpdate as JSON, without `blacklist.entries`, raw deflate
 *   8+J    4     number of entries N
 *   12+J   12N   entries: sequence number, credential id, expiry (epoch s), 4 bytes each, big-endian
 *
 * The PPD names the transfer by the SHA-256 of these bytes, and the lock checks the digest before it
 * parses them (with zod) at the commit.
 */

const MAGIC = Buffer.from('LKU1', 'ascii');
/** Bytes of one blacklist entry on the wire. */
export const UPDATE_ENTRY_BYTES = 12;
const MAX_U32 = 0xffff_ffff;
const MAX_JSON = 1_000_000;

/** The update's bytes. Throws RangeError on an entry a lock cannot store (over 32 bits). */
export function encodeLockUpdate(update: LockUpdate): Buffer {
  const { entries } = update.blacklist;
  const json = deflateRawSync(
    Buffer.from(JSON.stringify({ ...update, blacklist: { ...update.blacklist, entries: [] } }), 'utf8'),
    { level: 9 },
  );
  const out = Buffer.alloc(MAGIC.length + 4 + json.length + 4 + entries.length * UPDATE_ENTRY_BYTES);
  let at = MAGIC.copy(out, 0);
  at = out.writeUInt32BE(json.length, at);
  at += json.copy(out, at);
  at = out.writeUInt32BE(entries.length, at);
  for (const e of entries) {
    // The expiry of a credential that never expires is kept as "never" (2106), as the Blacklist does.
    const expiry = Math.min(e.expiresAt, MAX_U32);
    if (e.seq > MAX_U32 || e.credentialId > MAX_U32)
      throw new RangeError(`blacklist entry ${e.seq}: a lock stores 32-bit sequence numbers and ids`);
    at = out.writeUInt32BE(e.seq, at);
    at = out.writeUInt32BE(e.credentialId, at);
    at = out.writeUInt32BE(expiry, at);
  }
  return out;
}

/** The transfer id of an update's bytes: their SHA-256. */
export function transferIdOf(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** Decodes and validates an update's bytes; throws LockMessageError('INVALID_UPDATE') on anything else. */
export function decodeLockUpdate(bytes: Uint8Array): LockUpdate {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const bad = (why: string): never => {
    throw new LockMessageError('INVALID_UPDATE', `the update is not one this lock reads: ${why}`);
  };
  if (buf.length < MAGIC.length + 8 || !buf.subarray(0, 4).equals(MAGIC)) bad('no LKU1 header');
  const jsonLength = buf.readUInt32BE(4);
  if (8 + jsonLength + 4 > buf.length) bad('the JSON part runs past the end');
  let json: unknown;
  try {
    // Bounded: a deflate bomb stops at MAX_JSON instead of filling the lock's memory.
    const inflated = inflateRawSync(buf.subarray(8, 8 + jsonLength), { maxOutputLength: MAX_JSON });
    json = JSON.parse(inflated.toString('utf8'));
  } catch {
    bad('the JSON part does not inflate or parse');
  }
  const count = buf.readUInt32BE(8 + jsonLength);
  const start = 12 + jsonLength;
  if (buf.length !== start + count * UPDATE_ENTRY_BYTES)
    bad(`${count} blacklist entries do not match ${buf.length - start} bytes`);
  const entries = [];
  for (let i = 0, at = start; i < count; i++, at += UPDATE_ENTRY_BYTES) {
    entries.push({
      seq: buf.readUInt32BE(at),
      credentialId: buf.readUInt32BE(at + 4),
      expiresAt: buf.readUInt32BE(at + 8),
    });
  }
  const blacklist =
    json !== null && typeof json === 'object' && 'blacklist' in json
      ? (json.blacklist as unknown)
      : undefined;
  if (blacklist === null || typeof blacklist !== 'object') bad('no blacklist');
  const parsed = LockUpdate.safeParse({
    ...(json as object),
    blacklist: { ...(blacklist as object), entries },
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    bad(issue ? `${issue.path.join('.') || 'top'}: ${issue.message}` : 'invalid');
  }
  return parsed.data!;
}
