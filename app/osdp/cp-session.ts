import { randomBytes } from 'node:crypto';
import { CpHandshake } from './cp-handshake.js';
import type { CpOptions, CpOutput, CpStats, FailReason } from './cp-types.js';
import { encodeFrame, type Frame, nextSequence, OsdpFrameError, Scs } from './frame.js';
import { FrameReader } from './frame-reader.js';
import { OsdpMessageError } from './message-bytes.js';
import { type Command, encodeCommand } from './messages.js';
import { decodeReply, NakReason, type PdReply, Reply } from './replies.js';
import type { MacChain } from './secure-channel.js';

type Kind = 'app' | 'chlng' | 'scrypt';
/** The SCB a reply must carry for each kind of job; a secured 'app' job is checked by the MacChain. */
const expectedScb: Record<Kind, number | undefined> = {
  app: undefined,
  chlng: Scs.SCS_12,
  scrypt: Scs.SCS_14,
};
interface Job {
  id: number;
  kind: Kind;
  command: Command;
}
interface InFlight {
  job: Job;
  seq: number;
  bytes: Buffer;
  deadline: number;
  tries: number;
  secured: boolean;
}

/**
 * The control panel's side for one PD: a queue of commands, one in flight at a time, sequence
 * numbers 0 then 1, 2, 3, 1…, resends on timeout and offline after `retries`. Pure: bytes and a
 * clock in, bytes and events out. Replies with the wrong sequence, address or direction are
 * dropped and counted and change nothing; a bad MAC ends the Secure Channel.
 */
export class CpSession {
  readonly reader = new FrameReader();
  readonly stats: CpStats = {
    sent: 0,
    retries: 0,
    ignored: 0,
    unexpected: 0,
    badSequence: 0,
    badMac: 0,
    malformed: 0,
  };
  private scbk: Buffer | undefined;
  private installMode: boolean;
  private queue: Job[] = [];
  private inFlight: InFlight | undefined;
  private lastSeq: number | undefined;
  private nextId = 1;
  private handshake: CpHandshake | undefined;
  private chain: MacChain | undefined;
  private isOnline = false;
  private readonly random: (n: number) => Buffer;

  constructor(private readonly opts: CpOptions) {
    this.scbk = opts.scbk;
    this.installMode = opts.installMode ?? false;
    this.random = opts.random ?? randomBytes;
  }

  get secure(): boolean {
    return this.chain !== undefined;
  }
  get online(): boolean {
    return this.isOnline;
  }
  get idle(): boolean {
    return !this.inFlight && this.queue.length === 0;
  }
  get key(): Buffer | undefined {
    return this.scbk;
  }

  /** Queues a command; its outcome comes back as a 'reply' or 'failed' event with this id. */
  request(command: Command): number {
    const id = this.nextId++;
    this.queue.push({ id, kind: 'app', command });
    return id;
  }

  /**
   * Queues the handshake ahead of everything else: with the SCBK, or with SCBK-D when this session
   * was created in install mode. Success is a 'secure' event; failure a 'failed' event with this id.
   */
  startSecureChannel(): number {
    if (!this.installMode && !this.scbk) throw new Error('no SCBK and not in install mode');
    const id = this.nextId++;
    this.queue.unshift({ id, kind: 'chlng', command: { type: 'chlng', rndA: Buffer.alloc(8) } });
    return id;
  }

  /** Queues osdp_KEYSET; on its ACK the CP adopts the key and leaves install mode. */
  setKey(scbk: Buffer): number {
    return this.request({ type: 'keyset', keyType: 1, key: scbk });
  }

  /** Resends or gives up a command whose reply is late, or sends the next one. */
  tick(now: number): CpOutput {
    const res: CpOutput = { out: [], events: [] };
    const f = this.inFlight;
    if (f && now >= f.deadline) {
      if (f.tries <= (this.opts.retries ?? 3)) {
        f.tries++;
        f.deadline = now + (this.opts.replyTimeoutMs ?? 200);
        this.stats.retries++;
        res.out.push(f.bytes);
      } else {
        this.inFlight = undefined;
        this.restart(res, 'PD did not answer');
        res.events.push({ type: 'failed', id: f.job.id, command: f.job.command, reason: 'offline' });
        if (this.isOnline) res.events.push({ type: 'offline' });
        this.isOnline = false;
      }
    }
    this.pump(now, res);
    return res;
  }

  receive(bytes: Uint8Array, now: number): CpOutput {
    const res: CpOutput = { out: [], events: [] };
    for (const { frame, raw } of this.reader.push(bytes)) this.onReply(frame, raw, res);
    this.pump(now, res);
    return res;
  }

