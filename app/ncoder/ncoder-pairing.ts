import {
  createDecipheriv,
  createCipheriv,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  type KeyObject,
} from 'node:crypto';
import { aesCmac } from '../crypto/index.js';
import { newX25519PrivateKey } from '../crypto/x25519-key.js';
import { BLOCK, X25519_BYTES } from './ncoder-messages.js';

/**
 * Pairing: the Service chooses a random 16-byte pairing key and hands it to an unpaired NCoder, once.
 * The key never crosses the cable in clear: GET_INFO on an unpaired device carries a fresh X25519
 * public key (a new one for every GET_INFO), the host answers with its own ephemeral X25519 key and the
 * pairing key sealed with AES-128-GCM under
 *   W = HKDF-SHA256(X25519 shared secret, salt = hostPub ‖ devicePub, info = "lintel-ncoder/1 pair-wrap" ‖ 0 ‖ S).
 * W is used once, so its GCM nonce is all zeros. This defeats a passive USB sniffer; it does not stop an
 * active man in the middle at pairing time (nothing authenticates the device key): pairing assumes the
 * operator plugged the encoder in themselves, as any trust-on-first-use pairing does.
 * The device answers PAIRED with a key confirmation, C = AES-CMAC(K, "lintel-ncoder/1 pair-confirm" ‖ 0 ‖ S ‖ hostPub).
 */

/**
 * The protocol label bound into the wrapping and the confirmation. Every function takes it as its last
 * parameter, defaulting to the NCoder's: the PPD (app/ppd) pairs the same way under 'lintel-ppd/1', so a
 * key wrapped for one kind of device never opens on the other.
 */
const LABEL = 'lintel-ncoder/1';

/** An X25519 key pair with its raw public key. */
export interface PairingKeyPair {
  privateKey: KeyObject;
  publicKey: Uint8Array;
}

/** A fresh X25519 key pair (device: per GET_INFO while unpaired; host: per PAIR). */
export function pairingKeyPair(): PairingKeyPair {
  // From random bytes, not generateKeyPairSync: see app/crypto/x25519-key.ts (a Node 20 deadlock).
  const privateKey = newX25519PrivateKey();
  const jwk = privateKey.export({ format: 'jwk' });
  return { privateKey, publicKey: Buffer.from(jwk.x!, 'base64url') };
}

/** The wrapping key both sides derive; throws on a public key that is not a usable X25519 point. */
function wrapKey(
  own: KeyObject,
  peerPublic: Uint8Array,
  hostPub: Uint8Array,
  devicePub: Uint8Array,
  serial: string,
  label: string,
): Buffer {
  if (peerPublic.length !== X25519_BYTES) throw new RangeError('ncoder-pairing: an X25519 key is 32 bytes');
  const publicKey = createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(peerPublic).toString('base64url') },
    format: 'jwk',
  });
  const shared = diffieHellman({ privateKey: own, publicKey });
  if (shared.every((b) => b === 0)) throw new Error('ncoder-pairing: degenerate X25519 key');
  const info = Buffer.concat([
    Buffer.from(`${label} pair-wrap`, 'latin1'),
    Buffer.of(0),
    Buffer.from(serial, 'latin1'),
  ]);
  const w = Buffer.from(hkdfSync('sha256', shared, Buffer.concat([hostPub, devicePub]), info, 16));
  shared.fill(0);
  return w;
}

const ZERO_NONCE = Buffer.alloc(12);

/** Host: seals `pairingKey` to the device's pairing public key. */
export function wrapPairingKey(
  pairingKey: Uint8Array,
  devicePublicKey: Uint8Array,
  serial: string,
  label = LABEL,
): { hostPublicKey: Uint8Array; wrappedKey: Uint8Array } {
  if (pairingKey.length !== BLOCK) throw new RangeError('ncoder-pairing: a pairing key is 16 bytes');
  const host = pairingKeyPair();
  const w = wrapKey(host.privateKey, devicePublicKey, host.publicKey, devicePublicKey, serial, label);
  const c = createCipheriv('aes-128-gcm', w, ZERO_NONCE, { authTagLength: BLOCK });
  const wrappedKey = Buffer.concat([c.update(pairingKey), c.final(), c.getAuthTag()]);
  w.fill(0);
  return { hostPublicKey: host.publicKey, wrappedKey };
}

/** Device: opens the pairing key a host sealed to `own`; undefined when it does not open. */
export function unwrapPairingKey(
  own: PairingKeyPair,
  hostPublicKey: Uint8Array,
  wrappedKey: Uint8Array,
  serial: string,
  label = LABEL,
): Buffer | undefined {
  try {
    const w = wrapKey(own.privateKey, hostPublicKey, hostPublicKey, own.publicKey, serial, label);
    const d = createDecipheriv('aes-128-gcm', w, ZERO_NONCE, { authTagLength: BLOCK });
    d.setAuthTag(wrappedKey.subarray(BLOCK));
    const key = Buffer.concat([d.update(wrappedKey.subarray(0, BLOCK)), d.final()]);
    w.fill(0);
    return key;
  } catch {
    return undefined;
  }
}

/** The key confirmation in PAIRED: proves the device now holds the key the host sent. */
export function pairConfirmation(
  pairingKey: Uint8Array,
  serial: string,
  hostPublicKey: Uint8Array,
  label = LABEL,
): Buffer {
  const input = Buffer.concat([
    Buffer.from(`${label} pair-confirm`, 'latin1'),
    Buffer.of(0),
    Buffer.from(serial, 'latin1'),
    hostPublicKey,
  ]);
  return aesCmac(pairingKey, input);
}
