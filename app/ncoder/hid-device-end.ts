import type { HidDeviceInfo } from '../ports/hid.js';

/**
 * The device's end of a simulated HID link (the in-memory pair or the socket bridge). Reports here are
 * the 64 data bytes without a report ID, as the device's USB stack sees them.
 */
export interface HidDeviceEnd {
  /** Sends one input report to the host. Ignored once the link is closed. */
  send(report: Uint8Array): void;
  /** Receives the host's output reports. Returns a function that stops delivery. */
  onReport(cb: (report: Uint8Array) => void): () => void;
  /** Called once when the host closed the device or the link went down. */
  onClose(cb: () => void): () => void;
  /** Drops the link (the device was unplugged). */
  close(): void;
}

/** What a simulated device tells the host's listing about itself (its USB descriptor, in short). */
export type HidDescriptor = Omit<HidDeviceInfo, 'path' | 'interface'>;

/** Listener bookkeeping for one end of a simulated link: delivery until closed, close told once. */
export class LinkEndListeners<T> {
  private readonly payload = new Set<(value: T) => void>();
  private readonly closeListeners = new Set<(error?: Error) => void>();
  closed = false;
  private reason: Error | undefined;

  /** Adds a payload listener. */
  onPayload(cb: (value: T) => void): () => void {
    if (!this.closed) this.payload.add(cb);
    return () => this.payload.delete(cb);
  }

  /** Adds a close listener; one added after the close hears about it at once (asynchronously). */
  onClose(cb: (error?: Error) => void): () => void {
    if (this.closed) {
      queueMicrotask(() => cb(this.reason));
      return () => {};
    }
    this.closeListeners.add(cb);
    return () => this.closeListeners.delete(cb);
  }

  /** Delivers one payload to every listener (nothing once closed). */
  emit(value: T): void {
    if (this.closed) return;
    for (const cb of [...this.payload]) cb(value);
  }

  /** Closes: tells the close listeners once, then drops every listener. */
  finish(reason?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.reason = reason;
    const listeners = [...this.closeListeners];
    this.closeListeners.clear();
    this.payload.clear();
    for (const cb of listeners) cb(reason);
  }
}
