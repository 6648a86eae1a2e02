/**
 * The listener bookkeeping both hardware transports share: payload listeners (the device's own
 * listener is attached with the first one, so nothing is read before anyone wants it) and close
 * listeners, which also hear about a close that already happened.
 */
export class TransportListeners<T> {
  private readonly payload = new Set<(value: T) => void>();
  private readonly closeListeners = new Set<(error?: Error) => void>();
  private started = false;
  /** Set once the device is closed, by us or by its disappearance. */
  closed = false;
  /** Why the device failed, if it did; passed to close listeners. */
  failure: Error | undefined;

  /** Adds a payload listener; `start` attaches the device's listener, once, with the first one. */
  onPayload(cb: (value: T) => void, start: () => void): () => void {
    this.payload.add(cb);
    if (!this.started) {
      this.started = true;
      start();
    }
    return () => this.payload.delete(cb);
  }

  /** Delivers one payload to every listener. */
  emit(value: T): void {
    for (const listener of [...this.payload]) listener(value);
  }

  /** Adds a close listener; if the device is already closed it is called at once (asynchronously). */
  onClose(cb: (error?: Error) => void): () => void {
    if (this.closed) {
      queueMicrotask(() => cb(this.failure));
      return () => {};
    }
    this.closeListeners.add(cb);
    return () => this.closeListeners.delete(cb);
  }

  /** Records the first failure. */
  fail(err: Error): void {
    this.failure ??= err;
  }

  /** Marks the device closed and tells the close listeners why; drops every listener. */
  finish(reason: Error | undefined = this.failure): void {
    this.closed = true;
    for (const cb of [...this.closeListeners]) cb(reason);
    this.closeListeners.clear();
    this.payload.clear();
  }
}
