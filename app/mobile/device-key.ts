import { createPrivateKey, createPublicKey, createECDH, sign, verify, type KeyObject } from 'node:crypto';

/**
 * A phone's device key: ECDSA P-256 (the curve phones' secure elements and Aliro use), made on the
 * phone and never leaving it. Its public key (uncompressed SEC1 point, 65 bytes) is sealed into every
 * token the phone receives, so a token copied to another phone is useless there: the lock checks the
 * signature over its fresh challenge with the key inside the token. Signatures are SHA-256 and in the
 * fixed-size IEEE P1363 form r ‖ s (64 bytes), not DER, so the wire carries no length fields for them.
 */

/** Bytes of an uncompressed P-256 public key. */
export const DEVICE_PUBLIC_KEY_BYTES = 65;
/** Bytes of a P1363 ECDSA P-256 signature. */
export const SIGNATURE_BYTES = 64;

/** A phone's key pair. */
export interface DeviceKey {
  privateKey: KeyObject;
  /** Uncompressed SEC1 point: 0x04 ‖ x ‖ y. */
  publicKey: Buffer;
}

function rawPublicOf(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.concat([Buffer.of(4), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
}

/** A new device key. */
export function newDeviceKey(): DeviceKey {
  // Through ECDH, not generateKeyPairSync: a key from a key-generation job can deadlock Node 20 when
  // exported (app/crypto/x25519-key.ts says how). The same OpenSSL P-256 key generation underneath.
  const ecdh = createECDH('prime256v1');
  const publicKey = ecdh.generateKeys();
  const b64 = (b: Buffer) => b.toString('base64url');
  const privateKey = createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: b64(Buffer.concat([Buffer.alloc(32), ecdh.getPrivateKey()]).subarray(-32)),
      x: b64(publicKey.subarray(1, 33)),
      y: b64(publicKey.subarray(33, 65)),
    },
    format: 'jwk',
  });
  return { privateKey, publicKey };
}

/** The device key as the phone stores it (PKCS#8 DER, base64url; its state file is mode 0600). */
export function exportDeviceKey(key: DeviceKey): string {
  return key.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64url');
}

/** A device key stored with {@link exportDeviceKey}; throws when it is not a P-256 private key. */
export function importDeviceKey(stored: string): DeviceKey {
  const privateKey = createPrivateKey({
    key: Buffer.from(stored, 'base64url'),
    format: 'der',
    type: 'pkcs8',
  });
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new Error('device-key: the stored key is not a P-256 private key');
  return { privateKey, publicKey: rawPublicOf(createPublicKey(privateKey)) };
}

/** Signs `data` (SHA-256, P1363). */
export function signWithDeviceKey(key: DeviceKey, data: Uint8Array): Buffer {
  return sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
}

/** A raw public key as a node key; throws RangeError when it is not a point on P-256. */
export function devicePublicKey(raw: Uint8Array): KeyObject {
  if (raw.length !== DEVICE_PUBLIC_KEY_BYTES || raw[0] !== 4)
    throw new RangeError('device-key: a device public key is an uncompressed P-256 point (65 bytes)');
  try {
    return createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: Buffer.from(raw.subarray(1, 33)).toString('base64url'),
        y: Buffer.from(raw.subarray(33)).toString('base64url'),
      },
      format: 'jwk',
    });
  } catch (err) {
    throw new RangeError('device-key: the device public key is not a point on P-256', { cause: err });
  }
}

/** Whether `signature` is the device's over `data`; false for any malformed key or signature. */
export function verifyDeviceSignature(
  publicKey: Uint8Array,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (signature.length !== SIGNATURE_BYTES) return false;
  try {
    return verify('sha256', data, { key: devicePublicKey(publicKey), dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}
