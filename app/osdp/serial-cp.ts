import type { SerialTransport } from '../ports/serial.js';
import { CpSession } from './cp-session.js';
import type { CpEvent, CpOptions, CpOutput, FailReason } from './cp-types.js';
import type { Command } from './messages.js';
import { NakReason, type PdReply } from './replies.js';

/**
 * Runs a {@link CpSession} over a serial line: bytes from the port go to `receive`, the reply timer
 * calls `tick` when the command in flight is due for a resend, a quiet line in the middle of a frame
 * resets the frame reader (the inter-character timeout), and the port closing fails everything
 * still waiting. Commands become promises. The port comes from outside (native/serial-port.ts in the
 * CLI, a pty pair in tests), so app/ never loads serialport.
 */

/** Why a command did not get its answer: the session's reasons, or the port closed under it. */
export class OsdpRequestError extends Error {
  constructor(
    readonly reason: FailReason | 'closed',
    message: string,
    readonly reply?: PdReply,
  ) {
    super(message);
    this.name = 'OsdpRequestError';
  }
}

export type SerialCpEvent =
  | CpEvent
  /** What the PD had waiting for a POLL: card data, keypad data, biometric or transparent-mode reports. */
  | { type: 'report'; reply: PdReply }
  /** The port closed: by close() (no error) or because the device went away. */
  | { type: 'closed'; error?: Error };

export interface SerialCpOptions extends CpOptions {
  /** A partial frame is dropped after the line has been quiet this long (default 50 ms). */
  interCharTimeoutMs?: number;
  /** Poll the PD this often while no command is queued; off by default (see startPolling). */
  pollIntervalMs?: number;
  /** Milliseconds, monotonic; tests may inject one. */
  now?: () => number;
}

interface Waiter {
  resolve: (reply: PdReply) => void;
  reject: (err: OsdpRequestError) => void;
}

const DEFAULT_REPLY_TIMEOUT = 200;

function failMessage(command: Command, reason: FailReason, address: number, reply?: PdReply): string {
  const what = `osdp ${command.type}`;
  switch (reason) {
    case 'offline':
      return `${what}: the PD at address ${address} did not answer`;
    case 'nak':
      return `${what}: the PD refused it (NAK ${reply?.type === 'nak' ? `0x${reply.reason.toString(16).padStart(2, '0')}` : '?'})`;
    case 'security':
      return `${what}: Secure Channel failure (wrong key, or a bad MAC)`;
    case 'malformed':
      return `${what}: the reply could not be decoded`;
  }
}

export class SerialCp {
  readonly session: CpSession;
  /** Writes the port refused (the port is closing or gone); the session resends or gives up by itself. */
  writeErrors = 0;
  private readonly waiters = new Map<number, Waiter>();
  private readonly listeners = new Set<(e: SerialCpEvent) => void>();
  private readonly now: () => number;
  private readonly replyTimeoutMs: number;
  private readonly interCharTimeoutMs: number;
  private handshake: Promise<void> | undefined;
  private handshakeId: number | undefined;
  private replyTimer: NodeJS.Timeout | undefined;
  private charTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private polling = false;
  private ended = false;
  private readonly stopData: () => void;
  private readonly stopClose: () => void;

