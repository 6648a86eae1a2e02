import type { LinkEndpoint } from '../link/udp-endpoint.js';
import type { ExchangeOptions, RequestOptions } from '../exchange/exchange.js';
import { DevicePeer, type DeviceHandlers, type FailureSink } from './peer-rpc.js';
import type { DeviceMethod, MethodParams, MethodResult } from './protocol.js';

/**
 * The serving side of the device protocol, for the Service (gateways and directly attached control
 * units) and for a gateway (its control units): one link endpoint, one {@link DevicePeer} per pinned
 * device, each with handlers bound to that device, and calls the other way (`changed`, `command`).
 */

/** A device this side serves. */
export interface AttachedDevice {
  deviceId: number;
  publicKey: Buffer;
  psk: Buffer;
}

/** Exchange settings for devices on a LAN: CoAP's 2 s first wait is long when a door waits on it. */
export const DEVICE_EXCHANGE: ExchangeOptions = {
  ackTimeoutMs: 300,
  ackRandomFactor: 1.5,
  maxRetransmit: 6,
  maxWaitMs: 3_000,
};

/** A device counts as online this long after its last authenticated datagram (status comes every 5 s). */
export const ONLINE_WINDOW_MS = 15_000;

interface Attached {
  device: AttachedDevice;
  peer: DevicePeer;
  lastSeen: number | undefined;
  off: () => void;
}

export class DeviceServer {
  private readonly attached = new Map<number, Attached>();

  constructor(
    readonly endpoint: LinkEndpoint,
    private readonly handlersFor: (deviceId: number) => DeviceHandlers,
    private readonly opts: { onFailure?: FailureSink; now?: () => number; exchange?: ExchangeOptions } = {},
  ) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** Pins a device and serves it (again: a changed key or psk replaces the old one). */
  attach(device: AttachedDevice): void {
    const before = this.attached.get(device.deviceId);
    if (before && before.device.publicKey.equals(device.publicKey) && before.device.psk.equals(device.psk))
      return;
    if (before) this.detach(device.deviceId);
    this.endpoint.addPeer({ publicKey: device.publicKey, psk: device.psk });
    const datagrams = this.endpoint.peer(device.publicKey);
    const entry: Attached = {
      device,
      lastSeen: undefined,
      off: () => undefined,
      peer: new DevicePeer(datagrams, this.handlersFor(device.deviceId), {
        ...(this.opts.exchange ?? DEVICE_EXCHANGE),
        ...(this.opts.onFailure ? { onFailure: this.opts.onFailure } : {}),
      }),
    };
    entry.off = datagrams.onMessage(() => {
      entry.lastSeen = this.now();
    });
    this.attached.set(device.deviceId, entry);
  }

  /** Stops serving a device and unpins its key. */
  detach(deviceId: number): void {
    const a = this.attached.get(deviceId);
    if (!a) return;
    a.off();
    a.peer.close();
    this.endpoint.removePeer(a.device.publicKey);
    this.attached.delete(deviceId);
  }

  /** The devices attached now. */
  deviceIds(): number[] {
    return [...this.attached.keys()];
  }

  /** When the device was last heard from (epoch ms), or undefined. */
  lastSeen(deviceId: number): number | undefined {
    return this.attached.get(deviceId)?.lastSeen;
  }

  online(deviceId: number): boolean {
    const seen = this.lastSeen(deviceId);
    return seen !== undefined && this.now() - seen < ONLINE_WINDOW_MS;
  }

  /**
   * Calls a downstream method on one device; throws when it is not attached or does not answer (within
   * the exchange's retransmissions, or `options.patienceMs` for a request that takes long on purpose).
   */
  call<M extends DeviceMethod>(
    deviceId: number,
    method: M,
    params: MethodParams<M>,
    options: RequestOptions = {},
  ): Promise<MethodResult<M>> {
    const a = this.attached.get(deviceId);
    if (!a) return Promise.reject(new Error(`device ${deviceId} is not paired`));
    return a.peer.call(method, params, options);
  }

  /**
   * Tells every device heard from lately that the configuration is at `revision` (fire and forget: a
   * device that misses it syncs at its next periodic check). Devices never heard from have no address yet.
   */
  announce(revision: number): void {
    for (const a of this.attached.values()) {
      if (a.lastSeen === undefined) continue;
      a.peer.call('changed', { revision }).catch(() => undefined);
    }
  }

  /** Exchange counters of all devices, summed (for the console). */
  exchangeStats(): { retransmitted: number; duplicates: number; malformed: number } {
    let retransmitted = 0;
    let duplicates = 0;
    let malformed = 0;
    for (const a of this.attached.values()) {
      retransmitted += a.peer.exchange.stats.retransmitted;
      duplicates += a.peer.exchange.stats.duplicates;
      malformed += a.peer.exchange.stats.malformed;
    }
    return { retransmitted, duplicates, malformed };
  }

  close(): void {
    for (const id of [...this.attached.keys()]) this.detach(id);
  }
}
