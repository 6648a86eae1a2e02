import { applicationCost, freeMemory } from './card-memory.js';
import {
  fail,
  needMasterUnless,
  masterAuthenticated,
  ok,
  type CardContext,
  type CommandResult,
} from './card-context.js';
import { KeySettingsFlag, type CardSize } from './card-state.js';
import { concat, readU24, u24 } from './bytes.js';
import { Status } from './status.js';
import { encodeVersion, type VersionBlock } from './version.js';

/** PICC-level commands: version, UID, the application directory, FormatPICC, free memory. */

/** Most applications a DESFire EV2 holds. */
export const MAX_APPLICATIONS = 28;

/** The GetVersion storage-size byte: 2^(n/2) bytes. */
const STORAGE_BYTE: Record<CardSize, number> = { '2k': 0x16, '4k': 0x18, '8k': 0x1a };

function versionBlock(size: CardSize): VersionBlock {
  // NXP vendor 04, type 01 (DESFire), subtype 01, version 12.00 (EV2), protocol 05 (ISO 14443-2 and -3).
  return {
    vendorId: 0x04,
    type: 0x01,
    subType: 0x01,
    majorVersion: 0x12,
    minorVersion: 0x00,
    storageSize: STORAGE_BYTE[size],
    protocol: 0x05,
  };
}

/** GetVersion (0x60): three frames of 7, 7 and 14 bytes. A random-ID card hides its UID here too (zeros). */
export function getVersion(ctx: CardContext, data: Buffer): CommandResult {
  if (data.length !== 0) return fail(Status.LENGTH_ERROR);
  const { size, randomId, uid } = ctx.state;
  const parts = encodeVersion({
    hardware: versionBlock(size),
    software: versionBlock(size),
    uid: randomId ? Buffer.alloc(7) : uid,
    // An emulated card has no production batch: fixed, recognisable values.
    batch: Buffer.from('LINTL', 'latin1'),
    production: { week: 1, year: 2024 },
    storageBytes: 0,
  });
  return { status: Status.OPERATION_OK, data: concat(...parts), frames: [7, 7] };
}

/** GetCardUID (0x51): the real UID, only inside a session (full mode). */
export function getCardUid(ctx: CardContext, data: Buffer): CommandResult {
  if (data.length !== 0) return fail(Status.LENGTH_ERROR);
  if (!ctx.session) return fail(Status.AUTHENTICATION_ERROR);
  return ok(Buffer.from(ctx.state.uid));
}

/** GetApplicationIDs (0x6A): 3-byte AIDs, LSB first. */
export function getApplicationIds(ctx: CardContext, data: Buffer): CommandResult {
  if (data.length !== 0) return fail(Status.LENGTH_ERROR);
  if (ctx.selectedAid !== 0) return fail(Status.PERMISSION_DENIED);
  const refused = needMasterUnless(ctx, KeySettingsFlag.freeDirectoryList);
  if (refused) return refused;
  return ok(concat(...[...ctx.state.applications.keys()].map(u24)));
}

/**
 * CreateApplication (0xCA): AID(3) ‖ KeySett1 ‖ KeySett2. Only AES applications (KeySett2 bits 7..6 =
 * 10) with 1..14 keys and without ISO file identifiers or KeySett3 (bits 5..4 = 0): others get
 * PARAMETER_ERROR, where a real card would create them.
 */
export function createApplication(ctx: CardContext, data: Buffer): CommandResult {
  if (ctx.selectedAid !== 0) return fail(Status.PERMISSION_DENIED);
  if (data.length !== 5) return fail(Status.LENGTH_ERROR);
  const refused = needMasterUnless(ctx, KeySettingsFlag.freeCreateDelete);
  if (refused) return refused;
  const aid = readU24(data, 0);
  const keySettings = data[3]!;
  const keySettings2 = data[4]!;
  const keyCount = keySettings2 & 0x0f;
  if (aid === 0 || (keySettings2 & 0xf0) !== 0x80 || keyCount < 1 || keyCount > 14) {
    return fail(Status.PARAMETER_ERROR);
  }
  const apps = ctx.state.applications;
  if (apps.has(aid)) return fail(Status.DUPLICATE_ERROR);
  if (apps.size >= MAX_APPLICATIONS) return fail(Status.COUNT_ERROR);
  if (freeMemory(ctx.state) < applicationCost(keyCount)) return fail(Status.OUT_OF_EEPROM);
  const keys = Array.from({ length: keyCount }, () => ({ key: Buffer.alloc(16), version: 0 }));
  apps.set(aid, { aid, keySettings, keys, files: new Map() });
  return ok();
}

/**
 * DeleteApplication (0xDA): with the PICC master key at PICC level, or with the application's own
 * master key while it is selected (then the PICC level is selected and the session ends).
 */
export function deleteApplication(ctx: CardContext, data: Buffer): CommandResult {
  if (data.length !== 3) return fail(Status.LENGTH_ERROR);
  const aid = readU24(data, 0);
  if (!ctx.state.applications.has(aid)) return fail(Status.APPLICATION_NOT_FOUND);
  if (ctx.selectedAid !== 0 && ctx.selectedAid !== aid) return fail(Status.PERMISSION_DENIED);
  if (!masterAuthenticated(ctx)) return fail(Status.AUTHENTICATION_ERROR);
  ctx.state.applications.delete(aid);
  if (ctx.selectedAid === 0) return ok();
  ctx.selectedAid = 0;
  ctx.transaction.abort();
  return { status: Status.OPERATION_OK, endsSession: true };
}

/** SelectApplication (0x5A): AID 0 is the PICC level. Ends the session and drops the transaction. */
export function selectApplication(ctx: CardContext, data: Buffer): CommandResult {
  if (data.length !== 3) return fail(Status.LENGTH_ERROR);
  const aid = readU24(data, 0);
  if (aid !== 0 && !ctx.state.applications.has(aid)) return fail(Status.APPLICATION_NOT_FOUND);
  ctx.selectedAid = aid;
  ctx.transaction.abort();
  return { status: Status.OPERATION_OK, endsSession: true };
}

/** FormatPICC (0xFC): every application goes; the PICC master key and its settings stay. */
export function formatPicc(ctx: CardContext, data: Buffer): CommandResult {
  if (data.length !== 0) return fail(Status.LENGTH_ERROR);
  if (ctx.selectedAid !== 0) return fail(Status.PERMISSION_DENIED);
  if (!masterAuthenticated(ctx)) return fail(Status.AUTHENTICATION_ERROR);
  ctx.state.applications.clear();
  ctx.transaction.abort();
  return ok();
}

/** GetFreeMemory (0x6E): free bytes, 3 bytes LSB first (see card-memory for the model). */
export function getFreeMemory(ctx: CardContext, data: Buffer): CommandResult {
  if (data.length !== 0) return fail(Status.LENGTH_ERROR);
  return ok(u24(freeMemory(ctx.state)));
}
