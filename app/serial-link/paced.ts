import type { SerialTransport } from '../ports/serial.js';
import { wireMs } from './transaction.js';

/**
 * A serial transport whose writes take the time a UART takes to send them. A pty pair (the tests'
 * serial cable) carries bytes as fast as the kernel copies them, whatever baud rate is set, so a
 * simulator that stands in for a device on a real line paces what it writes: each write reaches the
 * line when its last byte would have left the UART (ten bits a byte, 8N1), after the writes before it.
 * Both ends of a simulated link pace, as both UARTs would; the time a transfer takes can then be
 * compared with the wire limit (bytes × 10 / baud).
 */
export function pacedTransport(t: SerialTransport, baudRate: number): SerialTransport {
  if (!Number.isFinite(baudRate) || baudRate <= 0) throw new RangeError(`paced: baud rate ${baudRate}`);
  let lineFreeAt = 0;
  let chain: Promise<void> = Promise.resolve();
  return {
    write(bytes: Uint8Array): Promise<void> {
      const copy = Buffer.from(bytes);
      const run = chain.then(async () => {
        const start = Math.max(performance.now(), lineFreeAt);
        lineFreeAt = start + wireMs(copy.length, baudRate);
        const wait = lineFreeAt - performance.now();
        if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
        await t.write(copy);
      });
      chain = run.catch(() => undefined);
      return run;
    },
    onData: (cb) => t.onData(cb),
    onClose: (cb) => t.onClose(cb),
    close: () => t.close(),
  };
}
