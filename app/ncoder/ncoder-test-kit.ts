import { crc32 } from 'node:zlib';
import type { Picc } from '../desfire/picc.js';
import { memoryHidPair } from './hid-memory.js';
import { NcoderDriver } from './ncoder-driver.js';
import { NcoderSimulator, type NcoderSimulatorOptions } from './ncoder-simulator.js';

/** Test helpers for the NCoder tests (not used by the product). */

/** A card that answers every APDU with the APDU itself and status 91 00, and counts power cycles. */
export class EchoCard implements Picc {
  readonly activation = {
    uid: Uint8Array.of(0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66),
    atqa: 0x0344,
    sak: 0x20,
    ats: Uint8Array.of(0x06, 0x75, 0x77, 0x81, 0x02, 0x80),
  };
  readonly received: Uint8Array[] = [];
  powerOffs = 0;
  /** Runs inside transceive, before the answer (a test removes the card from here). */
  during: (() => void) | undefined;

  transceive(apdu: Uint8Array): Uint8Array {
    this.received.push(Uint8Array.from(apdu));
    this.during?.();
    return Uint8Array.from([...apdu, 0x91, 0x00]);
  }

  powerOff(): void {
    this.powerOffs++;
  }
}

/** A simulator and a driver over an in-memory HID pair. */
export function memoryRig(opts: NcoderSimulatorOptions & { timeoutMs?: number } = {}) {
  const sim = new NcoderSimulator(opts);
  const pair = memoryHidPair();
  sim.connect(pair.device);
  const driver = new NcoderDriver(pair.host, { timeoutMs: opts.timeoutMs ?? 500 });
  return { sim, pair, driver };
}

/**
 * Alters the message inside a one-report message and fixes its CRC, so the change gets past the
 * framing and reaches the session layer (an attacker can compute a CRC too).
 */
export function alterMessage(report: Uint8Array, at: number): Uint8Array {
  const x = Buffer.from(report);
  const n = x[2]!;
  if (!(x[0]! & 0x80) || !(x[0]! & 0x40)) throw new Error('alterMessage: not a one-report message');
  const message = x.subarray(5, 5 + n - 4);
  message[at]! ^= 0x01;
  x.writeUInt32BE(crc32(message), 5 + n - 4);
  return x;
}
