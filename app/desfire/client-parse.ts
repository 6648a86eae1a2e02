import { readU24 } from './bytes.js';
import { DesfireError } from './status.js';

/**
 * Parsers for the client's small answers. Each refuses an answer of the wrong shape with
 * MALFORMED_RESPONSE, so a broken or hostile card never gets anything but a DesfireError out of them.
 */

function malformed(why: string): DesfireError {
  return DesfireError.client('MALFORMED_RESPONSE', why);
}

/** Checks an answer that should carry nothing. */
export function parseEmpty(data: Uint8Array, command: string): void {
  if (data.length !== 0) throw malformed(`${command} answered ${data.length} bytes instead of none`);
}

/** GetApplicationIDs: 3-byte AIDs, least significant byte first. */
export function parseApplicationIds(data: Uint8Array): number[] {
  if (data.length % 3 !== 0) throw malformed(`GetApplicationIDs: ${data.length} bytes is not a list of AIDs`);
  const aids: number[] = [];
  for (let i = 0; i < data.length; i += 3) aids.push(readU24(data, i));
  return aids;
}

/** GetFileIDs: one byte per file, 0..31, no repeats. */
export function parseFileIds(data: Uint8Array): number[] {
  const ids = [...data];
  if (ids.some((id) => id > 31) || new Set(ids).size !== ids.length)
    throw malformed('GetFileIDs: not a list of file numbers');
  return ids;
}

/** GetFreeMemory: 3 bytes, least significant first. */
export function parseFreeMemory(data: Uint8Array): number {
  if (data.length !== 3) throw malformed(`GetFreeMemory: ${data.length} bytes`);
  return readU24(data, 0);
}

/** GetKeyVersion: one byte. */
export function parseKeyVersion(data: Uint8Array): number {
  if (data.length !== 1) throw malformed(`GetKeyVersion: ${data.length} bytes`);
  return data[0]!;
}

/** GetKeySettings: KeySett1 ‖ (key type | number of keys). */
export function parseKeySettings(data: Uint8Array): {
  settings: number;
  keyCount: number;
  keyType: 'des' | '3k3des' | 'aes';
} {
  if (data.length !== 2) throw malformed(`GetKeySettings: ${data.length} bytes`);
  const type = data[1]! >> 6;
  if (type === 3) throw malformed('GetKeySettings: unknown key type');
  return {
    settings: data[0]!,
    keyCount: data[1]! & 0x0f,
    keyType: type === 2 ? 'aes' : type === 1 ? '3k3des' : 'des',
  };
}

/** GetCardUID: the 7-byte UID (10 bytes on double-size UID parts). */
export function parseCardUid(data: Uint8Array): Buffer {
  if (data.length !== 7 && data.length !== 10) throw malformed(`GetCardUID: ${data.length} bytes`);
  return Buffer.from(data);
}

/** ReadData with an explicit length: exactly that many bytes. */
export function parseReadData(data: Uint8Array, length: number): Buffer {
  if (length !== 0 && data.length !== length)
    throw malformed(`ReadData: ${data.length} bytes, asked for ${length}`);
  return Buffer.from(data);
}
