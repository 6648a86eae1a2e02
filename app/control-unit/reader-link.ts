import type { Log } from '../log.js';
import type { Command } from '../osdp/messages.js';
import { keypadText } from '../osdp/reader-simulator.js';
import type { PdReply } from '../osdp/replies.js';
import { refusedKey, SerialCp, type SerialCpEvent } from '../osdp/serial-cp.js';
import type { SerialTransport } from '../ports/serial.js';
import type { ReaderConfig, ReaderStatus } from '../devices/protocol.js';
import { SharedLine } from './shared-line.js';

/**
 * One wall reader on its own serial line, as a control unit drives it: OSDP v2.2 with the Secure
 * Channel under the reader's SCBK from the replica (SerialCp drives one PD per line, so a unit with
 * several readers has one port per reader). It sets the channel up, reads the reader's ID report,
 * polls it, and hands card reads and keypad entries to the unit. It never talks to a reader in the
 * clear: without a key from the replica the reader waits, and a reader that refuses its key waits
 * too — unless the unit runs in install mode, where a reader that refuses its SCBK is tried with the
 * published default key SCBK-D and, if that opens, given its SCBK with KEYSET and opened again with it.
 */

/** OSDP LED colours and the default tone (OSDP v2.2, osdp_LED and osdp_BUZ). */
const Color = { OFF: 0, RED: 1, GREEN: 2, AMBER: 3 } as const;
const DEFAULT_TONE = 2;

export interface ReaderLinkOptions {
  /** For status and log lines: the port's path. */
  path: string;
  address: number;
  port: SerialTransport;
  installMode: boolean;
  log: Log;
  /** A card entered the field (osdp_RAW: its UID as anticollision gave it). */
  onCard: (link: ReaderLink, uid: Buffer) => void;
  /** Keys typed on the reader's keypad ('#' as '#', '*' as '*'). */
  onKeypad: (link: ReaderLink, keys: string) => void;
  /** The reader's state changed (online, secure, tamper): the unit may report status. */
  onChange?: () => void;
  pollMs?: number;
  replyTimeoutMs?: number;
  /** Pause before trying a reader again that did not answer or refused its key. */
  retryMs?: number;
  /** How often to ask the reader's tamper and power status (osdp_LSTAT). */
  lstatEveryMs?: number;
}

type Phase = 'waiting-key' | 'connecting' | 'ready' | 'refused-key' | 'offline' | 'closed';

export class ReaderLink {
  readonly address: number;
  readonly path: string;
  private readonly line: SharedLine;
  private cp: SerialCp | undefined;
  private config: ReaderConfig | undefined;
  private generation = 0;
  private phase: Phase = 'waiting-key';
  private identity: string | null = null;
  private tamper = false;
  /** Frames refused by the sessions closed before the current one. */
  private refusedBefore = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private lstatTimer: NodeJS.Timeout | undefined;
  /** Whether this reader was provisioned with KEYSET by this unit (install mode), for the log and tests. */
  provisioned = false;

  constructor(private readonly o: ReaderLinkOptions) {
    this.address = o.address;
    this.path = o.path;
    this.line = new SharedLine(o.port);
    o.port.onClose((err) => {
      if (this.phase === 'closed') return;
      o.log.warn({ path: o.path, err: err?.message }, 'control unit: a reader line went away');
      this.retire();
      this.phase = 'offline';
      this.changed();
    });
  }

  /** The door this reader is at (from the replica), if configured. */
  get doorId(): number | undefined {
    return this.config?.doorId;
  }

  get state(): Phase {
    return this.phase;
  }

  /** Ready: online with the Secure Channel up under the reader's own SCBK. */
  get ready(): boolean {
    return this.phase === 'ready' && !!this.cp?.session.secure;
  }

  /** What the unit reports about this reader (undefined while it has no configuration). */
  status(): ReaderStatus | undefined {
    if (!this.config) return undefined;
    return {
      address: this.address,
      doorId: this.config.doorId,
      online: this.phase === 'ready' || (this.cp?.session.online ?? false),
      secure: this.ready,
      identity: this.identity,
      refused: this.refusedBefore + this.refusedNow(),
      tamper: this.tamper,
    };
  }

