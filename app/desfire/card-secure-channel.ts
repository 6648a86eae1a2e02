import type { CardContext, CommandResult } from './card-context.js';
import { concat } from './bytes.js';
import type { CommMode } from './file-settings.js';
import {
  MAC_LENGTH,
  commandMac,
  decryptCommandData,
  encryptResponseData,
  macEquals,
  responseMac,
  type SecureSession,
} from './secure-messaging.js';
import { Status } from './status.js';

/**
 * The card's side of EV2 secure messaging: which mode a command travels in, checking and opening
 * the command, and sealing the answer. NXP publishes DESFire EV2's per-command modes only under NDA;
 * these follow the public NTAG 424 DNA and DESFire Light datasheets (which share the EV2 channel)
 * and the EV1/EV2 command table of open tools such as the Proxmark3 client:
 * - not authenticated, everything is plain;
 * - authenticated, management commands travel in MAC mode, GetCardUID/ChangeKey/ChangeKeySettings in
 *   full mode, data commands in the mode the file and its access rights give (card-context fileAccess);
 *   a plain command inside a session still counts (CmdCtr moves on);
 * - errors are answered with the bare status, never MACed, and end the authentication.
 */

/** How a command is protected while a session is open. */
export type Protection =
  /** Never MACed; the command ends the session (SelectApplication). */
  | { kind: 'select' }
  /** CommMode.MAC while authenticated. */
  | { kind: 'mac' }
  /** CommMode.FULL while authenticated: `header` bytes in clear, the rest encrypted. */
  | { kind: 'full'; header: number }
  /**
   * The file's mode: `mode` looks at the `header` (file number first) and answers the mode or a
   * refusing status; `bodyLength`, for writes, tells the plain data length the header announces,
   * so the card knows how many chained frames to wait for.
   */
  | {
      kind: 'file';
      header: number;
      mode: (ctx: CardContext, header: Buffer) => CommMode | number;
      bodyLength?: (header: Buffer) => number;
    };

/** The mode a command travels in given its protection, or a refusing status. */
export function commandMode(ctx: CardContext, protection: Protection, data: Buffer): CommMode | number {
  switch (protection.kind) {
    case 'select':
      return 'plain';
    case 'mac':
      return ctx.session ? 'mac' : 'plain';
    case 'full':
      return ctx.session ? 'full' : 'plain';
    case 'file':
      if (data.length < protection.header) return Status.LENGTH_ERROR;
      return protection.mode(ctx, data.subarray(0, protection.header));
  }
}

/** Bytes a command of plain data length `n` takes on the wire in `mode` (after its header). */
export function wireLength(mode: CommMode, n: number): number {
  if (mode === 'plain') return n;
  if (mode === 'mac') return n + MAC_LENGTH;
  return (Math.floor(n / 16) + 1) * 16 + MAC_LENGTH;
}

/** Checks and opens a command: its plain header ‖ data, or INTEGRITY_ERROR / LENGTH_ERROR. */
export function openCommand(
  session: SecureSession | null,
  ins: number,
  mode: CommMode,
  header: number,
  raw: Buffer,
): Buffer | number {
  if (mode === 'plain' || !session) return raw;
  if (raw.length < MAC_LENGTH + (mode === 'full' ? header : 0)) return Status.LENGTH_ERROR;
  const payload = raw.subarray(0, raw.length - MAC_LENGTH);
  if (!macEquals(commandMac(session, ins, payload), raw.subarray(raw.length - MAC_LENGTH))) {
    return Status.INTEGRITY_ERROR;
  }
  if (mode === 'mac' || payload.length === header) return Buffer.from(payload);
  const plain = decryptCommandData(session, payload.subarray(header));
  return plain ? concat(payload.subarray(0, header), plain) : Status.INTEGRITY_ERROR;
}

/** Seals a successful answer in `mode` for the session (CmdCtr not yet incremented). */
export function sealResponse(session: SecureSession, mode: CommMode, result: CommandResult): Buffer {
  const data = result.data ?? Buffer.alloc(0);
  if (mode === 'plain') return data;
  const body = mode === 'full' && data.length > 0 ? encryptResponseData(session, data) : data;
  return concat(body, responseMac(session, result.status, body));
}
