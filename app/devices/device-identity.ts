import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../keys/atomic-file.js';
import { exportPrivate, generateKeyPair, keyPairFromPrivate, type KeyPair } from '../link/noise/suite.js';
import { DeviceKind } from './protocol.js';

/**
 * A device's identity file (`<data dir>/device.json`, mode 0600): its Noise static key (random, made on
 * first start, never leaves the device), the key of its encrypted store, and once enrolled, its id and
 * the peer it reports to (that peer's pinned static key and the link psk). Like the Service's key file,
 * it is protected by the file system; the store's contents are protected by the key in it.
 */

const Hex32 = z.string().regex(/^[0-9a-f]{64}$/);

const IdentityFile = z.strictObject({
  format: z.literal('lintel-device-1'),
  kind: DeviceKind,
  staticPrivateKey: Hex32,
  storeKey: Hex32,
  enrolment: z
    .strictObject({
      deviceId: z.number().int().positive(),
      upstream: z.strictObject({
        host: z.string().min(1).max(255),
        port: z.number().int().min(1).max(65535),
        publicKey: Hex32,
        psk: Hex32,
      }),
      enrolledAt: z.string(),
    })
    .optional(),
});

/** Where a device reports to, as pinned at enrolment. */
export interface Upstream {
  host: string;
  port: number;
  publicKey: Buffer;
  psk: Buffer;
}

/** A device's identity, loaded. */
export interface DeviceIdentity {
  file: string;
  kind: DeviceKind;
  staticKey: KeyPair;
  storeKey: Buffer;
  enrolment?: { deviceId: number; upstream: Upstream; enrolledAt: string };
}

/** The identity file of a device data folder. */
export const identityFile = (dataDir: string) => path.join(dataDir, 'device.json');

/**
 * Loads the identity in `dataDir`, or makes a new one (fresh static key and store key) when there is
 * none. A file of another kind of device is refused: a gateway's folder is not a control unit's.
 */
export function loadOrCreateIdentity(dataDir: string, kind: DeviceKind): DeviceIdentity {
  const file = identityFile(dataDir);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const pair = generateKeyPair();
    const content = {
      format: 'lintel-device-1' as const,
      kind,
      staticPrivateKey: exportPrivate(pair).toString('hex'),
      storeKey: randomBytes(32).toString('hex'),
    };
    writeFileAtomic(file, JSON.stringify(content, null, 2));
  }
  const identity = readIdentity(file);
  if (identity.kind !== kind)
    throw new Error(`${file} belongs to a ${identity.kind}, not a ${kind}: use another --data-dir`);
  return identity;
}

function readIdentity(file: string): DeviceIdentity {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  const parsed = IdentityFile.safeParse(raw);
  if (!parsed.success) throw new Error(`${file} is not a Lintel device identity file`);
  const f = parsed.data;
  const hex = (h: string) => Buffer.from(h, 'hex');
  return {
    file,
    kind: f.kind,
    staticKey: keyPairFromPrivate(hex(f.staticPrivateKey)),
    storeKey: hex(f.storeKey),
    ...(f.enrolment
      ? {
          enrolment: {
            deviceId: f.enrolment.deviceId,
            enrolledAt: f.enrolment.enrolledAt,
            upstream: {
              host: f.enrolment.upstream.host,
              port: f.enrolment.upstream.port,
              publicKey: hex(f.enrolment.upstream.publicKey),
              psk: hex(f.enrolment.upstream.psk),
            },
          },
        }
      : {}),
  };
}

/** Records a completed enrolment in the identity file (atomically: a crash leaves the old or the new file). */
export function saveEnrolment(
  identity: DeviceIdentity,
  enrolment: { deviceId: number; upstream: Upstream },
  now: Date,
): DeviceIdentity {
  const content = {
    format: 'lintel-device-1' as const,
    kind: identity.kind,
    staticPrivateKey: exportPrivate(identity.staticKey).toString('hex'),
    storeKey: identity.storeKey.toString('hex'),
    enrolment: {
      deviceId: enrolment.deviceId,
      enrolledAt: now.toISOString(),
      upstream: {
        host: enrolment.upstream.host,
        port: enrolment.upstream.port,
        publicKey: enrolment.upstream.publicKey.toString('hex'),
        psk: enrolment.upstream.psk.toString('hex'),
      },
    },
  };
  writeFileAtomic(identity.file, JSON.stringify(content, null, 2));
  return readIdentity(identity.file);
}