  private refusedNow(): number {
    const s = this.cp?.session;
    if (!s) return 0;
    return s.stats.badMac + s.stats.badSequence + s.stats.malformed + s.reader.stats.badCheck;
  }

  /** Takes the reader's configuration from the replica; a new or changed SCBK opens the channel again. */
  configure(config: ReaderConfig | undefined): void {
    if (this.phase === 'closed') return;
    const before = this.config;
    this.config = config;
    if (!config) {
      if (before) {
        this.retire();
        this.phase = 'waiting-key';
        this.changed();
      }
      return;
    }
    if (before && before.scbk === config.scbk && this.phase !== 'waiting-key') return;
    this.reconnect(0);
  }

  /** Sends one command inside the Secure Channel; refuses when the channel is not up. */
  async request(command: Command): Promise<PdReply> {
    const cp = this.cp;
    if (!cp || !this.ready) throw new Error(`the reader at ${this.path} is not ready`);
    return cp.request(command);
  }

  /** The SerialCp in use, for transparent mode (undefined when not ready). */
  get controlPanel(): SerialCp | undefined {
    return this.ready ? this.cp : undefined;
  }

  /** Green LED for `seconds` and a short beep. */
  async indicateGranted(seconds: number): Promise<void> {
    await this.indicate(Color.GREEN, 0, Math.max(1, Math.min(seconds, 25)) * 10, { onTime: 2, count: 1 });
  }

  /** Red LED for two seconds and a long beep. */
  async indicateDenied(): Promise<void> {
    await this.indicate(Color.RED, 0, 20, { onTime: 10, count: 1 });
  }

  /** Amber blinking while the reader waits for a PIN. */
  async indicatePinWanted(seconds: number): Promise<void> {
    await this.indicate(Color.AMBER, 3, Math.max(1, Math.min(seconds, 600)) * 10, { onTime: 1, count: 2 });
  }

  /** Amber blinking (slower than for a PIN) while the reader waits for a finger on its sensor. */
  async indicateFingerWanted(seconds: number): Promise<void> {
    await this.indicate(Color.AMBER, 6, Math.max(1, Math.min(seconds, 600)) * 10, { onTime: 1, count: 1 });
  }

  private async indicate(
    color: number,
    blink: number,
    timer: number,
    beep: { onTime: number; count: number },
  ): Promise<void> {
    const temp = {
      control: 2,
      onTime: blink || 30,
      offTime: blink,
      onColor: color,
      offColor: blink ? Color.OFF : color,
      timer,
    };
    const perm = { control: 0, onTime: 0, offTime: 0, onColor: 0, offColor: 0 };
    try {
      await this.request({ type: 'led', leds: [{ reader: 0, led: 0, temp, perm }] });
      await this.request({
        type: 'buz',
        reader: 0,
        tone: DEFAULT_TONE,
        onTime: beep.onTime,
        offTime: 1,
        count: beep.count,
      });
    } catch (err) {
      // The door's decision stands whether or not the reader lit up; the status shows it offline.
      this.o.log.debug({ path: this.path, err: String(err) }, 'control unit: reader indication failed');
    }
  }

  close(): Promise<void> {
    this.phase = 'closed';
    this.retire();
    return this.line.close();
  }

  private changed(): void {
    this.o.onChange?.();
  }

  /** Ends the current session (its lease only) and any pending retry. */
  private retire(): void {
    this.generation++;
    clearTimeout(this.retryTimer);
    clearInterval(this.lstatTimer);
    this.retryTimer = undefined;
    this.lstatTimer = undefined;
    this.retireCpOnly();
  }

  private reconnect(delayMs: number): void {
    if (this.phase === 'closed') return;
    this.retire();
    const gen = this.generation;
    // A reader that refused its key or did not answer keeps saying so while it is tried again.
    if (this.phase !== 'refused-key' && this.phase !== 'offline') this.phase = 'connecting';
    const run = () => void this.connect(gen);
    if (delayMs > 0) this.retryTimer = setTimeout(run, delayMs);
    else run();
  }

