import type { SerialCp } from './serial-cp.js';

/**
 * The card in a reader's field as a DESFire transceive function, through OSDP transparent mode
 * (osdp_XWR mode 1): the control unit runs DesfireClient over it, so the card's keys and session
 * never leave the control unit and the reader only passes APDUs (inside the Secure Channel).
 */

/** Thrown when the reader has no card to talk to, or answers transparent mode with something else. */
export class TransparentModeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransparentModeError';
  }
}

/** Switches the reader into transparent mode (1) or back to normal card reporting (0). */
export async function setTransparentMode(cp: SerialCp, on: boolean): Promise<void> {
  const reply = await cp.request({ type: 'xwr-set-mode', mode: on ? 1 : 0, config: 0 });
  if (reply.type !== 'xrd-mode' && reply.type !== 'ack') {
    throw new TransparentModeError(`the reader answered ${reply.type} to the transparent mode switch`);
  }
  if (reply.type === 'xrd-mode' && reply.mode !== (on ? 1 : 0)) {
    throw new TransparentModeError(`the reader stayed in mode ${reply.mode}`);
  }
}

/** One APDU to the card through the reader, its response APDU back (data ‖ SW1 SW2). */
export function transparentTransceive(cp: SerialCp, reader = 0): (apdu: Uint8Array) => Promise<Uint8Array> {
  return async (apdu) => {
    const reply = await cp.request({ type: 'xwr-apdu', reader, apdu: Buffer.from(apdu) });
    if (reply.type === 'xrd-apdu' && reply.status === 0) return reply.response;
    if (reply.type === 'xrd-card-present' && reply.status === 0) {
      throw new TransparentModeError("no card in the reader's field");
    }
    throw new TransparentModeError(
      `the reader answered ${reply.type}${reply.type === 'xrd-apdu' ? ` with status ${reply.status}` : ''}`,
    );
  };
}
