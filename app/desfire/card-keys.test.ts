import { describe, expect, it } from 'vitest';
import { DesfireCard } from './card-emulator.js';
import { DesfireClient } from './desfire-client.js';
import type { DesfireErrorCode } from './status.js';
import { allRights, cardAndClient, connect, hex, toHex, ZERO_KEY } from './test-support.js';

/** Authentication, ChangeKey, key versions, GetCardUID and the random ID. */

async function rejects(p: Promise<unknown>, code: DesfireErrorCode): Promise<void> {
  await expect(p).rejects.toMatchObject({ name: 'DesfireError', code });
}

const K1 = hex('00112233445566778899AABBCCDDEEFF');
const K2 = hex('F3847D627727ED3BC9C4CC050489B966');
const AID = 0x00a1b2;

/** A card with one application of `keyCount` keys, selected, with a file readable by key 1 (MAC mode). */
async function withApplication(keySettings = 0x0f, keyCount = 3) {
  const { card, client } = cardAndClient();
  await client.createApplication(AID, { keySettings, keyCount });
  await client.selectApplication(AID);
  await client.authenticateEv2First(0, ZERO_KEY);
  await client.createStdDataFile(1, {
    comm: 'mac',
    access: { read: 1, write: 0, readWrite: 0xf, change: 0 },
    size: 8,
  });
  return { card, client };
}

describe('authentication', () => {
  it('a wrong key gets AUTHENTICATION_ERROR and no session', async () => {
    const { client } = cardAndClient();
    await rejects(client.authenticateEv2First(0, K1), 'AUTHENTICATION_ERROR');
    expect(client.authenticated).toBe(false);
    await rejects(client.authenticateEv2First(1, ZERO_KEY), 'NO_SUCH_KEY');
  });

  it('NonFirst needs a session: the client will not send it, the card answers PERMISSION_DENIED', async () => {
    const { card, client } = cardAndClient();
    await rejects(client.authenticateEv2NonFirst(0, ZERO_KEY), 'NOT_AUTHENTICATED');
    expect(toHex(card.transceive(hex('90770000010000')))).toBe('919D');
  });

  it('NonFirst switches the session to another key, keeping TI and CmdCtr', async () => {
    const { client } = await withApplication();
    await rejects(client.readData(1, 0, 8, 'mac'), 'AUTHENTICATION_ERROR'); // key 0 may not read file 1
    await client.authenticateEv2First(0, ZERO_KEY);
    await client.getKeyVersion(0); // CmdCtr moves on
    await client.authenticateEv2NonFirst(1, ZERO_KEY);
    expect(await client.readData(1, 0, 8, 'mac')).toEqual(Buffer.alloc(8));
  });

  it('a card that does not know the key cannot pass for the card (CARD_NOT_AUTHENTIC)', async () => {
    const card = new DesfireCard();
    // A man in the middle answers part 2 with garbage of the right length.
    const fake = new DesfireClient(async (apdu) => {
      const r = card.transceive(apdu);
      return apdu[1] === 0xaf ? Buffer.concat([Buffer.alloc(32, 7), Buffer.from([0x91, 0x00])]) : r;
    });
    await rejects(fake.authenticateEv2First(0, ZERO_KEY), 'CARD_NOT_AUTHENTIC');
    expect(fake.authenticated).toBe(false);
  });
});

