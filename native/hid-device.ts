import { HIDAsync, devicesAsync, type Device } from 'node-hid';
import type { HidDeviceInfo, HidDevices, HidFilter, HidTransport } from '../app/ports/hid.js';
import { TransportListeners } from './transport-listeners.js';

/** Copies what hidapi reports, leaving out the fields it could not fill. */
function deviceInfo(d: Device & { path: string }): HidDeviceInfo {
  const info: HidDeviceInfo = {
    path: d.path,
    vendorId: d.vendorId,
    productId: d.productId,
    release: d.release,
    interface: d.interface,
  };
  for (const key of ['serialNumber', 'manufacturer', 'product'] as const) {
    const value = d[key];
    if (typeof value === 'string' && value.length > 0) info[key] = value;
  }
  if (typeof d.usagePage === 'number') info.usagePage = d.usagePage;
  if (typeof d.usage === 'number') info.usage = d.usage;
  return info;
}

/**
 * The HID interfaces present now. Enumeration runs off the main thread (devicesAsync): on Windows it
 * can take long enough to freeze a window. Entries without a path cannot be opened and are left out.
 */
export async function listHidDevices(filter: HidFilter = {}): Promise<HidDeviceInfo[]> {
  const all = await devicesAsync();
  return all
    .filter((d): d is Device & { path: string } => typeof d.path === 'string' && d.path.length > 0)
    .filter((d) => filter.vendorId === undefined || d.vendorId === filter.vendorId)
    .filter((d) => filter.productId === undefined || d.productId === filter.productId)
    .map(deviceInfo);
}

/** A {@link HidTransport} over node-hid's HIDAsync, whose reads and writes never block the event loop. */
class NodeHidTransport implements HidTransport {
  private readonly listeners = new TransportListeners<Uint8Array>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly device: HIDAsync,
    private readonly path: string,
  ) {
    // A read error means the device was unplugged or failed: close it and say why.
    device.on('error', (err: unknown) => {
      this.listeners.fail(err instanceof Error ? err : new Error(String(err)));
      void this.close();
    });
  }

  async write(report: Uint8Array): Promise<void> {
    if (this.listeners.closed || this.closing) throw new Error(`hid-device: ${this.path} is closed`);
    if (report.length === 0) throw new RangeError('hid-device: a report needs at least its report ID byte');
    const written = await this.device.write(Buffer.from(report));
    if (written < 0) throw new Error(`hid-device: write to ${this.path} failed`);
  }

  onReport(cb: (report: Uint8Array) => void): () => void {
    // node-hid's read thread starts with the first 'data' listener, so reports are read only when wanted.
    return this.listeners.onPayload(cb, () =>
      this.device.on('data', (data: Buffer) => this.listeners.emit(data)),
    );
  }

  onClose(cb: (error?: Error) => void): () => void {
    return this.listeners.onClose(cb);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.device.close();
      } catch {
        // Closing an unplugged device can fail; it is unusable either way.
      }
      this.listeners.finish();
    })();
    return this.closing;
  }
}

/** Opens one HID interface by the path a listing gave. */
export async function openHidDevice(path: string): Promise<HidTransport> {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError('hid-device: empty device path');
  try {
    return new NodeHidTransport(await HIDAsync.open(path), path);
  } catch (err) {
    throw new Error(`hid-device: cannot open ${path}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

/** The real HID devices, for hosts that give the Service hardware access. */
export const nodeHidDevices: HidDevices = { list: listHidDevices, open: openHidDevice };
