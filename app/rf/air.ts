import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import type { Log } from '../log.js';
import { type Eui64, euiBytes, euiOf, parseEui64 } from './eui64.js';
import { MAX_PSDU } from './mac-frame.js';

/**
 * The simulated 2.4 GHz medium (the "air") and a radio's client of it, over UDP on real sockets.
 *
 * Radios attach to the air at host:port, naming their EUI-64 and channel (11–26); each PSDU a radio
 * sends is delivered to every other radio attached on the same channel, with an LQI byte — the air is
 * one broadcast domain, as a radio channel is: the MAC layer above decides what is for whom. Faults,
 * per delivery and from a seed so a run can be replayed: `loss` (the frame does not reach that radio)
 * and `dup` (it reaches it twice). With `airtime`, the channel carries one frame at a time at
 * 250 kbit/s (PHY header included, see {@link wireLimit}) and frames queue for it, as if CSMA always
 * found the channel free after the frame before; collisions are not modelled.
 *
 * Datagrams (all start with 'LA'):
 *   radio → air  ATTACH 'LA' 01 eui(8, MSB first) channel(1)   (repeated every 2 s: survives an air restart)
 *   air → radio  ATTACHED 'LA' 81
 *   radio → air  TX 'LA' 02 psdu                air → radio  RX 'LA' 03 lqi(1) psdu
 *   radio → air  DETACH 'LA' 04
 * The air forgets a radio not heard from for 10 s.
 */

const MAGIC = Buffer.from('LA', 'latin1');
const ATTACH = 0x01;
const TX = 0x02;
const RX = 0x03;
const DETACH = 0x04;
const ATTACHED = 0x81;
const KEEPALIVE_MS = 2_000;
const FORGET_MS = 10_000;

/** The 2.4 GHz O-QPSK channels. */
export const FIRST_CHANNEL = 11;
export const LAST_CHANNEL = 26;
export const DEFAULT_CHANNEL = 15;

/** 250 kbit/s: one byte every 32 µs. */
const US_PER_BYTE = 32;
/** PHY overhead of every PPDU: preamble 4, SFD 1, PHR 1. */
const PHY_OVERHEAD_BYTES = 6;
/** An acknowledgement frame's PSDU: frame control 2, sequence 1, FCS 2. */
const ACK_PSDU_BYTES = 5;
/** aTurnaroundTime: 12 symbols of 16 µs. */
const TURNAROUND_US = 12 * 16;

/** How long one frame of `psduBytes` holds the channel, in µs (PHY overhead included). */
export function frameAirtimeUs(psduBytes: number): number {
  return (PHY_OVERHEAD_BYTES + psduBytes) * US_PER_BYTE;
}

/**
 * The most frames of `psduBytes` one channel carries per second at 250 kbit/s. Counted: the PPDU
 * (preamble 4 + SFD 1 + PHR 1 + PSDU bytes) and, with `ack` (the default, as for unicast frames with
 * ack request), the turnaround (12 symbols = 192 µs) and the 5-byte ACK's PPDU (11 bytes). Not
 * counted: CSMA-CA backoffs and CCA, interframe spacing (SIFS/LIFS), retransmissions, collisions —
 * so real traffic stays below this limit.
 */
export function wireLimit(
  psduBytes: number,
  opts: { ack?: boolean } = {},
): { frameUs: number; framesPerSecond: number; payloadBytesPerSecond: number; counted: string } {
  if (!Number.isInteger(psduBytes) || psduBytes < 5 || psduBytes > MAX_PSDU)
    throw new RangeError(`PSDU of ${psduBytes} bytes: 5 to ${MAX_PSDU}`);
  const ack = opts.ack ?? true;
  const frameUs = frameAirtimeUs(psduBytes) + (ack ? TURNAROUND_US + frameAirtimeUs(ACK_PSDU_BYTES) : 0);
  const framesPerSecond = 1e6 / frameUs;
  return {
    frameUs,
    framesPerSecond,
    payloadBytesPerSecond: framesPerSecond * psduBytes,
    counted: ack
      ? 'PPDU (4 preamble + 1 SFD + 1 PHR + PSDU) + 192 µs turnaround + 11-byte ACK PPDU; no CSMA/IFS'
      : 'PPDU (4 preamble + 1 SFD + 1 PHR + PSDU); no ACK, no CSMA/IFS',
  };
}

