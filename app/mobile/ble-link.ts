import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';

/**
 * A BLE-like link over UDP, enough to run the phone ↔ lock opening the way it runs over Bluetooth LE:
 * a lock advertises (listens on a port), one phone at a time connects, and messages travel in ATT-like
 * writes of at most {@link BLE_MTU} bytes, each acknowledged before the next is sent (as an ATT Write
 * Request waits for its Write Response), so a message of any size up to {@link MAX_BLE_MESSAGE} gets
 * through a lossy medium in order. A connection that stays silent is dropped, as a BLE supervision
 * timeout drops it. Packets:
 *
 *   op (1) ‖ connection id (4) ‖ seq (1) ‖ payload
 *   op 0x01 CONNECT, 0x02 CONNECTED, 0x03 BUSY (another phone holds the lock), 0x04 DISCONNECT,
 *      0x10 DATA (+1 first fragment, +2 last fragment), 0x20 ACK (of DATA seq)
 */

/** The ATT MTU this link uses (a typical negotiated BLE 4.2+ MTU). */
export const BLE_MTU = 185;
/** The largest message either way. */
export const MAX_BLE_MESSAGE = 2048;

const HEADER = 6;
const FRAGMENT = BLE_MTU - HEADER;
const OP = { connect: 0x01, connected: 0x02, busy: 0x03, disconnect: 0x04, data: 0x10, ack: 0x20 } as const;

/** The link failed (a timeout, the lock busy, the peer gone). */
export class BleLinkError extends Error {
  override readonly name = 'BleLinkError';
}

/** Timing of a link. */
export interface BleTiming {
  /** Resend an unacknowledged write after this long (default 150 ms). */
  retryMs?: number;
  /** Give up a write after this many sends (default 8). */
  tries?: number;
  /** Drop a connection silent for this long (default 15 s). */
  idleMs?: number;
}

function packet(op: number, connId: number, seq: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(HEADER + payload.length);
  b[0] = op;
  b.writeUInt32BE(connId, 1);
  b[5] = seq & 0xff;
  Buffer.from(payload.buffer, payload.byteOffset, payload.length).copy(b, HEADER);
  return b;
}

/** One end of a connection: reliable, ordered messages over unreliable packets. */
export class BleConnection {
  private sendSeq = 0;
  private recvSeq = 0;
  private partial: Buffer[] | undefined;
  private partialBytes = 0;
  private readonly inbox: Buffer[] = [];
  private readonly waiters: {
    resolve: (b: Buffer) => void;
    reject: (e: Error) => void;
    timer: NodeJS.Timeout;
  }[] = [];
  private ackWait: { seq: number; resolve: () => void } | undefined;
  private sending: Promise<void> = Promise.resolve();
  private closedWith: Error | undefined;
  private readonly closeHandlers: (() => void)[] = [];

  constructor(
    readonly connId: number,
    private readonly raw: (b: Buffer) => void,
    private readonly timing: Required<BleTiming>,
  ) {}

  /** True once closed (by either end, or a timeout). */
  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** Called once when the connection ends. */
  onClose(cb: () => void): void {
    if (this.closed) cb();
    else this.closeHandlers.push(cb);
  }

  /** Sends one message (queued behind any other send); resolves when the peer acknowledged all of it. */
  send(message: Uint8Array): Promise<void> {
    if (message.length < 1 || message.length > MAX_BLE_MESSAGE)
      return Promise.reject(new RangeError(`ble-link: a message is 1..${MAX_BLE_MESSAGE} bytes`));
    const run = this.sending.then(async () => {
      for (let at = 0; at < message.length; at += FRAGMENT) {
        const last = at + FRAGMENT >= message.length;
        const op = OP.data | (at === 0 ? 1 : 0) | (last ? 2 : 0);
        await this.write(op, message.subarray(at, Math.min(message.length, at + FRAGMENT)));
      }
    });
    this.sending = run.catch(() => {});
    return run;
  }

