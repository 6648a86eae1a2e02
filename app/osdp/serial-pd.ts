import type { SerialTransport } from '../ports/serial.js';
import type { PdSession } from './pd-session.js';

/**
 * Runs a {@link PdSession} (a reader) on a serial line: bytes from the port go to the session and
 * its answers back out, a partial frame is dropped when the line goes quiet in the middle of it (the
 * inter-character timeout, which the frame reader cannot see), and the port closing is reported
 * once. The PD never speaks first, so it needs no reply timer.
 */
export interface SerialPdOptions {
  /** A partial frame is dropped after the line has been quiet this long (default 50 ms). */
  interCharTimeoutMs?: number;
  /** Called after each chunk of bytes was handled (the simulator's console watches the session). */
  afterReceive?: () => void;
}

export class SerialPd {
  /** Writes the port refused; the CP resends, so nothing else is done about them. */
  writeErrors = 0;
  private charTimer: NodeJS.Timeout | undefined;
  private ended = false;
  private readonly closeListeners = new Set<(error?: Error) => void>();
  private readonly stopData: () => void;
  private readonly stopClose: () => void;

  constructor(
    private readonly transport: SerialTransport,
    readonly session: PdSession,
    private readonly opts: SerialPdOptions = {},
  ) {
    this.stopData = transport.onData((chunk) => this.onData(chunk));
    this.stopClose = transport.onClose((error) => this.end(error));
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Called once when the port closes: by close() (no error) or because the line went away. */
  onClose(cb: (error?: Error) => void): () => void {
    this.closeListeners.add(cb);
    return () => this.closeListeners.delete(cb);
  }

  async close(): Promise<void> {
    this.end(undefined);
    await this.transport.close();
  }

  private onData(chunk: Uint8Array): void {
    if (this.ended) return;
    for (const reply of this.session.receive(chunk)) {
      this.transport.write(reply).catch(() => this.writeErrors++);
    }
    clearTimeout(this.charTimer);
    this.charTimer = undefined;
    if (this.session.reader.pending > 0) {
      this.charTimer = setTimeout(() => this.session.reader.reset(), this.opts.interCharTimeoutMs ?? 50);
    }
    this.opts.afterReceive?.();
  }

  private end(error: Error | undefined): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.charTimer);
    this.stopData();
    this.stopClose();
    for (const cb of [...this.closeListeners]) cb(error);
    this.closeListeners.clear();
  }
}
