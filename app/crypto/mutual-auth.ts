import { hkdfSync } from 'node:crypto';
import { aesCmac } from './cmac.js';

/**
 * Mutual authentication on a shared AES-128 key, as the NCoder's USB session (app/ncoder) and both
 * serial links (app/serial-link: console↔PPD, PPD↔lock) do it. Each side sends a fresh 16-byte nonce;
 * each proves the key with AES-CMAC (RFC 4493) over a label naming the protocol and its role, both
 * nonces and the device's identity; the session keys come from HKDF-SHA256 (RFC 5869) over the key with
 * both nonces as salt, one key per direction. The roles' labels differ, so a device's proof can never be
 * reflected back as a host's; each side's nonce makes the other's proof fresh, so a recorded exchange
 * does not authenticate again. This is DESFire EV2's mutual authentication idea (both nonces in both
 * proofs) with standard KDF and MAC in place of its CBC-based ones.
 */

export type AuthRole = 'host' | 'device';

const NONCE_BYTES = 16;

function context(rndA: Uint8Array, rndB: Uint8Array, identity: Uint8Array): Buffer {
  if (rndA.length !== NONCE_BYTES || rndB.length !== NONCE_BYTES)
    throw new RangeError('mutual-auth: nonces are 16 bytes');
  return Buffer.concat([rndA, rndB, identity]);
}

/** `role`'s proof: AES-CMAC(key, "<label> <role>-proof" ‖ 0 ‖ rndA ‖ rndB ‖ identity). */
export function mutualAuthProof(
  label: string,
  role: AuthRole,
  key: Uint8Array,
  rndA: Uint8Array,
  rndB: Uint8Array,
  identity: Uint8Array,
): Buffer {
  const prefix = Buffer.from(`${label} ${role}-proof`, 'latin1');
  return aesCmac(key, Buffer.concat([prefix, Buffer.of(0), context(rndA, rndB, identity)]));
}

/** The two per-direction AES-128 session keys. */
export interface DirectionKeys {
  hostToDevice: Buffer;
  deviceToHost: Buffer;
}

/** HKDF-SHA256(key, salt = rndA ‖ rndB, info = "<label> <direction>" ‖ 0 ‖ identity), 16 bytes each. */
export function mutualSessionKeys(
  label: string,
  key: Uint8Array,
  rndA: Uint8Array,
  rndB: Uint8Array,
  identity: Uint8Array,
): DirectionKeys {
  context(rndA, rndB, identity);
  const salt = Buffer.concat([rndA, rndB]);
  const derive = (direction: string) =>
    Buffer.from(
      hkdfSync(
        'sha256',
        key,
        salt,
        Buffer.concat([Buffer.from(`${label} ${direction}`, 'latin1'), Buffer.of(0), identity]),
        16,
      ),
    );
  return { hostToDevice: derive('host-to-device'), deviceToHost: derive('device-to-host') };
}