  private newCp(opts: { scbk: Buffer } | { installMode: true }): SerialCp {
    this.retireCpOnly();
    const cp = new SerialCp(this.line.lease(), {
      address: this.address,
      replyTimeoutMs: this.o.replyTimeoutMs ?? 200,
      ...opts,
    });
    this.cp = cp;
    return cp;
  }

  private retireCpOnly(): void {
    const cp = this.cp;
    if (!cp) return;
    this.refusedBefore += this.refusedNow();
    this.cp = undefined;
    void cp.close();
  }

  private async connect(gen: number): Promise<void> {
    const config = this.config;
    if (!config || gen !== this.generation) return;
    const scbk = Buffer.from(config.scbk, 'hex');
    try {
      let cp = this.newCp({ scbk });
      try {
        await cp.startSecureChannel();
      } catch (err) {
        if (!refusedKey(err) || !this.o.installMode) throw err;
        if (gen !== this.generation) return;
        // Install mode: a new reader still on SCBK-D. Open with the default key, give it its own.
        this.o.log.info(
          { path: this.path, address: this.address },
          'control unit: installing a reader (KEYSET)',
        );
        cp = this.newCp({ installMode: true });
        await cp.startSecureChannel();
        await cp.setKey(scbk);
        // The session adopted the key on the ACK: the channel goes up again under it.
        await cp.startSecureChannel();
        this.provisioned = true;
      }
      if (gen !== this.generation) return;
      const id = await cp.request({ type: 'id' });
      if (id.type === 'pdid') {
        const vendor = id.vendor.toString('hex').toUpperCase();
        const serial = (id.serial >>> 0).toString(16).toUpperCase().padStart(8, '0');
        const fw = `${id.firmware.major}.${id.firmware.minor}.${id.firmware.build}`;
        this.identity = `vendor ${vendor} model ${id.model} serial ${serial} firmware ${fw}`;
      }
      if (gen !== this.generation) return;
      this.phase = 'ready';
      cp.onEvent((e) => this.onEvent(gen, e));
      cp.startPolling(this.o.pollMs ?? 50);
      void this.askStatus(gen);
      this.lstatTimer = setInterval(() => void this.askStatus(gen), this.o.lstatEveryMs ?? 5_000);
      this.lstatTimer.unref();
      this.o.log.info({ path: this.path, address: this.address }, 'control unit: reader secure');
      this.changed();
    } catch (err) {
      if (gen !== this.generation) return;
      this.phase = refusedKey(err) ? 'refused-key' : 'offline';
      this.o.log.warn(
        { path: this.path, address: this.address, err: String(err) },
        this.phase === 'refused-key'
          ? 'control unit: the reader refused its SCBK (start with --install-mode for a new reader)'
          : 'control unit: no secure channel with the reader',
      );
      this.changed();
      this.reconnect(this.o.retryMs ?? 2_000);
    }
  }

  private async askStatus(gen: number): Promise<void> {
    try {
      const r = await this.request({ type: 'lstat' });
      if (gen !== this.generation || r.type !== 'lstatr') return;
      const tamper = r.tamper !== 0;
      if (tamper !== this.tamper) {
        this.tamper = tamper;
        this.changed();
      }
    } catch {
      // Offline or the channel dropped: the events below handle it.
    }
  }

  private onEvent(gen: number, e: SerialCpEvent): void {
    if (gen !== this.generation) return;
    switch (e.type) {
      case 'report': {
        const r = e.reply;
        if (r.type === 'raw') this.o.onCard(this, Buffer.from(r.data.subarray(0, Math.ceil(r.bits / 8))));
        else if (r.type === 'keypad') this.o.onKeypad(this, keypadText(r.digits));
        return;
      }
      case 'insecure':
      case 'offline':
      case 'closed':
        if (this.phase !== 'ready') return;
        this.o.log.warn({ path: this.path, event: e.type }, 'control unit: reader lost; setting it up again');
        this.phase = 'offline';
        this.changed();
        if (e.type !== 'closed' || !('error' in e && e.error)) this.reconnect(this.o.retryMs ?? 2_000);
        return;
      default:
        return;
    }
  }
}
