import { describe, expect, it } from 'vitest';
import { lockKey } from './lock-keys.js';
import { rfNetworkKey } from './rf-keys.js';

const master = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const SITE = '3F2504E0-4F89-11D3-9A0C-0305E82C3301';

describe('rfNetworkKey', () => {
  it('is HKDF-SHA256 of the master key with the network’s label (an independent computation)', () => {
    // Python: HKDF-Expand(HMAC(0^32, master), b'lintel/rf-network/v1|<site lower-case>|7|1', 16).
    expect(rfNetworkKey(master, SITE, 7, 1).toString('hex')).toBe('b94302e11791dee3269f2cacc120c2ef');
  });

  it('differs per unit, version and site, and from the lock keys', () => {
    const keys = [
      rfNetworkKey(master, SITE, 7, 1),
      rfNetworkKey(master, SITE, 8, 1),
      rfNetworkKey(master, SITE, 7, 2),
      rfNetworkKey(master, 'another-site', 7, 1),
      lockKey(master, SITE, 7, 1),
    ].map((k) => k.toString('hex'));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('refuses a short master key and versions or unit ids out of range', () => {
    expect(() => rfNetworkKey(master.subarray(0, 16), SITE, 7, 1)).toThrow(/32 bytes/);
    expect(() => rfNetworkKey(master, SITE, 7, 0)).toThrow(/not 1\.\.255/);
    expect(() => rfNetworkKey(master, SITE, 7, 256)).toThrow(/not 1\.\.255/);
    expect(() => rfNetworkKey(master, SITE, 0, 1)).toThrow(/not a device id/);
  });
});
