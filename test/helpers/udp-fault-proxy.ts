import dgram from 'node:dgram';

/**
 * A UDP proxy that misbehaves on purpose, for the link tests of issue 8: put between the Service, a
 * gateway and control units, it loses, duplicates, reorders and delays datagrams in both directions,
 * from a seed so a failing run can be replayed. Real sockets on loopback: the code under test sends and
 * receives real datagrams, only the network in between is bad.
 */

/** How bad the network is. Probabilities are per datagram, per direction. */
export interface Faults {
  loss: number;
  duplicate: number;
  /** Held back and sent after the next datagram of the same direction (or after the longest delay). */
  reorder: number;
  /** Every datagram waits a random time in this range (ms). */
  delayMs: readonly [number, number];
  seed?: number;
}

/** What the proxy did, per direction. */
export interface FaultStats {
  received: number;
  dropped: number;
  duplicated: number;
  reordered: number;
  sent: number;
}

/** A running proxy: clients send to `port` on 127.0.0.1 and reach `target`. */
export interface UdpFaultProxy {
  port: number;
  stats: { toTarget: FaultStats; toClient: FaultStats };
  /** Changes the faults from now on (e.g. heal the network mid-test). */
  set(faults: Faults): void;
  close(): Promise<void>;
}

/** mulberry32: a small seeded generator, so a run's faults can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const stats = (): FaultStats => ({ received: 0, dropped: 0, duplicated: 0, reordered: 0, sent: 0 });

/** One direction of the proxy: applies the faults, then sends. */
class Lane {
  readonly stats = stats();
  private held: (() => void) | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly faults: () => Faults,
    private readonly rand: () => number,
  ) {}

  pass(msg: Buffer, send: (msg: Buffer) => void): void {
    const f = this.faults();
    this.stats.received += 1;
    if (this.rand() < f.loss) {
      this.stats.dropped += 1;
      return;
    }
    const copies = this.rand() < f.duplicate ? 2 : 1;
    if (copies === 2) this.stats.duplicated += 1;
    for (let i = 0; i < copies; i++) {
      const out = () => {
        this.stats.sent += 1;
        send(msg);
      };
      const [min, max] = f.delayMs;
      const delay = min + this.rand() * (max - min);
      if (!this.held && this.rand() < f.reorder) {
        // Held until the next datagram goes, or the longest delay passes: it then arrives after it.
        this.stats.reordered += 1;
        this.held = out;
        this.later(max + 1, () => this.release());
        continue;
      }
      this.later(delay, () => {
        out();
        this.release();
      });
    }
  }

  private release(): void {
    const held = this.held;
    this.held = undefined;
    held?.();
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.held = undefined;
  }
}

/**
 * Starts a proxy in front of `target` (a UDP port on 127.0.0.1). Each client address gets its own
 * upstream socket, so the target's answers find their way back to the client that asked.
 */
export async function startUdpFaultProxy(target: number, initial: Faults): Promise<UdpFaultProxy> {
  let faults = initial;
  const rand = random(initial.seed ?? 1);
  const toTarget = new Lane(() => faults, rand);
  const toClient = new Lane(() => faults, rand);
  const front = dgram.createSocket('udp4');
  const upstreams = new Map<string, dgram.Socket>();

  front.on('message', (msg, from) => {
    const key = `${from.address}:${from.port}`;
    let up = upstreams.get(key);
    if (!up) {
      up = dgram.createSocket('udp4');
      up.on('message', (answer) =>
        toClient.pass(answer, (m) => front.send(m, from.port, from.address, () => undefined)),
      );
      up.bind(0, '127.0.0.1');
      upstreams.set(key, up);
    }
    const socket = up;
    toTarget.pass(msg, (m) => socket.send(m, target, '127.0.0.1', () => undefined));
  });
  await new Promise<void>((resolve) => front.bind(0, '127.0.0.1', resolve));

  return {
    port: front.address().port,
    stats: { toTarget: toTarget.stats, toClient: toClient.stats },
    set: (next) => {
      faults = next;
    },
    close: async () => {
      toTarget.stop();
      toClient.stop();
      await Promise.all(
        [front, ...upstreams.values()].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
      );
    },
  };
}