  constructor(
    private readonly transport: SerialTransport,
    private readonly opts: SerialCpOptions,
  ) {
    this.session = new CpSession(opts);
    this.now = opts.now ?? (() => performance.now());
    this.replyTimeoutMs = opts.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT;
    this.interCharTimeoutMs = opts.interCharTimeoutMs ?? 50;
    this.stopData = transport.onData((chunk) => this.onData(chunk));
    this.stopClose = transport.onClose((error) => this.end(error));
    if (opts.pollIntervalMs !== undefined) this.startPolling(opts.pollIntervalMs);
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Listens to the session's events, POLL reports and the port closing; returns an unsubscribe. */
  onEvent(cb: (e: SerialCpEvent) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Sends a command (queued behind the ones before it) and resolves with the PD's reply. */
  request(command: Command): Promise<PdReply> {
    if (this.ended) return Promise.reject(this.closedError());
    const id = this.session.request(command);
    const answer = this.wait(id);
    this.apply(this.session.tick(this.now()));
    return answer;
  }

  /**
   * Sets up the Secure Channel (with the SCBK, or SCBK-D in install mode); resolves once it is up.
   * A second call while one handshake is pending shares it.
   */
  startSecureChannel(): Promise<void> {
    if (this.ended) return Promise.reject(this.closedError());
    if (this.handshake) return this.handshake;
    const id = this.session.startSecureChannel();
    this.handshakeId = id;
    this.handshake = this.wait(id).then(() => undefined);
    this.apply(this.session.tick(this.now()));
    return this.handshake;
  }

  /** Provisions a new SCBK with osdp_KEYSET (inside the Secure Channel); resolves on the PD's ACK. */
  async setKey(scbk: Buffer): Promise<void> {
    if (this.ended) throw this.closedError();
    const id = this.session.setKey(scbk);
    const answer = this.wait(id);
    this.apply(this.session.tick(this.now()));
    const reply = await answer;
    if (reply.type !== 'ack') throw new OsdpRequestError('nak', 'osdp keyset: the PD did not ACK', reply);
  }

  /**
   * Polls the PD every `intervalMs` while nothing else is queued; what the PD reports comes back as
   * 'report' events. A PD that stops answering gives an 'offline' event, and polling goes on.
   */
  startPolling(intervalMs: number): void {
    this.stopPolling();
    this.pollTimer = setInterval(() => {
      if (this.ended || this.polling || !this.session.idle) return;
      this.polling = true;
      this.request({ type: 'poll' })
        .catch(() => undefined) // failures arrive as events ('offline', 'insecure')
        .finally(() => (this.polling = false));
    }, intervalMs);
  }

  stopPolling(): void {
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  /** Stops the timers, fails what is waiting, and closes the port. */
  async close(): Promise<void> {
    this.end(undefined);
    await this.transport.close();
  }

  private wait(id: number): Promise<PdReply> {
    return new Promise((resolve, reject) => this.waiters.set(id, { resolve, reject }));
  }

  private onData(chunk: Uint8Array): void {
    if (this.ended) return;
    this.apply(this.session.receive(chunk, this.now()));
    clearTimeout(this.charTimer);
    this.charTimer = undefined;
    if (this.session.reader.pending > 0) {
      // Half a frame: if the rest does not follow soon, it never will (noise, or a bogus LEN).
      this.charTimer = setTimeout(() => this.session.reader.reset(), this.interCharTimeoutMs);
    }
  }

  /** Writes what the session wants sent, keeps the reply timer in step, then hands out events. */
  private apply(o: CpOutput): void {
    for (const bytes of o.out) {
      this.transport.write(bytes).catch(() => this.writeErrors++);
    }
    if (o.out.length) this.armReplyTimer(this.replyTimeoutMs);
    else if (this.session.idle) this.clearReplyTimer();
    for (const e of o.events) this.dispatch(e);
  }

  private armReplyTimer(ms: number): void {
    this.clearReplyTimer();
    this.replyTimer = setTimeout(() => {
      this.replyTimer = undefined;
      if (this.ended) return;
      const o = this.session.tick(this.now());
      this.apply(o);
      // A timer may fire a hair before the session's deadline by its clock: look again shortly.
      if (!o.out.length && !this.session.idle && !this.replyTimer) this.armReplyTimer(5);
    }, ms);
  }

  private clearReplyTimer(): void {
    clearTimeout(this.replyTimer);
    this.replyTimer = undefined;
  }

  private dispatch(e: CpEvent): void {
    if (e.type === 'reply') {
      this.settle(e.id)?.resolve(e.reply);
      if (e.command.type === 'poll' && e.reply.type !== 'ack') this.emit({ type: 'report', reply: e.reply });
    } else if (e.type === 'failed') {
      this.settle(e.id)?.reject(
        new OsdpRequestError(e.reason, failMessage(e.command, e.reason, this.opts.address, e.reply), e.reply),
      );
    } else if (e.type === 'secure' && this.handshakeId !== undefined) {
      this.settle(this.handshakeId)?.resolve({ type: 'ack' });
    }
    this.emit(e);
  }

  private settle(id: number): Waiter | undefined {
    if (id === this.handshakeId) {
      // Over at once, not a microtask later: a new startSecureChannel() must start a new handshake.
      this.handshake = undefined;
      this.handshakeId = undefined;
    }
    const w = this.waiters.get(id);
    this.waiters.delete(id);
    return w;
  }

  private emit(e: SerialCpEvent): void {
    for (const cb of [...this.listeners]) cb(e);
  }

  private closedError(reason?: Error): OsdpRequestError {
    return new OsdpRequestError('closed', `the serial port is closed${reason ? `: ${reason.message}` : ''}`);
  }

  private end(error: Error | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.stopPolling();
    this.clearReplyTimer();
    clearTimeout(this.charTimer);
    this.stopData();
    this.stopClose();
    const err = this.closedError(error);
    for (const w of this.waiters.values()) w.reject(err);
    this.waiters.clear();
    this.emit(error ? { type: 'closed', error } : { type: 'closed' });
  }
}

/** True when a failed handshake means the PD refused the key (as opposed to not answering at all). */
export function refusedKey(err: unknown): boolean {
  if (!(err instanceof OsdpRequestError)) return false;
  if (err.reason === 'security') return true;
  return (
    err.reason === 'nak' &&
    err.reply?.type === 'nak' &&
    (err.reply.reason === NakReason.SC_UNSUPPORTED || err.reply.reason === NakReason.SC_REQUIRED)
  );
}
