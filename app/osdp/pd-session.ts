import { randomBytes, timingSafeEqual } from 'node:crypto';
import { encodeFrame, type Frame, nextSequence, OsdpFrameError, Scs } from './frame.js';
import { FrameReader, type ReceivedFrame } from './frame-reader.js';
import { OsdpMessageError } from './message-bytes.js';
import { Cmd, type Command, decodeCommand } from './messages.js';
import { type Capability, encodeReply, NakReason, type PdId, type PdReply } from './replies.js';
import {
  clientCryptogram,
  deriveSessionKeys,
  initialRmac,
  MacChain,
  SCBK_D,
  serverCryptogram,
  type SessionKeys,
} from './secure-channel.js';

export interface PdOptions {
  address: number;
  id: PdId;
  capabilities: Capability[];
  /** The client UID sent in osdp_CCRYPT (8 bytes). */
  cuid: Buffer;
  /** The provisioned SCBK, if any. */
  scbk?: Buffer;
  /** Accept a handshake with SCBK-D. A fresh reader is in install mode until KEYSET gives it a key. */
  installMode?: boolean;
  /** Answers the application commands (LED, BUZ, OUT, COMSET, BIO…, XWR); may throw OsdpMessageError. */
  handle: (cmd: Command) => PdReply;
  /** Called with a new SCBK accepted by KEYSET, to store it before the ACK goes out. */
  onKeyset?: (scbk: Buffer) => void;
  random?: (n: number) => Buffer;
}

export interface PdStats {
  ignored: number;
  replays: number;
  badSequence: number;
  badMac: number;
  badHandshake: number;
  naks: number;
}

/** Commands a PD that holds a key answers in the clear: enough to find it and start the handshake. */
const CLEAR_OK = new Set<number>([Cmd.POLL, Cmd.ID, Cmd.CAP, Cmd.CHLNG]);

/**
 * The peripheral device (reader) side: consumes bytes from the bus, returns the bytes to answer.
 * Card and keypad data wait in a queue and go out as the reply to osdp_POLL, and only inside the
 * Secure Channel once the reader holds a key, so credentials never cross the bus in the clear.
 */
export class PdSession {
  readonly reader = new FrameReader();
  readonly stats: PdStats = { ignored: 0, replays: 0, badSequence: 0, badMac: 0, badHandshake: 0, naks: 0 };
  private scbk: Buffer | undefined;
  private installMode: boolean;
  private lastSeq: number | undefined;
  private lastCommand: Buffer | undefined;
  private lastReply: Buffer | undefined;
  private pending: { keys: SessionKeys; rndA: Buffer; rndB: Buffer } | undefined;
  private chain: MacChain | undefined;
  private readonly events: PdReply[] = [];
  private readonly random: (n: number) => Buffer;

  constructor(private readonly opts: PdOptions) {
    this.scbk = opts.scbk;
    this.installMode = opts.installMode ?? !opts.scbk;
    this.random = opts.random ?? randomBytes;
  }

  get secure(): boolean {
    return this.chain !== undefined;
  }
  get inInstallMode(): boolean {
    return this.installMode;
  }

  /** Queues card, keypad or biometric data for the next osdp_POLL. */
  report(reply: PdReply): void {
    this.events.push(reply);
  }

  receive(bytes: Uint8Array): Buffer[] {
    const out: Buffer[] = [];
    for (const rf of this.reader.push(bytes)) {
      const reply = this.onFrame(rf);
      if (reply) out.push(reply);
    }
    return out;
  }

  private onFrame({ frame, raw }: ReceivedFrame): Buffer | undefined {
    const f = frame;
    if (f.reply || (f.address !== this.opts.address && f.address !== 0x7f)) {
      this.stats.ignored++;
      return undefined;
    }
    // A retry of the command we answered last: send the same bytes again, so neither the MAC chain
    // nor the application sees it twice.
    if (f.sequence === this.lastSeq && this.lastCommand?.equals(raw) && this.lastReply) {
      this.stats.replays++;
      return this.lastReply;
    }
    if (f.sequence === 0) {
      // The CP restarted: it has no session keys either.
      this.chain = undefined;
      this.pending = undefined;
    } else if (this.lastSeq === undefined || f.sequence !== nextSequence(this.lastSeq)) {
      // Refused without any state change; the CP answers a sequence NAK by restarting at 0.
      this.stats.badSequence++;
      return this.clear(f, { type: 'nak', reason: NakReason.SEQUENCE, detail: Buffer.alloc(0) });
    }
    let reply: Buffer | undefined;
    try {
      reply = this.process(f, raw);
    } catch (e) {
      // The application's reply could not be encoded (a field out of range, too long for a frame).
      if (!(e instanceof OsdpMessageError || e instanceof OsdpFrameError)) throw e;
      reply = this.nak(f, NakReason.RECORD);
    }
    // A frame that failed its MAC is not the CP's: it must not move the sequence either.
    if (reply === undefined) return this.nak(f, NakReason.SC_UNSUPPORTED);
    this.lastSeq = f.sequence;
    this.lastCommand = raw;
    this.lastReply = reply;
    return reply;
  }

