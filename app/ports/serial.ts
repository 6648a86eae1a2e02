/**
 * The serial link the Service uses (the PPD, and later RS485 adapters), as a port: app/ never imports
 * serialport itself, so the Service runs under tests and simulators with any byte pipe behind it.
 */

/** What the operating system tells about one serial port (USB adapters fill in more than built-in UARTs). */
export interface SerialPortInfo {
  /** What to open: a device path (`/dev/ttyUSB0`, `/dev/cu.usbserial-1`) or a name (`COM3`). */
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  /** USB vendor and product ids as the OS reports them (hex strings, e.g. "0403"). */
  vendorId?: string;
  productId?: string;
  /** Plug-and-play id (Windows, Linux by-id link); stable across reboots where `path` may not be. */
  pnpId?: string;
  locationId?: string;
}

/** Line settings; the PPD speaks 8N1, so only the speed usually changes. */
export interface SerialOpenOptions {
  baudRate: number;
  dataBits?: 5 | 6 | 7 | 8;
  stopBits?: 1 | 2;
  parity?: 'none' | 'even' | 'odd';
}

/** An open serial port: bytes in, bytes out, no framing (the protocol layer above frames). */
export interface SerialTransport {
  /** Hands the bytes to the operating system; rejects if the port is closed or the write fails. */
  write(bytes: Uint8Array): Promise<void>;
  /** Receives bytes as they arrive, in chunks of any size. Returns a function that stops delivery. */
  onData(cb: (chunk: Uint8Array) => void): () => void;
  /**
   * Called once when the port closes: by `close()` (no error), or because the device went away or
   * failed (the error says why). A PPD unplugged mid-sync is reported here, not by a hung write.
   */
  onClose(cb: (error?: Error) => void): () => void;
  /** Closes the port; safe to call more than once. */
  close(): Promise<void>;
}

/** Finds and opens serial ports (native/serial-port.ts on real hardware). */
export interface SerialPorts {
  /** The ports present now; may be empty. */
  list(): Promise<SerialPortInfo[]>;
  /** Opens a port exclusively with the given line settings. */
  open(path: string, options: SerialOpenOptions): Promise<SerialTransport>;
}
