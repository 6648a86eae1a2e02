import { describe, expect, it } from 'vitest';
import { DesfireCard } from './card-emulator.js';
import { DesfireClient } from './desfire-client.js';
import { allRights, connect, hex, scriptedRandom, toHex, ZERO_KEY } from './test-support.js';

/**
 * The emulator and the client replay NXP's published exchanges byte for byte, with their random
 * sources scripted to the application notes' RndA, RndB and TI. Values from AN12196 rev 2.0 tables
 * 14, 17, 21, 23, 25, 26 and AN12343 rev 1.1 table 16, each cross-checked as published-vectors.test.ts
 * describes; the RndB values are the notes' own, also recomputed here by decrypting E(K, RndB).
 */

// AN12196 table 14: AuthenticateEV2First with key 0x00 (all zero).
const T14 = {
  rndA: '13C5DB8A5930439FC3DEF9A4C675360F',
  rndB: 'B9E2FC789B64BF237CCCAA20EC7E6E48',
  ti: '9D00C4DF',
  exchange: [
    ['9071000002000000', 'A04C124213C186F22399D33AC2A3021591AF'],
    [
      '90AF00002035C3E05A752E0144BAC0DE51C1F22C56B34408A23D8AEA266CAB947EA8E0118D00',
      '3FA64DB5446D1F34CD6EA311167F5E4985B89690C04A05F17FA7AB2F081206639100',
    ],
  ],
};

// AN12196 table 21: AuthenticateEV2First with key 0x03 (all zero), TI 7614281A.
const T21 = {
  rndA: 'B98F4C50CF1C2E084FD150E33992B048',
  rndB: '91517975190DCEA6104948EFA3085C1B',
  ti: '7614281A',
  exchange: [
    ['9071000002030000', 'B875CEB0E66A6C5CD00898DC371F92D191AF'],
    [
      '90AF000020FF0306E47DFBC50087C4D8A78E88E62DE1E8BE457AA477C707E2F0874916A8B100',
      '0CC9A8094A8EEA683ECAAC5C7BF20584206D0608D477110FC6B3D5D3F65C3A6A9100',
    ],
  ],
};

// AN12196 table 23: AuthenticateEV2NonFirst with key 0x00 in table 21's session.
const T23 = {
  rndA: '60BE759EDA560250AC57CDDC11743CF6',
  rndB: '6924E8D09722659A2E7DEC68E66312B8',
  exchange: [
    ['90770000010000', 'A6A2B3C572D06C097BB8DB70463E22DC91AF'],
    [
      '90AF000020BE7D45753F2CAB85F34BC60CE58B940763FE969658A532DF6D95EA2773F6E99100',
      'B888349C24B315EAB5B589E279C8263E9100',
    ],
  ],
};

// AN12196 tables 25 and 26: ChangeKey of key 2 (CmdCtr 2), then of the session key 0 (CmdCtr 3).
const T25 = [
  '90C4000029022CF362B7BF4311FF3BE1DAA295E8C68DE09050560D19B9E16C2393AE9CD1FAC75D0CE20BCD1D06E600',
  '203BB55D1089D5879100',
];
const T26 = [
  '90C400002900C0EB4DEEFEDDF0B513A03A95A75491818580503190D4D05053FF75668A01D6FDA6610234BDED643200',
  '9100',
];

// AN12343 table 16: AuthenticateEV2First with key 0x00 on DESFire Light.
const AN12343_T16 = {
  rndA: 'B04D0787C93EE0CC8CACC8E86F16C6FE',
  rndB: 'FA659AD0DCA738DD65DC7DC38612AD81',
  ti: '8CF141F3',
  exchange: [
    ['9071000002000000', '24677DDBD46349E623798FD729006E7991AF'],
    [
      '90AF0000203B50445F21D21D77D500794DEB245E5A754F5F901844259F4C9B31A5C7335ACD00',
      '04C6DBD67417ED0D31DDDE4D2E3FFAC2B4B074F638EEF7FFF9254963B65C77599100',
    ],
  ],
};

const AID = 0x010203;
const UID = hex('04958CAA5C5E80');

/** A card with an application like NTAG 424 DNA's: five zero AES keys, a free-read file 1 and file 2 for table 17. */
async function ntagLikeCard(random: (n: number) => Uint8Array): Promise<DesfireCard> {
  const card = new DesfireCard({ uid: UID, random });
  const setup = connect(card);
  await setup.createApplication(AID, { keySettings: 0x0f, keyCount: 5 });
  await setup.selectApplication(AID);
  await setup.createStdDataFile(1, { comm: 'plain', access: { ...allRights(0), read: 0xe }, size: 32 });
  await setup.createStdDataFile(2, { comm: 'full', access: { ...allRights(0), read: 0xe }, size: 256 });
  return card;
}