  private process(f: Frame, raw: Buffer): Buffer | undefined {
    const type = f.scb?.type;
    if (type === Scs.SCS_11) return this.challenge(f);
    if (type === Scs.SCS_13) return this.serverCrypt(f);
    if (type === Scs.SCS_15 || type === Scs.SCS_17) {
      if (!this.chain) return this.nak(f, NakReason.SC_UNSUPPORTED);
      let data: Buffer;
      try {
        data = this.chain.open(raw, f);
      } catch {
        // A bad MAC ends the Secure Channel (OSDP Annex D); the CP must set up a new one.
        this.stats.badMac++;
        this.chain = undefined;
        return undefined;
      }
      return this.chain.seal({ ...this.replyFrame(f), ...encodeReply(this.dispatch(f.code, data, true)) });
    }
    if (type !== undefined) return this.nak(f, NakReason.SC_UNSUPPORTED);
    if (this.chain) return this.nak(f, NakReason.SC_REQUIRED);
    if (this.scbk && !this.installMode && !CLEAR_OK.has(f.code)) return this.nak(f, NakReason.SC_REQUIRED);
    return this.clear(f, this.dispatch(f.code, f.data, false));
  }

  private dispatch(code: number, data: Buffer, secured: boolean): PdReply {
    let cmd: Command;
    try {
      cmd = decodeCommand(code, data);
    } catch (e) {
      if (!(e instanceof OsdpMessageError)) throw e;
      return this.nakReply(
        /unknown|unsupported/.test(e.message) ? NakReason.UNKNOWN_COMMAND : NakReason.LENGTH,
      );
    }
    switch (cmd.type) {
      case 'poll':
        return (secured || !this.scbk ? this.events.shift() : undefined) ?? { type: 'ack' };
      case 'id':
        return { type: 'pdid', ...this.opts.id };
      case 'cap':
        return { type: 'pdcap', capabilities: this.opts.capabilities };
      case 'chlng':
      case 'scrypt':
        return this.nakReply(NakReason.SC_UNSUPPORTED);
      case 'keyset':
        // A key sent in the clear would be known to anyone on the bus.
        if (!secured || cmd.keyType !== 1) return this.nakReply(NakReason.SC_REQUIRED);
        this.opts.onKeyset?.(cmd.key);
        this.scbk = cmd.key;
        this.installMode = false;
        return { type: 'ack' };
      default:
        try {
          return this.opts.handle(cmd);
        } catch (e) {
          if (!(e instanceof OsdpMessageError)) throw e;
          return this.nakReply(NakReason.RECORD);
        }
    }
  }

  private challenge(f: Frame): Buffer {
    this.chain = undefined;
    this.pending = undefined;
    const keyType = f.scb!.data[0];
    const scbk = keyType === 0 && this.installMode ? SCBK_D : keyType === 1 ? this.scbk : undefined;
    if (!scbk || f.code !== Cmd.CHLNG || f.data.length !== 8) {
      this.stats.badHandshake++;
      return this.nak(f, NakReason.SC_UNSUPPORTED);
    }
    const rndA = Buffer.from(f.data);
    const rndB = this.random(8);
    const keys = deriveSessionKeys(scbk, rndA);
    this.pending = { keys, rndA, rndB };
    const reply = encodeReply({
      type: 'ccrypt',
      cuid: this.opts.cuid,
      rndB,
      clientCryptogram: clientCryptogram(keys, rndA, rndB),
    });
    return encodeFrame({
      ...this.replyFrame(f),
      ...reply,
      scb: { type: Scs.SCS_12, data: Buffer.of(keyType!) },
    });
  }

  private serverCrypt(f: Frame): Buffer {
    const p = this.pending;
    this.pending = undefined;
    const ok =
      p &&
      f.code === Cmd.SCRYPT &&
      f.data.length === 16 &&
      timingSafeEqual(f.data, serverCryptogram(p.keys, p.rndA, p.rndB));
    if (!p || !ok) {
      this.stats.badHandshake++;
      return this.nak(f, NakReason.SC_UNSUPPORTED);
    }
    const rmacI = initialRmac(p.keys, f.data);
    this.chain = new MacChain(p.keys, rmacI, 'pd');
    const reply = encodeReply({ type: 'rmac-i', rmacI });
    return encodeFrame({ ...this.replyFrame(f), ...reply, scb: { type: Scs.SCS_14, data: Buffer.of(1) } });
  }

  private replyFrame(f: Frame) {
    return { address: this.opts.address, reply: true, sequence: f.sequence, useCrc: f.useCrc };
  }
  private nakReply(reason: number): PdReply {
    return { type: 'nak', reason, detail: Buffer.alloc(0) };
  }
  private nak(f: Frame, reason: number): Buffer {
    return this.clear(f, this.nakReply(reason));
  }
  private clear(f: Frame, reply: PdReply): Buffer {
    if (reply.type === 'nak') this.stats.naks++;
    return encodeFrame({ ...this.replyFrame(f), ...encodeReply(reply) });
  }
}
