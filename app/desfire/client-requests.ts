import { concat, u24, xor } from './bytes.js';
import { crc32nk } from './crc32.js';
import { accessBytes, commModeByte, type CommMode, type FileAccess } from './file-settings.js';

/**
 * The client's argument checks and the command fields it builds from them. A bad argument is the
 * caller's bug, not the card's answer, so it throws RangeError before anything is sent.
 */

/** Throws RangeError with `what` unless `ok`. */
export function check(ok: boolean, what: string): void {
  if (!ok) throw new RangeError(`DesfireClient: ${what}`);
}

/** Whether `n` is an integer in 0..max. */
export function inRange(n: number, max = 0xff): boolean {
  return Number.isInteger(n) && n >= 0 && n <= max;
}

/** Checks a key number (0..13). */
export function checkKeyNo(keyNo: number): void {
  check(inRange(keyNo, 13), 'key numbers are 0..13');
}

/** Checks an AES-128 key. */
export function checkKey(key: Uint8Array): void {
  check(key.length === 16, 'keys are AES-128, 16 bytes');
}

/** Checks a file number (0..31). */
export function checkFileNo(fileNo: number): void {
  check(inRange(fileNo, 31), 'file numbers are 0..31');
}

/** AID as sent: 3 bytes, least significant first. */
export function aidBytes(aid: number, allowPicc: boolean): Buffer {
  check(inRange(aid, 0xffffff) && (allowPicc || aid !== 0), `AIDs are ${allowPicc ? 0 : 1}..0xFFFFFF`);
  return u24(aid);
}

/** CreateApplication: AID ‖ KeySett1 ‖ KeySett2 with the AES key type (0x80) and the number of keys. */
export function createApplicationFields(aid: number, o: { keySettings: number; keyCount: number }): Buffer {
  check(
    inRange(o.keySettings) && inRange(o.keyCount, 14) && o.keyCount >= 1,
    'key settings are a byte, 1..14 keys',
  );
  return concat(aidBytes(aid, false), Buffer.of(o.keySettings, 0x80 | o.keyCount));
}

/** CreateXxxFile: FileNo ‖ communication settings ‖ access rights ‖ the type's sizes (3 bytes each). */
export function createFileFields(
  fileNo: number,
  comm: CommMode,
  access: FileAccess,
  sizes: number[],
): Buffer {
  checkFileNo(fileNo);
  check(
    [access.read, access.write, access.readWrite, access.change].every((k) => inRange(k, 15)),
    'access rights are 0..15',
  );
  check(
    sizes.every((n) => inRange(n, 0xffffff) && n > 0),
    'sizes are 1..0xFFFFFF',
  );
  return concat(Buffer.of(fileNo, commModeByte(comm)), accessBytes(access), ...sizes.map(u24));
}

/** The 7-byte header of ReadData, WriteData, ReadRecords and WriteRecord: FileNo ‖ a(3) ‖ b(3). */
export function dataHeader(fileNo: number, a: number, b: number): Buffer {
  checkFileNo(fileNo);
  check(inRange(a, 0xffffff) && inRange(b, 0xffffff), 'offsets and lengths are 0..0xFFFFFF');
  return concat(Buffer.of(fileNo), u24(a), u24(b));
}

/**
 * ChangeKey's cryptogram before encryption: NewKey ‖ KeyVer for the session's own key;
 * (NewKey ⊕ OldKey) ‖ KeyVer ‖ CRC32NK(NewKey) for another key, so the card can check the PCD knew it.
 */
export function changeKeyCryptogram(
  own: boolean,
  newKey: Uint8Array,
  version: number,
  oldKey?: Uint8Array,
): Buffer {
  checkKey(newKey);
  check(inRange(version), 'key versions are a byte');
  if (own) return concat(newKey, Buffer.of(version));
  check(oldKey !== undefined && oldKey.length === 16, 'changing another key needs its old key');
  return concat(xor(newKey, oldKey!), Buffer.of(version), crc32nk(newKey));
}
