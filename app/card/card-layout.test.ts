import { describe, expect, it } from 'vitest';
import {
  APP_KEY_COUNT,
  CARD_FILES,
  DESFIRE_2K_BYTES,
  FREE,
  KEY_NO,
  LINTEL_AID,
  aidBytes,
  applicationMemoryBytes,
  cardFile,
  fileMemoryBytes,
} from './card-layout.js';
import {
  ACCESS_DATA_FILE_BYTES,
  ACCESS_DATA_MAX_BYTES,
  AUDIT_FILE_BYTES,
  BLACKLIST_FILE_BYTES,
  BLACKLIST_FRAGMENT_MAX_BYTES,
  CARD_INFO_FILE_BYTES,
} from './format-limits.js';

describe('the Lintel DESFire application layout', () => {
  it('fits a DESFire EV2 2K card with a block to spare, under the pessimistic memory model', () => {
    // 192 (application, 4 keys) + 64 (info) + 928 (access ×2) + 480 (blacklist ×2) + 352 (audit) = 2016
    expect(CARD_FILES.map(fileMemoryBytes)).toEqual([64, 928, 480, 352]);
    expect(applicationMemoryBytes()).toBe(2016);
    expect(DESFIRE_2K_BYTES - applicationMemoryBytes()).toBe(32);
  });

  it('has file sizes that hold the largest encodings in whole blocks', () => {
    expect([CARD_INFO_FILE_BYTES, ACCESS_DATA_FILE_BYTES, BLACKLIST_FILE_BYTES, AUDIT_FILE_BYTES]).toEqual([
      32, 448, 224, 320,
    ]);
    expect(ACCESS_DATA_MAX_BYTES).toBeLessThanOrEqual(ACCESS_DATA_FILE_BYTES);
    expect(BLACKLIST_FRAGMENT_MAX_BYTES).toBeLessThanOrEqual(BLACKLIST_FILE_BYTES);
  });

  it('gives each key only its role, secrets in full mode', () => {
    for (const f of CARD_FILES) {
      for (const k of Object.values(f.access)) expect(k === FREE || k < APP_KEY_COUNT).toBe(true);
      expect(f.access.change).toBe(KEY_NO.appMaster);
      if (f.name !== 'info') expect(f.comm).toBe('full');
    }
    expect(cardFile('info').access.read).toBe(FREE);
    expect(cardFile('access').access).toMatchObject({ read: KEY_NO.lock, write: KEY_NO.update });
    // A lock appends to the audit trail but cannot read or clear it.
    expect(cardFile('audit').access).toMatchObject({
      write: KEY_NO.lock,
      read: KEY_NO.update,
      readWrite: KEY_NO.update,
    });
  });

  it('sends the AID least significant byte first', () => {
    expect(aidBytes(LINTEL_AID).toString('hex')).toBe('544e4c');
    expect(() => aidBytes(0x1000000)).toThrow(RangeError);
  });
});
