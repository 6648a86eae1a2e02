import fs from 'node:fs';
import net from 'node:net';
import type { HidDeviceInfo, HidDevices, HidFilter, HidTransport } from '../ports/hid.js';
import { REPORT_SIZE } from './hid-framing.js';
import { outputReportData } from './hid-memory.js';
import { LinkEndListeners, type HidDescriptor, type HidDeviceEnd } from './hid-device-end.js';

/**
 * HID reports over a local socket, so another process (`lintel serve`, the desktop app) can reach a
 * simulated NCoder as if it were plugged in. The stream is a sequence of 65-byte records: a report ID
 * byte and 64 data bytes, both ways. ID 0 carries HID reports; on every new connection the simulator
 * first sends one record with ID 0xFD, its descriptor (vendor/product id, release, serial, product,
 * manufacturer), which is what `list()` shows. Unix socket path on Linux and macOS, named pipe
 * (\\.\pipe\name) on Windows. The socket file is made 0600: only its owner can reach the device.
 */

const RECORD = REPORT_SIZE + 1;
const DATA_ID = 0x00;
const DESCRIPTOR_ID = 0xfd;

const isPipe = (p: string) => /^\\\\[.?]\\pipe\\/i.test(p);

/** Cuts a byte stream into 65-byte records. */
class RecordStream {
  private buffered = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    const out: Buffer[] = [];
    while (this.buffered.length >= RECORD) {
      out.push(this.buffered.subarray(0, RECORD));
      this.buffered = this.buffered.subarray(RECORD);
    }
    return out;
  }
}

function put(out: Buffer, at: number, value: string | undefined): number {
  const b = Buffer.from(value ?? '', 'latin1');
  if (b.length > 255 || at + 1 + b.length > RECORD) throw new RangeError('hid-socket: descriptor too long');
  out[at] = b.length;
  b.copy(out, at + 1);
  return at + 1 + b.length;
}

/** The descriptor record. */
export function encodeDescriptor(d: HidDescriptor): Buffer {
  const r = Buffer.alloc(RECORD);
  r[0] = DESCRIPTOR_ID;
  r.writeUInt16BE(d.vendorId, 1);
  r.writeUInt16BE(d.productId, 3);
  r.writeUInt16BE(d.release, 5);
  let at = 7;
  for (const s of [d.serialNumber, d.product, d.manufacturer]) at = put(r, at, s);
  return r;
}

/** Reads a descriptor record; undefined when it is not one. */
export function decodeDescriptor(r: Uint8Array): HidDescriptor | undefined {
  if (r.length !== RECORD || r[0] !== DESCRIPTOR_ID) return undefined;
  const b = Buffer.from(r);
  const strings: (string | undefined)[] = [];
  let at = 7;
  for (let i = 0; i < 3; i++) {
    const n = b[at]!;
    if (at + 1 + n > RECORD) return undefined;
    strings.push(n ? b.toString('latin1', at + 1, at + 1 + n) : undefined);
    at += 1 + n;
  }
  const [serialNumber, product, manufacturer] = strings;
  return {
    vendorId: b.readUInt16BE(1),
    productId: b.readUInt16BE(3),
    release: b.readUInt16BE(5),
    ...(serialNumber ? { serialNumber } : {}),
    ...(product ? { product } : {}),
    ...(manufacturer ? { manufacturer } : {}),
  };
}

/** A simulator listening on a socket. */
export interface HidSocketServer {
  readonly path: string;
  /** Stops listening, drops every connection and removes the socket file. */
  close(): Promise<void>;
}

async function clearStaleSocket(socketPath: string): Promise<void> {
  if (isPipe(socketPath) || !fs.existsSync(socketPath)) return;
  if (!fs.lstatSync(socketPath).isSocket())
    throw new Error(`hid-socket: ${socketPath} exists and is not a socket`);
  const alive = await new Promise<boolean>((resolve) => {
    const s = net.connect(socketPath);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`hid-socket: another process is listening on ${socketPath}`);
  fs.rmSync(socketPath, { force: true });
}

/** Serves a simulated device on `socketPath`; `accept` gets the device end of each connection. */
export async function serveHidSocket(
  socketPath: string,
  descriptor: HidDescriptor,
  accept: (device: HidDeviceEnd) => void,
): Promise<HidSocketServer> {
  const hello = encodeDescriptor(descriptor);
  await clearStaleSocket(socketPath);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const listeners = new LinkEndListeners<Uint8Array>();
    const stream = new RecordStream();
    socket.on('data', (chunk: Buffer) => {
      for (const r of stream.push(chunk)) if (r[0] === DATA_ID) listeners.emit(new Uint8Array(r.subarray(1)));
    });
    socket.on('error', () => {}); // 'close' follows and says it all
    socket.on('close', () => {
      sockets.delete(socket);
      listeners.finish();
    });
    socket.write(hello);
    accept({
      send(report) {
        if (report.length !== REPORT_SIZE)
          throw new RangeError(`hid-socket: an input report is ${REPORT_SIZE} bytes`);
        if (!listeners.closed) socket.write(Buffer.concat([Buffer.of(DATA_ID), report]));
      },
      onReport: (cb) => listeners.onPayload(cb),
      onClose: (cb) => listeners.onClose(() => cb()),
      close: () => socket.destroy(),
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  if (!isPipe(socketPath)) fs.chmodSync(socketPath, 0o600);
  let closing: Promise<void> | undefined;
  return {
    path: socketPath,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }).finally(() => {
        // net removes a Unix socket file when the server closes; this covers the cases where it did not.
        if (!isPipe(socketPath)) fs.rmSync(socketPath, { force: true });
      })),
  };
}