  private onReply(f: Frame, raw: Buffer, res: CpOutput): void {
    const inf = this.inFlight;
    if (!f.reply || f.address !== this.opts.address) return void this.stats.ignored++;
    if (!inf) return void this.stats.unexpected++;
    if (f.sequence !== inf.seq) return void this.stats.badSequence++;
    let data = f.data;
    const scb = f.scb?.type;
    if (inf.secured && (scb === Scs.SCS_16 || scb === Scs.SCS_18)) {
      try {
        data = this.chain!.open(raw, f);
      } catch {
        this.stats.badMac++;
        this.inFlight = undefined;
        this.endSecure(res, 'bad MAC from PD');
        return this.fail(res, inf.job, 'security');
      }
    } else if (inf.secured || scb !== expectedScb[inf.job.kind]) {
      // Secured the wrong way, or in the clear where it must not be: only a NAK may come back in
      // the clear to a secured command or a handshake step (the PD refused or dropped the channel).
      if (scb !== undefined || f.code !== Reply.NAK) return void this.stats.badMac++;
    }
    this.inFlight = undefined;
    this.lastSeq = inf.seq;
    if (!this.isOnline) res.events.push({ type: 'online' });
    this.isOnline = true;
    let reply: PdReply;
    try {
      reply = decodeReply(f.code, data);
    } catch (e) {
      if (!(e instanceof OsdpMessageError)) throw e;
      this.stats.malformed++;
      return this.fail(res, inf.job, 'malformed');
    }
    if (reply.type === 'nak') {
      if (reply.reason === NakReason.SEQUENCE) this.restart(res, 'PD refused the sequence number');
      else if (inf.secured || inf.job.kind !== 'app') this.endSecure(res, `PD refused: NAK ${reply.reason}`);
      return this.fail(res, inf.job, 'nak', reply);
    }
    if (inf.job.kind === 'chlng') {
      const serverCryptogram = this.handshake?.answer(reply);
      if (!serverCryptogram) {
        this.endSecure(res, 'PD cryptogram mismatch (wrong key?)');
        return this.fail(res, inf.job, 'security', reply);
      }
      return void this.queue.unshift({
        ...inf.job,
        kind: 'scrypt',
        command: { type: 'scrypt', serverCryptogram },
      });
    }
    if (inf.job.kind === 'scrypt') {
      const chain = this.handshake?.finish(reply);
      this.handshake = undefined;
      if (!chain) return this.fail(res, inf.job, 'security', reply);
      this.chain = chain;
      return void res.events.push({ type: 'secure' });
    }
    if (inf.job.command.type === 'keyset' && reply.type === 'ack') {
      this.scbk = inf.job.command.key;
      this.installMode = false;
    }
    res.events.push({ type: 'reply', id: inf.job.id, command: inf.job.command, reply });
  }

  private fail(res: CpOutput, job: Job, reason: FailReason, reply?: PdReply): void {
    res.events.push({ type: 'failed', id: job.id, command: job.command, reason, ...(reply && { reply }) });
  }

  private pump(now: number, res: CpOutput): void {
    while (!this.inFlight && this.queue.length) {
      const job = this.queue.shift()!;
      const seq = this.lastSeq === undefined ? 0 : nextSequence(this.lastSeq);
      const base = {
        address: this.opts.address,
        reply: false,
        sequence: seq,
        useCrc: this.opts.useCrc ?? true,
      };
      let bytes: Buffer;
      const secured = job.kind === 'app' && this.chain !== undefined;
      if (job.kind === 'chlng') {
        this.chain = undefined;
        this.handshake = new CpHandshake(this.installMode ? 'default' : this.scbk!, this.random(8));
        job.command = { type: 'chlng', rndA: this.handshake.rndA };
        const scb = { type: Scs.SCS_11, data: Buffer.of(this.handshake.keyType) };
        bytes = encodeFrame({ ...base, ...encodeCommand(job.command), scb });
      } else if (job.kind === 'scrypt') {
        const scb = { type: Scs.SCS_13, data: Buffer.of(this.handshake?.keyType ?? 1) };
        bytes = encodeFrame({ ...base, ...encodeCommand(job.command), scb });
      } else if (job.command.type === 'keyset' && !secured) {
        // KEYSET only ever travels encrypted.
        this.fail(res, job, 'security');
        continue;
      } else {
        try {
          const enc = encodeCommand(job.command);
          bytes = secured ? this.chain!.seal({ ...base, ...enc }) : encodeFrame({ ...base, ...enc });
        } catch (e) {
          // A command that cannot be encoded (out-of-range field, too long for a frame) fails alone.
          if (!(e instanceof OsdpMessageError || e instanceof OsdpFrameError)) throw e;
          this.fail(res, job, 'malformed');
          continue;
        }
      }
      this.inFlight = {
        job,
        seq,
        bytes,
        secured,
        tries: 1,
        deadline: now + (this.opts.replyTimeoutMs ?? 200),
      };
      this.stats.sent++;
      res.out.push(bytes);
    }
  }

  private endSecure(res: CpOutput, reason: string): void {
    this.handshake = undefined;
    if (this.chain) res.events.push({ type: 'insecure', reason });
    this.chain = undefined;
  }

  /** Next command goes out with sequence 0, which tells the PD to start over (and drop its session). */
  private restart(res: CpOutput, reason: string): void {
    this.lastSeq = undefined;
    this.endSecure(res, reason);
  }
}
