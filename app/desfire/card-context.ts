import type { Application, CardFile, CardState } from './card-state.js';
import type { Transaction } from './card-transaction.js';
import { FREE_ACCESS, NO_ACCESS, accessOf, commModeOf, type CommMode } from './file-settings.js';
import type { SecureSession } from './secure-messaging.js';
import { Status } from './status.js';

/** What a command handler sees of the card: persistent state plus the volatile selection, session and transaction. */
export interface CardContext {
  readonly state: CardState;
  /** The selected application's AID; 0 is the PICC level. */
  selectedAid: number;
  /** The EV2 session, or null when not authenticated. */
  readonly session: SecureSession | null;
  readonly transaction: Transaction;
  readonly random: (length: number) => Uint8Array;
}

/** A handler's answer: status, plain response data, and what it did to the session. */
export interface CommandResult {
  status: number;
  data?: Buffer;
  /** Lengths of the first response frames when the command has its own framing (GetVersion). */
  frames?: number[];
  /** The command ended the authentication (ChangeKey of the session key, SelectApplication): answer without MAC. */
  endsSession?: boolean;
}

/** Shorthand for an answer with only a status. */
export function fail(status: number): CommandResult {
  return { status };
}

/** Shorthand for a successful answer. */
export function ok(data?: Buffer): CommandResult {
  return data ? { status: Status.OPERATION_OK, data } : { status: Status.OPERATION_OK };
}

/** The selected application, or null at PICC level. */
export function selectedApp(ctx: CardContext): Application | null {
  return ctx.selectedAid === 0 ? null : (ctx.state.applications.get(ctx.selectedAid) ?? null);
}

/** Key settings byte 1 of the selected level. */
export function levelKeySettings(ctx: CardContext): number {
  return selectedApp(ctx)?.keySettings ?? ctx.state.piccKeySettings;
}

/** Whether the session is with the master key (key 0) of the selected level. */
export function masterAuthenticated(ctx: CardContext): boolean {
  return ctx.session?.keyNo === 0;
}

/**
 * The access needed by a directory or create/delete command: the master key, unless the key
 * settings flag makes it free. Answers null when allowed, else AUTHENTICATION_ERROR.
 */
export function needMasterUnless(ctx: CardContext, freeFlag: number): CommandResult | null {
  if (levelKeySettings(ctx) & freeFlag || masterAuthenticated(ctx)) return null;
  return fail(Status.AUTHENTICATION_ERROR);
}

/** The access rights a data operation draws on. */
export type FileOperation = 'read' | 'write' | 'readWrite';

/**
 * How a file operation travels, or the status that refuses it. The file's communication mode
 * applies when the session key holds one of the rights the operation draws on (read or read&write
 * for reading, write or read&write for writing, read&write alone for clearing); when only free
 * access (0xE) grants it, the exchange is plain whatever the file says; rights that are all 0xF give
 * PERMISSION_DENIED; otherwise AUTHENTICATION_ERROR (authenticate with the right key first).
 */
export function fileAccess(
  file: CardFile,
  op: FileOperation,
  session: SecureSession | null,
): CommMode | number {
  const a = accessOf(file.access);
  const rights =
    op === 'read' ? [a.read, a.readWrite] : op === 'write' ? [a.write, a.readWrite] : [a.readWrite];
  if (session && rights.includes(session.keyNo)) return commModeOf(file.comm);
  if (rights.includes(FREE_ACCESS)) return 'plain';
  if (rights.every((r) => r === NO_ACCESS)) return Status.PERMISSION_DENIED;
  return Status.AUTHENTICATION_ERROR;
}
