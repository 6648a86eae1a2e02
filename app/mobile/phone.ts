import fs from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from '../keys/atomic-file.js';
import { PhoneRelayClient } from '../relay/relay-client.js';
import { BleLinkError, connectBle, type BleTiming } from './ble-link.js';
import { exportDeviceKey, importDeviceKey, newDeviceKey, type DeviceKey } from './device-key.js';
import {
  decodeOpeningMessage,
  encodeOpeningMessage,
  OPENING_VERSION,
  OpeningMessageError,
  type OpeningMessage,
} from './opening-messages.js';
import { openFromPhone, PhoneOpenError, type OpeningLink, type PhoneOpenResult } from './opening.js';
import { readTokenHeader, TokenFormatError } from './token.js';

/**
 * The phone app's state and logic, as `lintel sim phone` runs it: a device key made on first start
 * (it never leaves the phone), the relay it enrolled with (its phone id and secret), and the tokens it
 * received. One JSON file, mode 0600 (it holds the device key and the relay secret), written atomically.
 * The phone cannot read a token (it is sealed for the locks); it reads only the clear header to know
 * which locks' group key it is for and when it is valid.
 */

const Hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`));

const StoredKey = z.strictObject({
  tokenId: Hex(32),
  groupKeyId: Hex(16),
  notBefore: z.number().int().min(0),
  notAfter: z.number().int().min(0),
  token: z.string().regex(/^[A-Za-z0-9_-]+$/),
  receivedAt: z.number().int().min(0),
});
export type StoredKey = z.infer<typeof StoredKey>;

/** The phone's state file. */
export const PhoneState = z.strictObject({
  format: z.literal('lintel-phone/1'),
  label: z.string().min(1).max(64),
  deviceKey: z.string().min(1),
  relay: z
    .strictObject({
      url: z.string().url(),
      fingerprint: z.string().min(1),
      phoneId: z.string().min(1),
      secret: z.string().min(1),
    })
    .nullable(),
  keys: z.array(StoredKey).max(1000),
});
export type PhoneState = z.infer<typeof PhoneState>;

/** A state file that cannot be used, or a step the phone cannot take yet. */
export class PhoneError extends Error {
  override readonly name = 'PhoneError';
}

/** What a fetch brought. */
export interface FetchSummary {
  added: string[];
  deleted: string[];
  /** Tokens refused: not for this phone's device key, or not tokens at all. */
  refused: string[];
}

/**
 * The last OPEN the phone sent, byte for byte as it went on the air, and the lock it went to. Kept in
 * memory only, never in the state file: it exists so `replay` can play the attacker who recorded it.
 */
export interface RecordedOpening {
  bytes: Buffer;
  /** The lock's id, from the challenge it answered. */
  lockId: string;
  host: string;
  port: number;
}

/** What a lock said to a replayed OPEN. */
export type ReplayAnswer =
  /** The lock refused in clear (REFUSED): it made no session for the replay. */
  | { lockId: string; answer: 'denied'; reason: string }
  /**
   * The lock answered with a sealed RESULT: it judged the replay as an opening, under session keys the
   * phone no longer holds, so it cannot tell granted from denied (the lock's audit can).
   */
  | { lockId: string; answer: 'sealed' }
  /** The lock closed the connection or said nothing. */
  | { lockId: string; answer: 'none'; why: string };

/** How long `replay` waits for each of the lock's answers (as an opening does). */
const REPLAY_ANSWER_MS = 5000;

/** The message in `bytes`, or undefined when they are not one. */
function peek(bytes: Uint8Array): OpeningMessage | undefined {
  try {
    return decodeOpeningMessage(bytes);
  } catch (err) {
    if (err instanceof OpeningMessageError) return undefined;
    throw err;
  }
}

export class Phone {
  private readonly device: DeviceKey;
  private recorded: RecordedOpening | undefined;

  private constructor(
    private s: PhoneState,
    readonly file: string | undefined,
    /** Epoch ms. */
    private readonly now: () => number,
  ) {
    this.device = importDeviceKey(s.deviceKey);
  }

  /** A new phone (a new device key), saved at once when it has a file. */
  static create(file: string | undefined, o: { label?: string; now?: () => number } = {}): Phone {
    const p = new Phone(
      {
        format: 'lintel-phone/1',
        label: o.label ?? 'Simulated phone',
        deviceKey: exportDeviceKey(newDeviceKey()),
        relay: null,
        keys: [],
      },
      file,
      o.now ?? Date.now,
    );
    p.save();
    return p;
  }

  /** Loads a phone's file, or makes a new phone there. */
  static open(file: string, o: { label?: string; now?: () => number } = {}): Phone {
    if (!fs.existsSync(file)) return Phone.create(file, o);
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new PhoneError(`${file} is not a phone state file: delete it to start a new phone`, {
        cause: err,
      });
    }
    const parsed = PhoneState.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PhoneError(
        `${file} is damaged (${issue ? `${issue.path.join('.') || 'top'}: ${issue.message}` : 'invalid'}): delete it to start a new phone`,
      );
    }
    return new Phone(parsed.data, file, o.now ?? Date.now);
  }

  private save(): void {
    if (this.file) writeFileAtomic(this.file, `${JSON.stringify(this.s)}\n`, 0o600);
  }

  /** The device public key, hex (what the relay and the Service know the phone by). */
  get devicePublicKey(): string {
    return this.device.publicKey.toString('hex');
  }

  /** Whether the phone enrolled with a relay. */
  get enrolled(): boolean {
    return this.s.relay !== null;
  }

  /** The keys on the phone, oldest first. */
  keys(): readonly StoredKey[] {
    return this.s.keys;
  }

  /** Enrols with a relay using the invitation code the operator gave. */
  async enrol(
    url: string,
    fingerprint: string,
    code: string,
    o: { timeoutMs?: number } = {},
  ): Promise<string> {
    const { phoneId, secret } = await PhoneRelayClient.enrol({
      url,
      fingerprint,
      code,
      devicePublicKey: this.devicePublicKey,
      label: this.s.label,
      ...(o.timeoutMs !== undefined && { timeoutMs: o.timeoutMs }),
    });
    this.s.relay = { url, fingerprint, phoneId, secret };
    this.save();
    return phoneId;
  }

  /**
   * Takes the tokens waiting at the relay (keeping only those sealed for this phone's device key) and
   * deletes those revoked, then acknowledges both, so the relay forgets them.
   */
  async fetch(o: { timeoutMs?: number } = {}): Promise<FetchSummary> {
    const relay = this.s.relay;
    if (!relay) throw new PhoneError('not enrolled: enrol URL FINGERPRINT CODE first');
    const client = new PhoneRelayClient({
      ...relay,
      ...(o.timeoutMs !== undefined && { timeoutMs: o.timeoutMs }),
    });
    const { tokens, revoked } = await client.fetch();
    const summary: FetchSummary = { added: [], deleted: [], refused: [] };
    for (const t of tokens) {
      const why = this.take(t.token);
      if (why === true) summary.added.push(t.tokenId);
      else if (why !== 'duplicate') summary.refused.push(t.tokenId);
    }
    const gone = new Set(revoked);
    const before = this.s.keys.length;
    this.s.keys = this.s.keys.filter((k) => {
      if (!gone.has(k.tokenId)) return true;
      summary.deleted.push(k.tokenId);
      return false;
    });
    if (this.s.keys.length !== before || summary.added.length) this.save();
    // Refused tokens are acknowledged too: fetching again would not make them this phone's.
    await client.ack([...tokens.map((t) => t.tokenId), ...revoked]);
    return summary;
  }

  /** Stores a token (as a fetch does); true, 'duplicate', or why it was refused. */
  take(token: Uint8Array): true | 'duplicate' | string {
    let header;
    try {
      header = readTokenHeader(token);
    } catch (err) {
      if (!(err instanceof TokenFormatError)) throw err;
      return err.message;
    }
    if (!header.devicePublicKey.equals(this.device.publicKey)) return 'sealed for another phone';
    const tokenId = header.tokenId.toString('hex');
    if (this.s.keys.some((k) => k.tokenId === tokenId)) return 'duplicate';
    this.s.keys.push({
      tokenId,
      groupKeyId: header.groupKeyId.toString('hex'),
      notBefore: header.notBefore,
      notAfter: header.notAfter,
      token: Buffer.from(token).toString('base64url'),
      receivedAt: this.now(),
    });
    this.save();
    return true;
  }

  /**
   * The token to show a lock with this group key id: one valid now, the longest-lived first; else the
   * newest for that group (the lock will say why it is refused, which tells the holder more than
   * "no key").
   */
  pick(groupKeyId: Uint8Array): Buffer | undefined {
    const id = Buffer.from(groupKeyId).toString('hex');
    const nowS = Math.floor(this.now() / 1000);
    const mine = this.s.keys.filter((k) => k.groupKeyId === id);
    const valid = mine.filter((k) => k.notBefore <= nowS && nowS < k.notAfter);
    const best = [...(valid.length ? valid : mine)].sort((a, b) => b.notAfter - a.notAfter)[0];
    return best && Buffer.from(best.token, 'base64url');
  }

  /** Opens the lock listening at host:port (the BLE-like link), with the PIN when one is given. */
  async open(
    host: string,
    port: number,
    o: { pin?: string; timing?: BleTiming } = {},
  ): Promise<PhoneOpenResult> {
    const conn = await connectBle(host, port, o.timing);
    // The opening itself is untouched; this link only watches it, to keep the OPEN for `replay`.
    let lockId: string | undefined;
    const link: OpeningLink = {
      receive: async (ms) => {
        const b = await conn.receive(ms);
        const m = peek(b);
        if (m?.type === 'challenge') lockId = m.lockId;
        return b;
      },
      send: (message) => {
        if (lockId !== undefined && peek(message)?.type === 'open')
          this.recorded = { bytes: Buffer.from(message), lockId, host, port };
        return conn.send(message);
      },
    };
    try {
      return await openFromPhone(link, {
        deviceKey: this.device,
        pick: (id) => this.pick(id),
        ...(o.pin !== undefined && { pin: o.pin }),
      });
    } finally {
      conn.close();
    }
  }

  /** The last OPEN this phone sent (a copy), if it sent one since it started. */
  get lastOpening(): RecordedOpening | undefined {
    const r = this.recorded;
    return r && { ...r, bytes: Buffer.from(r.bytes) };
  }

  /**
   * Plays the attacker who recorded the last opening: a fresh connection to the lock at host:port, a
   * HELLO as usual (so the lock hands out a new challenge), then the recorded OPEN, unchanged.
   */
  async replay(host: string, port: number, o: { timing?: BleTiming } = {}): Promise<ReplayAnswer> {
    const recorded = this.recorded;
    if (!recorded) throw new PhoneError('replay: open a lock first; there is nothing to replay');
    const conn = await connectBle(host, port, o.timing);
    try {
      await conn.send(encodeOpeningMessage({ type: 'hello', version: OPENING_VERSION }));
      const challenge = decodeOpeningMessage(await conn.receive(REPLAY_ANSWER_MS));
      if (challenge.type === 'refused') throw new PhoneOpenError(`the lock refused: ${challenge.reason}`);
      if (challenge.type !== 'challenge')
        throw new PhoneOpenError(`the lock answered ${challenge.type}, not a challenge`);
      const lockId = challenge.lockId;
      let answer: OpeningMessage;
      try {
        await conn.send(recorded.bytes);
        answer = decodeOpeningMessage(await conn.receive(REPLAY_ANSWER_MS));
      } catch (err) {
        if (err instanceof BleLinkError) return { lockId, answer: 'none', why: err.message };
        throw err;
      }
      if (answer.type === 'refused') return { lockId, answer: 'denied', reason: answer.reason };
      if (answer.type === 'result') return { lockId, answer: 'sealed' };
      throw new PhoneOpenError(`the lock answered ${answer.type}, not a result`);
    } catch (err) {
      if (err instanceof OpeningMessageError)
        throw new PhoneOpenError(`the lock’s answer is not an opening message: ${err.message}`);
      throw err;
    } finally {
      conn.close();
    }
  }
}