function replay(card: DesfireCard, exchange: readonly (readonly string[])[]): void {
  for (const [command, response] of exchange) expect(toHex(card.transceive(hex(command!)))).toBe(response);
}

/** A transport that checks each APDU against the script and answers the published response. */
function scripted(exchange: readonly (readonly string[])[]): (apdu: Uint8Array) => Promise<Uint8Array> {
  const queue = [...exchange];
  return async (apdu) => {
    const [command, response] = queue.shift() ?? ['(none)', ''];
    expect(toHex(apdu)).toBe(command);
    return hex(response!);
  };
}

describe('the card emulator answers as the published cards did', () => {
  it('AN12196 table 14 (AuthenticateEV2First) and table 17 (WriteData in full mode)', async () => {
    const card = await ntagLikeCard(scriptedRandom(T14.rndB, T14.ti));
    replay(card, T14.exchange);
    const write =
      '908D00009F02000000800000421C73A27D827658AF481FDFF20A5025B559D0E3AA21E58D347F343CFFC768BFE596C706BC00F2176781D4B0242642' +
      'A0FF5A42C461AAF894D9A1284B8C76BCFA658ACD40555D362E08DB15CF421B51283F9064BCBE20E96CAE545B407C9D651A3315B27373772E5DA2' +
      '367D2064AE054AF996C6F1F669170FA88CE8C4E3A4A7BBBEF0FD971FF532C3A802AF745660F2B4D1D9A8499661EBF300';
    replay(card, [[write, 'FC222E5F7A5424529100']]);
    const file = card.snapshot().applications[0]!.files.find((f) => f.fileNo === 2);
    expect(file?.type === 'std' && file.data.startsWith('0051d1014d550463686f6f7365')).toBe(true);
  });

  it('AN12196 tables 21, 23, 25, 26: First with key 3, NonFirst with key 0, both ChangeKey cases', async () => {
    const card = await ntagLikeCard(scriptedRandom(T21.rndB, T21.ti, T23.rndB));
    replay(card, T21.exchange);
    replay(card, T23.exchange);
    // Two plain commands inside the session move CmdCtr to 2, where table 25 runs.
    replay(card, [
      ['90BD0000070100000004000000', '000000009100'],
      ['90BD0000070100000004000000', '000000009100'],
    ]);
    replay(card, [T25, T26]);
    const keys = card.snapshot().applications[0]!.keys;
    expect(keys[2]).toEqual({ key: 'f3847d627727ed3bc9c4cc050489b966', version: 1 });
    expect(keys[0]).toEqual({ key: '5004bf991f408672b1ef00f08f9e8647', version: 1 });
    // Changing the session key ended the session: a MAC-mode command now travels plain.
    replay(card, [['906400000100' + '00', '019100']]);
  });

  it('AN12343 table 16 (DESFire Light AuthenticateEV2First)', () => {
    const card = new DesfireCard({ uid: UID, random: scriptedRandom(AN12343_T16.rndB, AN12343_T16.ti) });
    replay(card, AN12343_T16.exchange);
  });
});

describe('the client sends what the published readers sent', () => {
  it('AN12196 tables 21, 23, 25, 26 against a scripted card', async () => {
    const transport = scripted([
      ['905A00000303020100', '9100'],
      ...T21.exchange,
      ...T23.exchange,
      ['90BD0000070100000004000000', '000000009100'],
      ['90BD0000070100000004000000', '000000009100'],
      T25,
      T26,
    ]);
    const client = new DesfireClient(transport, { random: scriptedRandom(T21.rndA, T23.rndA) });
    await client.selectApplication(AID);
    await client.authenticateEv2First(3, ZERO_KEY);
    await client.authenticateEv2NonFirst(0, ZERO_KEY);
    await client.readData(1, 0, 4, 'plain');
    await client.readData(1, 0, 4, 'plain');
    await client.changeKey(2, hex('F3847D627727ED3BC9C4CC050489B966'), 1, ZERO_KEY);
    expect(client.authenticated).toBe(true);
    await client.changeKey(0, hex('5004BF991F408672B1EF00F08F9E8647'), 1);
    expect(client.authenticated).toBe(false);
  });

  it.each([
    ['AN12196 table 14', T14],
    ['AN12343 table 16', AN12343_T16],
  ])('%s against the emulator, both sides scripted', async (_name, t) => {
    const card = new DesfireCard({ uid: UID, random: scriptedRandom(t.rndB, t.ti) });
    const transcript: string[][] = [];
    const client = new DesfireClient(
      async (apdu) => {
        const response = card.transceive(apdu);
        transcript.push([toHex(apdu), toHex(response)]);
        return response;
      },
      { random: scriptedRandom(t.rndA) },
    );
    await client.authenticateEv2First(0, ZERO_KEY);
    expect(transcript).toEqual(t.exchange);
    expect(client.authenticated).toBe(true);
  });
});