function checkChannel(channel: number): number {
  if (!Number.isInteger(channel) || channel < FIRST_CHANNEL || channel > LAST_CHANNEL)
    throw new RangeError(`radio channel ${channel}: ${FIRST_CHANNEL} to ${LAST_CHANNEL}`);
  return channel;
}

function checkShare(what: string, v: number): number {
  if (!(v >= 0 && v <= 1)) throw new RangeError(`${what} ${v}: a share from 0 to 1`);
  return v;
}

/** mulberry32: a small seeded generator, so a run's faults can be replayed from its seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** FNV-1a of a string: a stable per-pair number for the LQI between two radios. */
function fnv(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

// ---------------------------------------------------------------------------------------------------
// The air.

export interface AirFaults {
  /** Chance a frame does not reach a given radio. */
  loss: number;
  /** Chance it reaches it twice. */
  dup: number;
}

export interface RfAirOptions extends Partial<AirFaults> {
  /** UDP port (0: any free one). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Seed of the faults and link qualities (default: random). */
  seed?: number;
  /** Pace the channel at 250 kbit/s. */
  airtime?: boolean;
  log?: Log;
}

/** What the air did since start. */
export interface AirStats {
  /** Radios attached now. */
  radios: number;
  /** Frames radios sent. */
  transmitted: number;
  /** Copies handed to radios (duplicates included). */
  delivered: number;
  lost: number;
  duplicated: number;
  /** Frames over 127 bytes, dropped. */
  oversize: number;
  /** Datagrams from sockets that had not attached, or not speaking this protocol. */
  strays: number;
}

interface Attached {
  eui: Eui64;
  channel: number;
  address: string;
  port: number;
  heardMs: number;
}

export class RfAir {
  readonly stats: AirStats = {
    radios: 0,
    transmitted: 0,
    delivered: 0,
    lost: 0,
    duplicated: 0,
    oversize: 0,
    strays: 0,
  };
  private readonly radios = new Map<string, Attached>();
  private readonly busyUntilMs = new Map<number, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly rand: () => number;
  private faults: AirFaults;
  private closed = false;

  private constructor(
    private readonly socket: dgram.Socket,
    readonly host: string,
    readonly port: number,
    readonly seed: number,
    private readonly airtime: boolean,
    faults: AirFaults,
    private readonly log: Log | undefined,
  ) {
    this.rand = seeded(seed);
    this.faults = faults;
    socket.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
    socket.on('error', (err) => this.log?.warn({ err }, 'rf-air: socket error'));
  }

  /** Starts an air listening on UDP. */
  static async start(opts: RfAirOptions = {}): Promise<RfAir> {
    const faults = { loss: checkShare('loss', opts.loss ?? 0), dup: checkShare('dup', opts.dup ?? 0) };
    const host = opts.host ?? '127.0.0.1';
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(opts.port ?? 0, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const seed = opts.seed ?? Math.floor(Math.random() * 0x1_0000_0000);
    return new RfAir(socket, host, socket.address().port, seed, opts.airtime ?? false, faults, opts.log);
  }

  /** Changes the faults from now on. */
  set(faults: Partial<AirFaults>): void {
    this.faults = {
      loss: checkShare('loss', faults.loss ?? this.faults.loss),
      dup: checkShare('dup', faults.dup ?? this.faults.dup),
    };
  }

  get currentFaults(): AirFaults {
    return { ...this.faults };
  }

  /** The radios attached: EUI-64 and channel. */
  attached(): { eui: Eui64; channel: number }[] {
    return [...this.radios.values()].map((r) => ({ eui: r.eui, channel: r.channel }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
  }

  private onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (msg.length < 3 || !msg.subarray(0, 2).equals(MAGIC)) {
      this.stats.strays += 1;
      return;
    }
    const from = `${rinfo.address}|${rinfo.port}`;
    const now = Date.now();
    for (const [k, r] of this.radios) if (now - r.heardMs > FORGET_MS) this.radios.delete(k);
    switch (msg[2]) {
      case ATTACH: {
        if (msg.length !== 12 || msg[11]! < FIRST_CHANNEL || msg[11]! > LAST_CHANNEL) {
          this.stats.strays += 1;
          break;
        }
        this.radios.set(from, {
          eui: euiOf(msg.subarray(3, 11)),
          channel: msg[11]!,
          address: rinfo.address,
          port: rinfo.port,
          heardMs: now,
        });
        this.socket.send(Buffer.concat([MAGIC, Buffer.from([ATTACHED])]), rinfo.port, rinfo.address);
        break;
      }
      case DETACH:
        this.radios.delete(from);
        break;
      case TX: {
        const sender = this.radios.get(from);
        if (!sender) {
          this.stats.strays += 1;
          break;
        }
        sender.heardMs = now;
        this.transmit(sender, msg.subarray(3));
        break;
      }
      default:
        this.stats.strays += 1;
    }
    this.stats.radios = this.radios.size;
  }

  private transmit(sender: Attached, psdu: Buffer): void {
    this.stats.transmitted += 1;
    if (psdu.length > MAX_PSDU || psdu.length === 0) {
      this.stats.oversize += 1;
      return;
    }
    const receivers = [...this.radios.values()].filter((r) => r !== sender && r.channel === sender.channel);
    const deliver = (): void => {
      for (const r of receivers) {
        if (this.rand() < this.faults.loss) {
          this.stats.lost += 1;
          continue;
        }
        const copies = this.rand() < this.faults.dup ? 2 : 1;
        if (copies === 2) this.stats.duplicated += 1;
        for (let i = 0; i < copies; i++) {
          const lqi = this.lqi(sender.eui, r.eui);
          const out = Buffer.concat([MAGIC, Buffer.from([RX, lqi]), psdu]);
          this.socket.send(out, r.port, r.address);
          this.stats.delivered += 1;
        }
      }
    };
    if (!this.airtime) {
      deliver();
      return;
    }
    // One frame at a time per channel: this one goes on the air when the one before is through.
    const now = performance.now();
    const start = Math.max(now, this.busyUntilMs.get(sender.channel) ?? 0);
    const end = start + frameAirtimeUs(psdu.length) / 1000;
    this.busyUntilMs.set(sender.channel, end);
    this.later(Math.max(0, Math.round(end - now)), deliver);
  }

  /** A stable quality per pair of radios (80–250) with a little jitter per frame. */
  private lqi(a: Eui64, b: Eui64): number {
    const [x, y] = a < b ? [a, b] : [b, a];
    const base = 80 + (fnv(`${this.seed}|${x}|${y}`) % 171);
    const jitter = Math.round((this.rand() - 0.5) * 10);
    return Math.max(0, Math.min(255, base + jitter));
  }
}

// ---------------------------------------------------------------------------------------------------
// A radio.

/** What RfEndpoint needs of a radio: send PSDUs, hear PSDUs with their LQI. */
export interface RadioLink {
  send(psdu: Uint8Array): void;
  on(event: 'frame', listener: (psdu: Buffer, lqi: number) => void): unknown;
  off(event: 'frame', listener: (psdu: Buffer, lqi: number) => void): unknown;
}

export interface RadioPortOptions {
  air: { host: string; port: number };
  /** This radio's EUI-64. */
  ext: Eui64;
  /** Default {@link DEFAULT_CHANNEL}. */
  channel?: number;
  /** How long to wait for the air to answer the first ATTACH. Default 5 s. */
  timeoutMs?: number;
  log?: Log;
}

/** Parses `HOST:PORT` (IPv6 as `[::1]:PORT`). */
export function parseAirAddress(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65_535) throw new Error(`air address ${JSON.stringify(text)}: HOST:PORT`);
  return { host: m[1] ?? m[2]!, port };
}

interface RadioEvents {
  frame: [psdu: Buffer, lqi: number];
}

/** The air could not be reached. */
export class AirUnreachableError extends Error {
  constructor(host: string, port: number, ms: number) {
    super(
      `no RF air answered at ${host}:${port} in ${ms} ms: start one with \`lintel sim air --port ${port}\``,
    );
    this.name = 'AirUnreachableError';
  }
}

/** A radio attached to an air: sends PSDUs to it, emits 'frame' for each one heard. */
export class RadioPort extends EventEmitter<RadioEvents> implements RadioLink {
  /** Frames sent and heard since start. */
  readonly counts = { sent: 0, heard: 0 };
  private readonly keepalive: NodeJS.Timeout;
  private closed = false;

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly air: { host: string; port: number },
    readonly ext: Eui64,
    readonly channel: number,
    private readonly attachMsg: Buffer,
  ) {
    super();
    this.keepalive = setInterval(() => this.raw(this.attachMsg), KEEPALIVE_MS);
    this.keepalive.unref();
  }

  /** Attaches to the air; resolves once it answered (throws {@link AirUnreachableError} otherwise). */
  static async connect(opts: RadioPortOptions): Promise<RadioPort> {
    const ext = parseEui64(opts.ext);
    const channel = checkChannel(opts.channel ?? DEFAULT_CHANNEL);
    const timeoutMs = opts.timeoutMs ?? 5_000;
    const { host, port } = opts.air;
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const attachMsg = Buffer.concat([MAGIC, Buffer.from([ATTACH]), euiBytes(ext), Buffer.from([channel])]);
    const radio = new RadioPort(socket, { host, port }, ext, channel, attachMsg);
    socket.on('error', (err) => opts.log?.warn({ err }, 'rf-radio: socket error'));
    try {
      await new Promise<void>((resolve, reject) => {
        const retry = setInterval(() => radio.raw(attachMsg), 200);
        const give = setTimeout(() => {
          clearInterval(retry);
          reject(new AirUnreachableError(host, port, timeoutMs));
        }, timeoutMs);
        socket.on('message', (msg) => {
          if (msg.length === 3 && msg.subarray(0, 2).equals(MAGIC) && msg[2] === ATTACHED) {
            clearInterval(retry);
            clearTimeout(give);
            resolve();
          } else if (msg.length >= 4 && msg.subarray(0, 2).equals(MAGIC) && msg[2] === RX) {
            radio.counts.heard += 1;
            radio.emit('frame', Buffer.from(msg.subarray(4)), msg[3]!);
          }
        });
        socket.bind(0, host.includes(':') ? '::' : undefined, () => radio.raw(attachMsg));
      });
    } catch (err) {
      radio.close();
      throw err;
    }
    return radio;
  }

  /** Puts `psdu` (1–127 bytes) on the air. Best effort, as a radio's transmission is. */
  send(psdu: Uint8Array): void {
    if (this.closed) return;
    if (psdu.length < 1 || psdu.length > MAX_PSDU)
      throw new RangeError(`PSDU of ${psdu.length} bytes: 1 to ${MAX_PSDU}`);
    this.counts.sent += 1;
    this.raw(Buffer.concat([MAGIC, Buffer.from([TX]), psdu]));
  }

  /** Detaches and closes the socket. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepalive);
    try {
      this.socket.send(Buffer.concat([MAGIC, Buffer.from([DETACH])]), this.air.port, this.air.host, () =>
        this.socket.close(),
      );
    } catch {
      // Not bound yet: nothing to tell the air.
      this.socket.close();
    }
    this.removeAllListeners();
  }

  private raw(msg: Buffer): void {
    if (this.closed) return;
    this.socket.send(msg, this.air.port, this.air.host);
  }
}