/** Connects and waits for the descriptor; the records that follow stay with the returned stream. */
function connect(
  socketPath: string,
  timeoutMs: number,
): Promise<{ socket: net.Socket; descriptor: HidDescriptor; stream: RecordStream }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    const stream = new RecordStream();
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(
      () => fail(new Error(`hid-socket: ${socketPath} did not describe itself`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      // The device speaks only when spoken to: records after the descriptor, before any write, are stray.
      const [first] = stream.push(chunk);
      if (!first) return;
      socket.off('data', onData);
      socket.off('error', fail);
      clearTimeout(timer);
      const descriptor = decodeDescriptor(first);
      if (!descriptor) return fail(new Error(`hid-socket: ${socketPath} is not a simulated HID device`));
      resolve({ socket, descriptor, stream });
    };
    socket.on('data', onData);
    socket.once('error', fail);
  });
}

class SocketHidTransport implements HidTransport {
  private readonly listeners = new LinkEndListeners<Uint8Array>();
  private closedByUs = false;

  constructor(
    private readonly socket: net.Socket,
    stream: RecordStream,
    private readonly path: string,
  ) {
    const deliver = (r: Buffer) => {
      if (r[0] === DATA_ID) this.listeners.emit(new Uint8Array(r.subarray(1)));
    };
    socket.on('data', (chunk: Buffer) => stream.push(chunk).forEach(deliver));
    socket.on('error', () => {});
    socket.on('close', () =>
      this.listeners.finish(this.closedByUs ? undefined : new Error(`hid-socket: ${path} went away`)),
    );
  }

  async write(report: Uint8Array): Promise<void> {
    if (this.listeners.closed) throw new Error(`hid-socket: ${this.path} is closed`);
    const record = Buffer.concat([Buffer.of(DATA_ID), outputReportData(report)]);
    await new Promise<void>((resolve, reject) =>
      this.socket.write(record, (err) => (err ? reject(err) : resolve())),
    );
  }

  onReport(cb: (report: Uint8Array) => void): () => void {
    return this.listeners.onPayload(cb);
  }

  onClose(cb: (error?: Error) => void): () => void {
    return this.listeners.onClose(cb);
  }

  close(): Promise<void> {
    if (this.listeners.closed) return Promise.resolve();
    this.closedByUs = true;
    return new Promise((resolve) => {
      this.listeners.onClose(() => resolve());
      this.socket.destroy();
    });
  }
}

/**
 * The {@link HidDevices} of a simulator socket: `list()` shows the simulated device while the socket
 * answers (and nothing otherwise), `open()` connects; the transport closes when the simulator goes.
 */
export function socketHidDevices(socketPath: string, opts: { probeTimeoutMs?: number } = {}): HidDevices {
  const timeoutMs = opts.probeTimeoutMs ?? 2000;
  return {
    async list(filter: HidFilter = {}): Promise<HidDeviceInfo[]> {
      let found;
      try {
        found = await connect(socketPath, timeoutMs);
      } catch {
        return [];
      }
      found.socket.destroy();
      const info: HidDeviceInfo = { ...found.descriptor, path: socketPath, interface: 0 };
      const match =
        (filter.vendorId === undefined || filter.vendorId === info.vendorId) &&
        (filter.productId === undefined || filter.productId === info.productId);
      return match ? [info] : [];
    },
    async open(path: string): Promise<HidTransport> {
      try {
        const { socket, stream } = await connect(path, timeoutMs);
        return new SocketHidTransport(socket, stream, path);
      } catch (err) {
        throw new Error(
          `hid-socket: cannot open ${path}: ${err instanceof Error ? err.message : String(err)}`,
          {
            cause: err,
          },
        );
      }
    },
  };
}
