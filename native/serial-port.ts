import fs from 'node:fs';
import { promisify } from 'node:util';
import { SerialPort, type SerialPortOpenOptions } from 'serialport';
import type { SerialOpenOptions, SerialPortInfo, SerialPorts, SerialTransport } from '../app/ports/serial.js';
import { TransportListeners } from './transport-listeners.js';

function validOptions(path: string, o: SerialOpenOptions): void {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError('serial-port: empty port path');
  if (!Number.isInteger(o.baudRate) || o.baudRate <= 0) {
    throw new RangeError(`serial-port: baud rate ${o.baudRate} is not a positive integer`);
  }
}

type Binding = typeof SerialPort.binding;
type BindingPort = Awaited<ReturnType<Binding['open']>>;

/** What the read loop needs of @serialport/bindings-cpp's Linux and macOS port objects. */
interface UnixPortFields {
  fd: number | null;
  poller: { once(event: 'readable', cb: (err: Error | null) => void): unknown };
}

const fsRead = promisify(fs.read);

function canceled(): Error {
  return Object.assign(new Error('serial-port: the port is closed'), { canceled: true });
}

/**
 * The binding's read, except that end of file means the device is gone. bindings-cpp 13 retries a
 * zero-byte read at once and forever (serialport/bindings-cpp#162), and Linux answers every read of a
 * hung-up tty with zero bytes: a USB adapter unplugged mid-sync would spin, growing memory, instead of
 * closing. Here it rejects as a disconnect, which the stream turns into a 'close' with the reason.
 */
async function readUntilData(
  port: BindingPort & UnixPortFields,
  buffer: Buffer,
  offset: number,
  length: number,
) {
  for (;;) {
    const fd = port.fd;
    if (!port.isOpen || fd === null) throw canceled();
    let bytesRead: number;
    try {
      ({ bytesRead } = await fsRead(fd, buffer, offset, length, null));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw err;
      if (!port.isOpen) throw canceled();
      // Nothing to read yet (the port is non-blocking): wait for the poller, which also wakes on close.
      await new Promise<void>((resolve, reject) =>
        port.poller.once('readable', (e) => (e ? reject(e) : resolve())),
      );
      continue;
    }
    if (bytesRead === 0) {
      throw Object.assign(new Error('serial-port: the device hung up'), { disconnect: true });
    }
    return { bytesRead, buffer };
  }
}

// The binding serialport detected for this platform. Its type is a union of the three platforms'
// bindings, whose open() options differ; this module passes the options through untouched.
const detected = SerialPort.binding as unknown as {
  list: Binding['list'];
  open(options: unknown): Promise<BindingPort>;
};

/** The platform binding, with {@link readUntilData} as the read of Linux and macOS ports. */
const binding = {
  list: () => detected.list(),
  async open(options: unknown): Promise<BindingPort> {
    const port = await detected.open(options);
    if (process.platform !== 'win32' && 'poller' in port) {
      const unix = port as BindingPort & UnixPortFields;
      unix.read = (buffer: Buffer, offset: number, length: number) =>
        readUntilData(unix, buffer, offset, length);
    }
    return port;
  },
};

/** Copies what the binding reports, leaving out the fields it could not fill. */
function portInfo(p: {
  path: string;
  manufacturer?: string | undefined;
  serialNumber?: string | undefined;
  vendorId?: string | undefined;
  productId?: string | undefined;
  pnpId?: string | undefined;
  locationId?: string | undefined;
}): SerialPortInfo {
  const info: SerialPortInfo = { path: p.path };
  for (const key of [
    'manufacturer',
    'serialNumber',
    'vendorId',
    'productId',
    'pnpId',
    'locationId',
  ] as const) {
    const value = p[key];
    if (typeof value === 'string' && value.length > 0) info[key] = value;
  }
  return info;
}

/**
 * The serial ports the OS knows of. On Linux the binding asks udev (udevadm), so a machine or container
 * without udev may list nothing even though ports exist; opening a known path still works.
 */
export async function listSerialPorts(): Promise<SerialPortInfo[]> {
  const ports = await binding.list();
  return ports.map(portInfo);
}

/** A {@link SerialTransport} over one open serialport stream. */
class NodeSerialTransport implements SerialTransport {
  private readonly listeners = new TransportListeners<Uint8Array>();
  private closing: Promise<void> | undefined;

  constructor(private readonly port: SerialPort) {
    // Without an 'error' listener a stream error would be thrown as an uncaught exception. An error
    // after open means the device is gone or broken, so the port is closed and the reason passed on.
    port.on('error', (err: Error) => {
      this.listeners.fail(err);
      void this.close();
    });
    port.on('close', (err?: Error | null) => this.listeners.finish(err ?? this.listeners.failure));
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.listeners.closed || this.closing)
      return Promise.reject(new Error(`serial-port: ${this.port.path} is closed`));
    // A copy: the stream may queue the chunk, and the caller is free to reuse its buffer at once.
    const chunk = Buffer.from(bytes);
    return new Promise((resolve, reject) => {
      this.port.write(chunk, (err) => (err ? reject(err) : resolve()));
    });
  }

  onData(cb: (chunk: Uint8Array) => void): () => void {
    // Attaching the stream's own listener only now leaves earlier bytes buffered by the stream
    // instead of dropping them before anyone listens.
    return this.listeners.onPayload(cb, () =>
      this.port.on('data', (chunk: Buffer) => this.listeners.emit(chunk)),
    );
  }

  onClose(cb: (error?: Error) => void): () => void {
    return this.listeners.onClose(cb);
  }

  close(): Promise<void> {
    if (this.listeners.closed) return Promise.resolve();
    this.closing ??= new Promise<void>((resolve) => {
      if (!this.port.isOpen) {
        resolve();
        return;
      }
      this.port.close(() => resolve()); // a failing close still leaves the port unusable: done either way
    });
    return this.closing;
  }
}

/** Opens a serial port exclusively (a second opener is refused) with the given line settings. */
export function openSerialPort(path: string, options: SerialOpenOptions): Promise<SerialTransport> {
  validOptions(path, options);
  const settings = {
    binding, // serialport's typings leave this option out, but its constructor honours it
    path,
    baudRate: options.baudRate,
    dataBits: options.dataBits ?? 8,
    stopBits: options.stopBits ?? 1,
    parity: options.parity ?? 'none',
    lock: true,
    autoOpen: false,
  };
  const port = new SerialPort(settings as SerialPortOpenOptions<Binding>);
  return new Promise((resolve, reject) => {
    port.open((err) => {
      if (err) reject(new Error(`serial-port: cannot open ${path}: ${err.message}`, { cause: err }));
      else resolve(new NodeSerialTransport(port));
    });
  });
}

/** The real serial ports, for hosts that give the Service hardware access. */
export const nodeSerialPorts: SerialPorts = { list: listSerialPorts, open: openSerialPort };
