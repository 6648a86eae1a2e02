import { describe, expect, it } from 'vitest';
import { deriveCardKeys, siteCardKey } from '../card/card-keys.js';
import type { CardAccessData } from '../card/access-data.js';
import { formatCard, inspectCard } from '../card/lintel-card.js';
import { DesfireCard, DesfireClient } from '../desfire/index.js';
import type { ReplicaCard } from '../devices/protocol.js';
import { accessUpdate, revalidationDue } from './card-access.js';
import { describeEvent, parseHostPort, parseReaderSpec } from './cli.js';
import { MasterKeyNotHeldError, updatePointKeys } from './update-point-keys.js';

/** The pieces of the control unit that need no reader: its card keys, update rules and CLI parsing. */

const SITE = '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const MASTER = Buffer.alloc(32, 7);
const UID = Buffer.from('04010203040506', 'hex');
const set = {
  siteId: SITE,
  keyVersion: 1,
  lock: siteCardKey(MASTER, SITE, 'lock', 1).toString('hex'),
  update: siteCardKey(MASTER, SITE, 'update', 1).toString('hex'),
  uidRead: siteCardKey(MASTER, SITE, 'uid-read', 1).toString('hex'),
};

describe('updatePointKeys', () => {
  it('derives the same lock, update and UID keys as the encoder, and holds no master key', async () => {
    const full = deriveCardKeys(MASTER, SITE, 1, UID);
    const keys = updatePointKeys(set, UID);
    expect(keys.lock).toEqual(full.lock);
    expect(keys.update).toEqual(full.update);
    expect(keys.uidRead).toEqual(full.uidRead);
    expect(keys.siteTag).toEqual(full.siteTag);
    expect(() => keys.piccMaster).toThrow(MasterKeyNotHeldError);
    expect(() => keys.appMaster).toThrow(/holds no application master key/);
    // Formatting with them fails before the card is changed: it stays blank.
    const card = new DesfireCard({ uid: UID, size: '2k' });
    const client = new DesfireClient(async (a) => card.transceive(a));
    const err = (await formatCard(client, keys).catch((e: unknown) => e)) as Error;
    expect(err.cause).toBeInstanceOf(MasterKeyNotHeldError);
    expect(await inspectCard(client)).toMatchObject({ kind: 'blank' });
  });
});

describe('accessUpdate', () => {
  const now = 1_800_000_000;
  const onCard: CardAccessData = {
    credentialId: 5,
    userId: 9,
    validFrom: null,
    validUntil: now + 1_000_000,
    revalidation: { by: now + 80_000, windowSeconds: 86_400 },
    rights: [{ kind: 'door', id: 1, periodId: 1 }],
    flags: { pinRequired: false, office: false, privacyOverride: false, extendedOpening: false },
    issuedAt: now - 10,
  };
  const replica: ReplicaCard = {
    revision: 3,
    uid: UID.toString('hex'),
    credentialId: 5,
    userId: 9,
    validFrom: null,
    validUntil: now + 1_000_000,
    revalidateBy: now + 80_000,
    rights: [{ kind: 'door', id: 1, periodId: 1 }],
    privileges: { office: false, privacyOverride: false, extendedOpening: false },
    pinHash: null,
    fingerTemplate: null,
    revalidationWindowSeconds: 86_400,
  };

  it('leaves a current card alone and refreshes one a quarter into its window', () => {
    expect(accessUpdate(onCard, replica, now)).toBeNull();
    expect(revalidationDue(onCard, now)).toBe(false);
    const later = now + 30_000;
    expect(accessUpdate(onCard, replica, later)).toEqual({
      why: 'revalidated',
      access: { ...onCard, issuedAt: later, revalidation: { by: later + 86_400, windowSeconds: 86_400 } },
    });
  });

  it('rewrites changed rights, validity or flags from the replica, never for a key it lacks', () => {
    expect(accessUpdate(onCard, { ...replica, validUntil: now + 5 }, now)).toMatchObject({
      why: 'changed',
      access: { validUntil: now + 5 },
    });
    expect(accessUpdate(onCard, { ...replica, pinHash: '$argon2id$…' }, now)).toMatchObject({
      why: 'changed',
      access: { flags: { pinRequired: true } },
    });
    expect(accessUpdate(onCard, undefined, now + 80_000)).toBeNull();
  });
});

describe('sim cu options', () => {
  it('parses reader lines and host:port', () => {
    expect(parseReaderSpec('/dev/pts/4')).toEqual({ path: '/dev/pts/4', address: 0 });
    expect(parseReaderSpec('/dev/ttyUSB0@12')).toEqual({ path: '/dev/ttyUSB0', address: 12 });
    expect(() => parseReaderSpec('/dev/ttyUSB0@127')).toThrow(/0 to 126/);
    expect(parseHostPort('10.0.0.2:4500', '--service')).toEqual({ host: '10.0.0.2', port: 4500 });
    expect(parseHostPort('[::1]:4500', '--service')).toEqual({ host: '::1', port: 4500 });
    expect(() => parseHostPort('host', '--service')).toThrow(/HOST:PORT/);
  });

  it('prints an event on one line', () => {
    expect(
      describeEvent({
        origin: 3,
        at: '2026-12-02T10:00:00.000Z',
        kind: 'access-denied',
        doorId: 1,
        userId: 7,
        credentialId: 8,
        reason: 'blacklisted',
        detail: { fromCard: true, nested: { x: 1 } },
      }),
    ).toBe('event access-denied door 1 credential 8 reason blacklisted (fromCard=true)');
  });
});
