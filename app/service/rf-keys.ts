import { hkdfSync } from 'node:crypto';

/**
 * The keys of RF networks (design: issue 10), from the site master key like the lock keys
 * (app/service/lock-keys.ts): one network per control unit's RF node, its key HKDF-SHA256 of the
 * 32-byte master key, empty salt, info = `lintel/rf-network/v1|<site uuid>|<unit id>|<version>`, 16 bytes.
 * Deriving rather than storing means a site backup restores the networks too, and a new version (a
 * re-keyed network) never needs the old key. Each lock's own key is its door's lock key (lockKey()),
 * and the one-time join key is random (see rf-handlers.ts).
 */

/** The network key a new RF network starts with. */
export const FIRST_RF_NETWORK_VERSION = 1;

/** One control unit's RF network key. */
export function rfNetworkKey(master: Uint8Array, siteId: string, unitId: number, version: number): Buffer {
  if (master.length !== 32) throw new RangeError('the site master key must be 32 bytes');
  if (!Number.isInteger(unitId) || unitId < 1) throw new RangeError(`unit id ${unitId} is not a device id`);
  if (!Number.isInteger(version) || version < 1 || version > 255)
    throw new RangeError(`RF network key version ${version} is not 1..255`);
  const info = `lintel/rf-network/v1|${siteId.toLowerCase()}|${unitId}|${version}`;
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), Buffer.from(info, 'utf8'), 16));
}
