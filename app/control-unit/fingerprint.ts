import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from '../osdp/messages.js';
import type { PdReply } from '../osdp/replies.js';

/**
 * The fingerprint sensor of a wall reader, as a control unit uses it: osdp_BIOREAD to take a finger's
 * template for enrolment, osdp_BIOMATCH to compare the holder's enrolled template with the finger on
 * the sensor at a card + fingerprint door. A reader with no finger on its sensor answers status 1
 * (timeout) at once, so both are asked again every `pollMs` until a finger came or the time is up.
 */

/** OSDP biometric type 0: the default (any finger the reader takes). */
export const BIO_TYPE_DEFAULT = 0;
/** OSDP biometric format 2: an ANSI/INCITS 378 fingerprint template. */
export const BIO_FORMAT_TEMPLATE = 2;
/** BIOREADR / BIOMATCHR status: 0 success, 1 timeout (no finger on the sensor). */
const STATUS_SUCCESS = 0;
const STATUS_TIMEOUT = 1;
/** The largest template Lintel keeps (protocol.ts FingerTemplateHex). */
export const MAX_TEMPLATE_BYTES = 1024;

/** What the finger waits use of a reader: one command inside its Secure Channel. */
export interface FingerReader {
  request(command: Command): Promise<PdReply>;
}

export interface FingerWaitOptions {
  /** How long to wait for a finger (real time, not the unit's clock). */
  timeoutMs: number;
  /** Pause between two asks while the reader answers "no finger" (default 200 ms). */
  pollMs?: number;
  /** Stops the wait (the unit is stopping): it ends as a timeout. */
  cancelled?: () => boolean;
}

/** The reader answered something a finger wait cannot use (NAK, a status other than 0 or 1). */
export class FingerReaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FingerReaderError';
  }
}

/** Asks `ask` until it gives a value, the time is up or the wait is cancelled (then undefined). */
async function untilFinger<T>(
  ask: () => Promise<T | undefined>,
  o: FingerWaitOptions,
): Promise<T | undefined> {
  const end = Date.now() + o.timeoutMs;
  const pollMs = o.pollMs ?? 200;
  for (;;) {
    if (o.cancelled?.()) return undefined;
    const value = await ask();
    if (value !== undefined) return value;
    const left = end - Date.now();
    if (left <= 0) return undefined;
    await sleep(Math.min(pollMs, left));
  }
}

function unexpected(what: string, reply: PdReply): FingerReaderError {
  if (reply.type === 'nak')
    return new FingerReaderError(`${what}: the reader refused it (NAK 0x${reply.reason.toString(16)})`);
  if (reply.type === 'bioreadr' || reply.type === 'biomatchr')
    return new FingerReaderError(`${what}: the reader answered status ${reply.status}`);
  return new FingerReaderError(`${what}: the reader answered ${reply.type}`);
}

/**
 * Reads a finger for enrolment (osdp_BIOREAD, format 2): its template and the reader's quality score
 * (0–100), or undefined when no finger came in time. Throws when the reader cannot read (offline,
 * NAK) or gives a template Lintel cannot keep.
 */
export async function readFinger(
  reader: FingerReader,
  o: FingerWaitOptions,
): Promise<{ template: Buffer; quality: number } | undefined> {
  return untilFinger(async () => {
    const reply = await reader.request({
      type: 'bioread',
      reader: 0,
      bioType: BIO_TYPE_DEFAULT,
      format: BIO_FORMAT_TEMPLATE,
      quality: 0,
    });
    if (reply.type !== 'bioreadr') throw unexpected('osdp_BIOREAD', reply);
    if (reply.status === STATUS_TIMEOUT) return undefined;
    if (reply.status !== STATUS_SUCCESS) throw unexpected('osdp_BIOREAD', reply);
    if (reply.template.length === 0 || reply.template.length > MAX_TEMPLATE_BYTES)
      throw new FingerReaderError(
        `osdp_BIOREAD: a template of ${reply.template.length} bytes (1 to ${MAX_TEMPLATE_BYTES} are kept)`,
      );
    return { template: Buffer.from(reply.template), quality: Math.min(100, reply.quality) };
  }, o);
}

/**
 * Compares `template` with the finger on the sensor (osdp_BIOMATCH, format 2): the reader's score
 * (0–255), or undefined when no finger came in time. Throws when the reader cannot match.
 */
export async function matchFinger(
  reader: FingerReader,
  template: Buffer,
  threshold: number,
  o: FingerWaitOptions,
): Promise<number | undefined> {
  return untilFinger(async () => {
    const reply = await reader.request({
      type: 'biomatch',
      reader: 0,
      bioType: BIO_TYPE_DEFAULT,
      format: BIO_FORMAT_TEMPLATE,
      threshold,
      template,
    });
    if (reply.type !== 'biomatchr') throw unexpected('osdp_BIOMATCH', reply);
    if (reply.status === STATUS_TIMEOUT) return undefined;
    if (reply.status !== STATUS_SUCCESS) throw unexpected('osdp_BIOMATCH', reply);
    return reply.score;
  }, o);
}
