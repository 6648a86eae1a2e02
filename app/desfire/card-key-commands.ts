import {
  fail,
  levelKeySettings,
  masterAuthenticated,
  needMasterUnless,
  ok,
  selectedApp,
} from './card-context.js';
import type { CardContext, CommandResult } from './card-context.js';
import { KeySettingsFlag, type KeySlot } from './card-state.js';
import { crc32nk } from './crc32.js';
import { xor } from './bytes.js';
import { macEquals } from './secure-messaging.js';
import { Status } from './status.js';

/** Key commands: GetKeySettings, ChangeKeySettings, GetKeyVersion, ChangeKey. */

/** The key-type bits of a key number byte at PICC level: 10 is AES (00 DES, 01 3K3DES). */
const AES_KEY_TYPE = 0x80;

function keysOfLevel(ctx: CardContext): KeySlot[] {
  return selectedApp(ctx)?.keys ?? [ctx.state.piccKey];
}

/** GetKeySettings (0x45): KeySett1 ‖ (0x80 | number of keys): AES keys. */
export function getKeySettings(ctx: CardContext, data: Buffer): CommandResult {
  if (data.length !== 0) return fail(Status.LENGTH_ERROR);
  const refused = needMasterUnless(ctx, KeySettingsFlag.freeDirectoryList);
  if (refused) return refused;
  return ok(Buffer.of(levelKeySettings(ctx), AES_KEY_TYPE | keysOfLevel(ctx).length));
}

/** ChangeKeySettings (0x54, full mode): the master key, while the settings say they may change. */
export function changeKeySettings(ctx: CardContext, data: Buffer): CommandResult {
  if (!ctx.session) return fail(Status.AUTHENTICATION_ERROR);
  if (data.length !== 1) return fail(Status.LENGTH_ERROR);
  if (!masterAuthenticated(ctx)) return fail(Status.AUTHENTICATION_ERROR);
  if (!(levelKeySettings(ctx) & KeySettingsFlag.configurationChangeable))
    return fail(Status.PERMISSION_DENIED);
  const app = selectedApp(ctx);
  if (app) app.keySettings = data[0]!;
  else ctx.state.piccKeySettings = data[0]!;
  return ok();
}

/** GetKeyVersion (0x64): the version byte of a key; free. At PICC level only key 0 exists here. */
export function getKeyVersion(ctx: CardContext, data: Buffer): CommandResult {
  if (data.length !== 1) return fail(Status.LENGTH_ERROR);
  const slot = keysOfLevel(ctx)[data[0]!];
  return slot ? ok(Buffer.of(slot.version)) : fail(Status.NO_SUCH_KEY);
}

/** Which key a ChangeKey targets, or the status refusing the key number byte. */
function targetKey(ctx: CardContext, keyByte: number): { key: number } | { status: number } {
  if (ctx.selectedAid === 0) {
    // The PICC master key's byte carries the new key type; only AES is known here.
    if ((keyByte & 0xc0) !== AES_KEY_TYPE) return { status: Status.PARAMETER_ERROR };
    return keyByte & 0x3f ? { status: Status.NO_SUCH_KEY } : { key: 0 };
  }
  if (keyByte & 0xf0) return { status: Status.PARAMETER_ERROR };
  return keyByte < keysOfLevel(ctx).length ? { key: keyByte } : { status: Status.NO_SUCH_KEY };
}

/**
 * Whether the session may change `target`: key 0 needs the master key and the "master key
 * changeable" flag; another key needs the key named by the change-key nibble of the key settings
 * (0xE: the key itself; 0xF: no key changes any more).
 */
function changeAllowed(ctx: CardContext, target: number): number {
  const settings = levelKeySettings(ctx);
  if (target === 0) {
    if (!(settings & KeySettingsFlag.masterKeyChangeable)) return Status.PERMISSION_DENIED;
    return masterAuthenticated(ctx) ? Status.OPERATION_OK : Status.AUTHENTICATION_ERROR;
  }
  const changeKey = settings >> 4;
  if (changeKey === 0xf) return Status.PERMISSION_DENIED;
  const needed = changeKey === 0xe ? target : changeKey;
  return ctx.session?.keyNo === needed ? Status.OPERATION_OK : Status.AUTHENTICATION_ERROR;
}

/**
 * ChangeKey (0xC4, full mode, KeyNo in clear). Changing the session's own key sends NewKey ‖ KeyVer;
 * changing another key sends (NewKey ⊕ OldKey) ‖ KeyVer ‖ CRC32NK(NewKey), so the card checks the
 * PCD knew the old key. Changing the session's own key ends the session.
 */
export function changeKey(ctx: CardContext, data: Buffer): CommandResult {
  if (!ctx.session) return fail(Status.AUTHENTICATION_ERROR);
  if (data.length < 1) return fail(Status.LENGTH_ERROR);
  const targeted = targetKey(ctx, data[0]!);
  if ('status' in targeted) return fail(targeted.status);
  const target = targeted.key;
  const allowed = changeAllowed(ctx, target);
  if (allowed !== Status.OPERATION_OK) return fail(allowed);
  const slot = keysOfLevel(ctx)[target]!;
  const cryptogram = data.subarray(1);
  const own = target === ctx.session.keyNo;
  if (cryptogram.length !== (own ? 17 : 21)) return fail(Status.LENGTH_ERROR);
  const newKey = own ? Buffer.from(cryptogram.subarray(0, 16)) : xor(cryptogram.subarray(0, 16), slot.key);
  if (!own && !macEquals(crc32nk(newKey), cryptogram.subarray(17, 21))) return fail(Status.INTEGRITY_ERROR);
  slot.key = newKey;
  slot.version = cryptogram[16]!;
  return own ? { status: Status.OPERATION_OK, endsSession: true } : ok();
}
