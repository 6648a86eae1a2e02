/**
 * The USB HID link to the NCoder desktop encoder, as a port: app/ never imports node-hid itself. Reports
 * follow the hidapi convention: an output report starts with its report ID byte (0 when the device
 * does not number its reports), which the OS strips before the device sees it.
 */

/** What the operating system tells about one HID interface. */
export interface HidDeviceInfo {
  /** What to open: an OS-specific path (hidraw node, IOService path, Windows device interface). */
  path: string;
  vendorId: number;
  productId: number;
  serialNumber?: string;
  manufacturer?: string;
  product?: string;
  /** Device release number (bcdDevice). */
  release: number;
  /** USB interface number; a composite device shows one entry per HID interface. */
  interface: number;
  usagePage?: number;
  usage?: number;
}

/** An open HID interface: whole reports in, whole reports out. */
export interface HidTransport {
  /** Sends one output report: its report ID byte, then its data (see {@link hidOutputReport}). */
  write(report: Uint8Array): Promise<void>;
  /** Receives input reports as the device sends them. Returns a function that stops delivery. */
  onReport(cb: (report: Uint8Array) => void): () => void;
  /** Called once when the device closes: by `close()` (no error), or because it was unplugged or failed. */
  onClose(cb: (error?: Error) => void): () => void;
  /** Closes the device; safe to call more than once. */
  close(): Promise<void>;
}

/** Narrows a device listing (the NCoder is found by its vendor and product id). */
export interface HidFilter {
  vendorId?: number;
  productId?: number;
}

/** Finds and opens HID devices (native/hid-device.ts on real hardware). */
export interface HidDevices {
  /** The HID interfaces present now that match the filter; may be empty. */
  list(filter?: HidFilter): Promise<HidDeviceInfo[]>;
  /** Opens one interface by its path. */
  open(path: string): Promise<HidTransport>;
}

/**
 * Frames an output report: the report ID byte, then the payload, then zeros up to `size` data bytes.
 * Devices with fixed-size reports (most vendor-defined ones, like 64-byte reports) expect the padding
 * on Linux and macOS; hidapi pads on Windows by itself, but padding here keeps every OS the same.
 */
export function hidOutputReport(reportId: number, payload: Uint8Array, size = payload.length): Uint8Array {
  if (!Number.isInteger(reportId) || reportId < 0 || reportId > 0xff) {
    throw new RangeError(`hidOutputReport: report ID ${reportId} is not a byte`);
  }
  if (!Number.isInteger(size) || size < 0) throw new RangeError(`hidOutputReport: bad report size ${size}`);
  if (payload.length > size) {
    throw new RangeError(`hidOutputReport: ${payload.length} bytes do not fit a ${size}-byte report`);
  }
  const report = new Uint8Array(1 + size);
  report[0] = reportId;
  report.set(payload, 1);
  return report;
}