describe('ChangeKey', () => {
  it('changes another key with the old key and its CRC, then that key authenticates', async () => {
    const { card, client } = await withApplication();
    await client.changeKey(1, K1, 7, ZERO_KEY);
    expect(client.authenticated).toBe(true);
    expect(await client.getKeyVersion(1)).toBe(7);
    await rejects(client.authenticateEv2First(1, ZERO_KEY), 'AUTHENTICATION_ERROR');
    await client.authenticateEv2First(1, K1);
    expect(await client.readData(1, 0, 0, 'mac')).toHaveLength(8);
    expect(card.snapshot().applications[0]!.keys[1]).toEqual({ key: toHex(K1).toLowerCase(), version: 7 });
  });

  it('refuses a wrong old key (INTEGRITY_ERROR: CRC32NK of the new key does not match) and keeps the key', async () => {
    const { card, client } = await withApplication();
    const before = JSON.stringify(card.snapshot());
    await rejects(client.changeKey(1, K1, 7, K2), 'INTEGRITY_ERROR');
    expect(JSON.stringify(card.snapshot())).toBe(before);
    expect(client.authenticated).toBe(false);
  });

  it('changing the session key ends the session; the new key authenticates', async () => {
    const { client } = await withApplication();
    await client.changeKey(0, K2, 1);
    expect(client.authenticated).toBe(false);
    await rejects(client.authenticateEv2First(0, ZERO_KEY), 'AUTHENTICATION_ERROR');
    await client.authenticateEv2First(0, K2);
    expect(await client.getKeyVersion(0)).toBe(1);
  });

  it('changes the PICC master key (key type AES in the key number byte)', async () => {
    const { client } = cardAndClient();
    await client.authenticateEv2First(0, ZERO_KEY);
    await client.changeKey(0, K1, 3);
    await rejects(client.authenticateEv2First(0, ZERO_KEY), 'AUTHENTICATION_ERROR');
    await client.authenticateEv2First(0, K1);
    expect(await client.getKeyVersion(0)).toBe(3);
  });

  it('follows the change-key right of the key settings', async () => {
    // 0xE: each key changes itself only.
    const self = await withApplication(0xef);
    await rejects(self.client.changeKey(1, K1, 1, ZERO_KEY), 'AUTHENTICATION_ERROR');
    await self.client.authenticateEv2First(1, ZERO_KEY);
    await self.client.changeKey(1, K1, 1);
    // 0x2: key 2 changes the others; key 0 does not.
    const byTwo = await withApplication(0x2f);
    await rejects(byTwo.client.changeKey(1, K1, 1, ZERO_KEY), 'AUTHENTICATION_ERROR');
    await byTwo.client.authenticateEv2First(2, ZERO_KEY);
    await byTwo.client.changeKey(1, K1, 1, ZERO_KEY);
    // 0xF: frozen. Master key flag clear: the master key stays.
    const frozen = await withApplication(0xfe);
    await rejects(frozen.client.changeKey(1, K1, 1, ZERO_KEY), 'PERMISSION_DENIED');
    await frozen.client.authenticateEv2First(0, ZERO_KEY);
    await rejects(frozen.client.changeKey(0, K1, 1), 'PERMISSION_DENIED');
  });

  it('needs a session', async () => {
    const { card, client } = cardAndClient();
    await rejects(client.changeKey(0, K1, 1), 'NOT_AUTHENTICATED');
    expect(toHex(card.transceive(hex('90C4000002800000')))).toBe('91AE');
  });
});

describe('GetCardUID and the random ID', () => {
  it('GetCardUID needs a session and returns the real UID', async () => {
    const { card, client } = cardAndClient({ uid: hex('04A1B2C3D4E5F6') });
    await rejects(client.getCardUid(), 'NOT_AUTHENTICATED');
    expect(toHex(card.transceive(hex('9051000000')))).toBe('91AE');
    await client.authenticateEv2First(0, ZERO_KEY);
    expect(toHex(await client.getCardUid())).toBe('04A1B2C3D4E5F6');
  });

  it('a random-ID card shows 08 xx xx xx, fresh at each activation, and hides its UID from GetVersion', async () => {
    const card = new DesfireCard({ uid: hex('04A1B2C3D4E5F6'), randomId: true });
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const { uid, atqa, sak } = card.activation;
      expect(uid).toHaveLength(4);
      expect(uid[0]).toBe(0x08);
      expect([atqa, sak]).toEqual([0x0304, 0x20]);
      seen.add(toHex(uid));
      card.powerOff();
    }
    expect(seen.size).toBeGreaterThan(4);
    const client = connect(card);
    expect(toHex((await client.getVersion()).uid)).toBe('00000000000000');
    await client.authenticateEv2First(0, ZERO_KEY);
    expect(toHex(await client.getCardUid())).toBe('04A1B2C3D4E5F6');
  });

  it('a card without random ID shows its 7-byte UID', () => {
    const card = new DesfireCard({ uid: hex('04A1B2C3D4E5F6') });
    expect(card.activation).toMatchObject({ uid: hex('04A1B2C3D4E5F6'), atqa: 0x0344, sak: 0x20 });
    expect(toHex(card.activation.ats)).toBe('067577810280');
  });
});

describe('key settings', () => {
  it('ChangeKeySettings needs the master key and the "configuration changeable" flag', async () => {
    const { client } = await withApplication(0x07);
    await rejects(client.changeKeySettings(0x0f), 'PERMISSION_DENIED');
    const open = await withApplication(0x0f);
    await open.client.changeKeySettings(0x01); // nothing free any more
    await open.client.selectApplication(AID);
    await rejects(open.client.getFileIds(), 'AUTHENTICATION_ERROR');
    await rejects(
      open.client.createStdDataFile(2, { comm: 'plain', access: allRights(0xe), size: 1 }),
      'AUTHENTICATION_ERROR',
    );
    await open.client.authenticateEv2First(0, ZERO_KEY);
    expect(await open.client.getFileIds()).toEqual([1]);
  });
});
