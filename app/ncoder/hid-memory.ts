import type { HidDeviceInfo, HidDevices, HidFilter, HidTransport } from '../ports/hid.js';
import { REPORT_SIZE } from './hid-framing.js';
import { LinkEndListeners, type HidDescriptor, type HidDeviceEnd } from './hid-device-end.js';

/**
 * HID links in memory, for tests: the same reports as the socket bridge and node-hid carry, without a
 * socket. Reports are delivered on a later microtask, as a real read would, so neither side re-enters
 * the other.
 */

/** Checks an output report as hidapi takes it: report ID 0, then at most 64 data bytes (zero-padded). */
export function outputReportData(report: Uint8Array): Uint8Array {
  if (report.length < 1 || report.length > REPORT_SIZE + 1 || report[0] !== 0) {
    throw new RangeError(`hid: an output report is report ID 0 and up to ${REPORT_SIZE} bytes`);
  }
  const data = new Uint8Array(REPORT_SIZE);
  data.set(report.subarray(1));
  return data;
}

/** A connected host transport and device end; `unplug()` drops both as a pulled cable would. */
export interface MemoryHidPair {
  host: HidTransport;
  device: HidDeviceEnd;
  unplug(): void;
}

/** A host transport wired to a device end in memory. */
export function memoryHidPair(): MemoryHidPair {
  const toHost = new LinkEndListeners<Uint8Array>();
  const toDevice = new LinkEndListeners<Uint8Array>();
  const down = (reason?: Error) => {
    toHost.finish(reason);
    toDevice.finish();
  };
  const host: HidTransport = {
    async write(report) {
      if (toHost.closed) throw new Error('hid-memory: the device is closed');
      const data = outputReportData(report);
      queueMicrotask(() => toDevice.emit(data));
    },
    onReport: (cb) => toHost.onPayload(cb),
    onClose: (cb) => toHost.onClose(cb),
    close() {
      down();
      return Promise.resolve();
    },
  };
  const device: HidDeviceEnd = {
    send(report) {
      if (report.length !== REPORT_SIZE)
        throw new RangeError(`hid-memory: an input report is ${REPORT_SIZE} bytes`);
      const data = Uint8Array.from(report);
      queueMicrotask(() => toHost.emit(data));
    },
    onReport: (cb) => toDevice.onPayload(cb),
    onClose: (cb) => toDevice.onClose(() => cb()),
    close: () => down(new Error('hid-memory: the device was unplugged')),
  };
  return { host, device, unplug: () => device.close() };
}

interface Plugged {
  info: HidDeviceInfo;
  accept: (device: HidDeviceEnd) => void;
  open: Set<MemoryHidPair>;
}

/** A bus of simulated HID devices that can be plugged and unplugged: a {@link HidDevices} for tests. */
export class MemoryHidBus implements HidDevices {
  private readonly devices = new Map<string, Plugged>();
  private next = 1;

  /** Plugs a device in; `accept` gets the device end of every open. Returns its path. */
  plug(descriptor: HidDescriptor, accept: (device: HidDeviceEnd) => void): string {
    const path = `memory:${this.next++}`;
    this.devices.set(path, { info: { ...descriptor, path, interface: 0 }, accept, open: new Set() });
    return path;
  }

  /** Pulls the device out: it leaves the listing and its open transports close with an error. */
  unplug(path: string): void {
    const d = this.devices.get(path);
    this.devices.delete(path);
    for (const pair of d?.open ?? []) pair.unplug();
  }

  list(filter: HidFilter = {}): Promise<HidDeviceInfo[]> {
    return Promise.resolve(
      [...this.devices.values()]
        .map((d) => d.info)
        .filter((i) => filter.vendorId === undefined || i.vendorId === filter.vendorId)
        .filter((i) => filter.productId === undefined || i.productId === filter.productId),
    );
  }

  open(path: string): Promise<HidTransport> {
    const d = this.devices.get(path);
    if (!d) return Promise.reject(new Error(`hid-memory: cannot open ${path}: no such device`));
    const pair = memoryHidPair();
    d.open.add(pair);
    pair.host.onClose(() => d.open.delete(pair));
    d.accept(pair.device);
    return Promise.resolve(pair.host);
  }
}
