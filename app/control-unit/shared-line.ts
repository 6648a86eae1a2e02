import type { SerialTransport } from '../ports/serial.js';

/**
 * One serial port lent to a succession of OSDP control-panel sessions. A SerialCp is built for one
 * key (its session holds the SCBK or install mode from the start), so moving a reader to another key
 * means a new SerialCp on the same port; each gets a lease, and closing a lease only detaches it, so
 * the old session stops hearing the line while the port stays open for the next one.
 */
export class SharedLine {
  constructor(readonly port: SerialTransport) {}

  /** A view of the port for one session: its close() detaches it and leaves the port open. */
  lease(): SerialTransport {
    const port = this.port;
    const stops = new Set<() => void>();
    let closed = false;
    const track = (stop: () => void) => {
      if (closed) {
        stop();
        return () => undefined;
      }
      stops.add(stop);
      return () => {
        stops.delete(stop);
        stop();
      };
    };
    return {
      write: (bytes) => (closed ? Promise.reject(new Error('the lease is closed')) : port.write(bytes)),
      onData: (cb) => track(port.onData(cb)),
      onClose: (cb) => track(port.onClose(cb)),
      close: () => {
        closed = true;
        for (const stop of stops) stop();
        stops.clear();
        return Promise.resolve();
      },
    };
  }

  close(): Promise<void> {
    return this.port.close();
  }
}