  private async write(op: number, fragment: Uint8Array): Promise<void> {
    const seq = this.sendSeq;
    this.sendSeq = (seq + 1) & 0xff;
    const p = packet(op, this.connId, seq, fragment);
    for (let i = 0; i < this.timing.tries; i++) {
      if (this.closedWith) throw this.closedWith;
      const acked = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          this.ackWait = undefined;
          resolve(false);
        }, this.timing.retryMs);
        this.ackWait = {
          seq,
          resolve: () => {
            clearTimeout(timer);
            this.ackWait = undefined;
            resolve(true);
          },
        };
        this.raw(p);
      });
      if (acked) return;
    }
    const err = new BleLinkError(`ble-link: the peer did not acknowledge after ${this.timing.tries} tries`);
    this.close(err);
    throw err;
  }

  /** The next message, or a BleLinkError after `timeoutMs`. */
  receive(timeoutMs: number): Promise<Buffer> {
    const next = this.inbox.shift();
    if (next) return Promise.resolve(next);
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new BleLinkError(`ble-link: nothing received in ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** A packet for this connection arrived. */
  deliver(op: number, seq: number, payload: Buffer): void {
    if (this.closed) return;
    if (op === OP.ack) {
      if (this.ackWait?.seq === seq) this.ackWait.resolve();
      return;
    }
    if (op === OP.disconnect) {
      this.close(new BleLinkError('ble-link: the peer disconnected'), false);
      return;
    }
    if ((op & 0xf0) !== OP.data || op > (OP.data | 3)) return;
    // A repeat of the write just taken (its ACK was lost) is acknowledged again, not taken twice.
    if (seq === ((this.recvSeq - 1) & 0xff)) {
      this.raw(packet(OP.ack, this.connId, seq));
      return;
    }
    if (seq !== this.recvSeq) return;
    const first = (op & 1) !== 0;
    const last = (op & 2) !== 0;
    if (first) {
      this.partial = [];
      this.partialBytes = 0;
    }
    if (!this.partial || payload.length < 1 || this.partialBytes + payload.length > MAX_BLE_MESSAGE) {
      this.partial = undefined;
      return; // an orphan or oversized fragment: not acknowledged, the sender gives up
    }
    this.recvSeq = (seq + 1) & 0xff;
    this.raw(packet(OP.ack, this.connId, seq));
    this.partial.push(payload);
    this.partialBytes += payload.length;
    if (!last) return;
    const message = Buffer.concat(this.partial);
    this.partial = undefined;
    const waiter = this.waiters.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(message);
    } else this.inbox.push(message);
  }

  /** Ends the connection (telling the peer unless it told us). */
  close(why: Error = new BleLinkError('ble-link: closed'), tell = true): void {
    if (this.closedWith) return;
    this.closedWith = why;
    if (tell) this.raw(packet(OP.disconnect, this.connId, 0));
    this.ackWait = undefined;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(why);
    }
    for (const cb of this.closeHandlers.splice(0)) cb();
  }
}

const defaults = (t: BleTiming = {}): Required<BleTiming> => ({
  retryMs: t.retryMs ?? 150,
  tries: t.tries ?? 8,
  idleMs: t.idleMs ?? 15_000,
});

/** A lock listening for phones. */
export interface BleServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Listens for phones on UDP `port` (0: any); one connection at a time — a second phone hears BUSY
 * until the first is done, as a lock's radio serves one central at a time.
 */
export async function listenBle(
  o: { port: number; host?: string } & BleTiming,
  onConnection: (conn: BleConnection) => void,
): Promise<BleServer> {
  const timing = defaults(o);
  const socket = dgram.createSocket('udp4');
  let current: { conn: BleConnection; address: string; port: number; idle: NodeJS.Timeout } | undefined;
  const end = () => {
    if (!current) return;
    clearTimeout(current.idle);
    current = undefined;
  };
  socket.on('message', (b, from) => {
    if (b.length < HEADER) return;
    const op = b[0]!;
    const connId = b.readUInt32BE(1);
    const same =
      current &&
      current.address === from.address &&
      current.port === from.port &&
      current.conn.connId === connId;
    const reply = (rop: number) => socket.send(packet(rop, connId, 0), from.port, from.address);
    if (op === OP.connect) {
      if (same) return reply(OP.connected);
      if (current && !current.conn.closed) return reply(OP.busy);
      const conn = new BleConnection(connId, (p) => socket.send(p, from.port, from.address), timing);
      const entry = {
        conn,
        address: from.address,
        port: from.port,
        idle: setTimeout(
          () => conn.close(new BleLinkError('ble-link: the phone went silent')),
          timing.idleMs,
        ),
      };
      current = entry;
      conn.onClose(() => {
        if (current === entry) end();
      });
      reply(OP.connected);
      onConnection(conn);
      return;
    }
    if (!same || !current) return;
    current.idle.refresh();
    current.conn.deliver(op, b[5]!, Buffer.from(b.subarray(HEADER)));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(o.port, o.host ?? '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  let closed = false;
  return {
    port: socket.address().port,
    close: async () => {
      if (closed) return;
      closed = true;
      current?.conn.close();
      end();
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}

/** Connects to a lock at host:port; the connection's close also closes its socket. */
export async function connectBle(
  host: string,
  port: number,
  o: BleTiming & { connectTimeoutMs?: number } = {},
): Promise<BleConnection> {
  const timing = defaults(o);
  const socket = dgram.createSocket('udp4');
  const connId = randomBytes(4).readUInt32BE(0);
  // The socket closes once its last packet (the DISCONNECT) is out, not before.
  let inflight = 0;
  let closing = false;
  const closeSocket = () => {
    if (closing && inflight === 0) socket.close();
  };
  const conn = new BleConnection(
    connId,
    (p) => {
      inflight++;
      socket.send(p, port, host, () => {
        inflight--;
        closeSocket();
      });
    },
    timing,
  );
  let answered: ((op: number) => void) | undefined;
  socket.on('message', (b, from) => {
    if (b.length < HEADER || from.port !== port || b.readUInt32BE(1) !== connId) return;
    const op = b[0]!;
    if (op === OP.connected || op === OP.busy) return answered?.(op);
    conn.deliver(op, b[5]!, Buffer.from(b.subarray(HEADER)));
  });
  socket.on('error', (err) => conn.close(new BleLinkError(`ble-link: ${err.message}`), false));
  conn.onClose(() => {
    closing = true;
    closeSocket();
  });
  await new Promise<void>((resolve) => socket.bind(0, () => resolve()));
  const deadline = Date.now() + (o.connectTimeoutMs ?? 3000);
  const op = await new Promise<number | undefined>((resolve) => {
    const tick = () => {
      if (Date.now() >= deadline) return resolve(undefined);
      socket.send(packet(OP.connect, connId, 0), port, host);
      timer = setTimeout(tick, timing.retryMs);
    };
    let timer: NodeJS.Timeout | undefined;
    answered = (op) => {
      clearTimeout(timer);
      resolve(op);
    };
    tick();
  });
  answered = undefined;
  if (op === OP.connected) return conn;
  conn.close(undefined, false);
  throw new BleLinkError(
    op === OP.busy
      ? `the lock at ${host}:${port} is busy with another phone: try again in a moment`
      : `no lock answered at ${host}:${port}: check the address and that the lock runs with --ble`,
  );
}
