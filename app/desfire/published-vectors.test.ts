import { describe, expect, it } from 'vitest';
import { ev2SessionKeys } from '../crypto/index.js';
import { commandApdu, parseResponseApdu } from './apdu.js';
import { sealCommand, openResponse } from './client-secure-channel.js';
import { crc32nk } from './crc32.js';
import { commandIv, responseIv, type SecureSession } from './secure-messaging.js';
import { hex, toHex } from './test-support.js';

/**
 * EV2 secure messaging against NXP's published worked examples. The values are transcribed from
 * AN12196 rev 2.0 (NTAG 424 DNA features and hints) and AN12343 rev 1.1 (MIFARE DESFire Light
 * features and hints); both use the EV2 secure messaging of DESFire EV2. Every AN12196 value below
 * was found quoted identically in at least two independent public repositories; the AN12343 tables
 * 23-26, 39 and 40 in one or two, and all are confirmed by recomputation here (a mistyped byte
 * could not make a MAC or a ciphertext come out right).
 */

function session(ti: string, enc: string, mac: string, cmdCtr: number, keyNo = 0): SecureSession {
  return { keyNo, ti: hex(ti), encKey: hex(enc), macKey: hex(mac), cmdCtr };
}

/** The APDU the client sends for a command sealed in `mode`. */
function apdu(s: SecureSession, ins: number, mode: 'mac' | 'full', header: string, data = ''): string {
  return toHex(commandApdu(ins, sealCommand(s, ins, mode, hex(header), hex(data))));
}

/** Opens a published response APDU (data ‖ 91 00) in `mode`. */
function open(s: SecureSession, mode: 'mac' | 'full', response: string): string {
  return toHex(openResponse(s, mode, parseResponseApdu(hex(response)).data));
}

describe('AN12196 (NTAG 424 DNA features and hints)', () => {
  // Session keys of table 14 (AuthenticateEV2First with key 0x00; app/crypto checks their derivation).
  const t14 = (ctr: number) =>
    session('9D00C4DF', '1309C877509E5A215007FF0ED19CA564', '4C6626F5E72EA694202139295C7A7FC7', ctr);

  it('section 5.3: CommMode.MAC command and response (GetFileSettings of file 02)', () => {
    const s = session('7A21085E', '00000000000000000000000000000000', '8248134A386E86EB7FAF54A52E536CB6', 0);
    expect(apdu(s, 0xf5, 'mac', '02')).toBe('90F5000009026597A457C8CD442C00');
    expect(open(s, 'mac', '0040EEEE000100D1FE001F00004400004400002000006A00002A474282E7A479869100')).toBe(
      '0040EEEE000100D1FE001F00004400004400002000006A0000',
    );
  });

  it('table 17: WriteData in CommMode.FULL (IV, ciphertext, MACt, response MAC)', () => {
    const s = t14(0);
    const ndef =
      '0051D1014D550463686F6F73652E75726C2E636F6D2F6E7461673432343F653D' +
      '30'.repeat(32) +
      '26633D' +
      '30'.repeat(16);
    const data = ndef + '00'.repeat(0x80 - 0x53);
    expect(toHex(commandIv(s))).toBe('D2CB7277A17841A06654A48188C1F8F5');
    expect(apdu(s, 0x8d, 'full', '02000000800000', data)).toBe(
      '908D00009F02000000800000' +
        '421C73A27D827658AF481FDFF20A5025B559D0E3AA21E58D347F343CFFC768BFE596C706BC00F2176781D4B0242642' +
        'A0FF5A42C461AAF894D9A1284B8C76BCFA658ACD40555D362E08DB15CF421B51283F9064BCBE20E96CAE545B40' +
        '7C9D651A3315B27373772E5DA2367D2064AE054AF996C6F1F669170FA88CE8C4E3A4A7BBBEF0FD971FF532C3A802' +
        'AF745660F2B4' +
        'D1D9A8499661EBF3' +
        '00',
    );
    expect(open(s, 'full', 'FC222E5F7A5424529100')).toBe('');
  });

  it('table 18: ChangeFileSettings in CommMode.FULL at CmdCtr 1', () => {
    const s = t14(1);
    expect(apdu(s, 0x5f, 'full', '02', '4000E0C1F121200000430000430000')).toBe(
      '905F0000190261B6D97903566E84C3AE5274467E89EAD799B7C1A0EF7A0400',
    );
    expect(open(s, 'full', '57BFF87B1241E93D9100')).toBe('');
  });

  // Session keys of table 23 (AuthenticateEV2NonFirst with key 0x00 after table 21, TI 7614281A).
  const t23 = (ctr: number) =>
    session('7614281A', '4CF3CB41A22583A61E89B158D252FC53', '5529860B2FC5FB6154B7F28361D30BF9', ctr);

  it('table 23: AuthenticateEV2NonFirst session keys', () => {
    const keys = ev2SessionKeys(
      Buffer.alloc(16),
      hex('60BE759EDA560250AC57CDDC11743CF6'),
      hex('6924E8D09722659A2E7DEC68E66312B8'),
    );
    expect(toHex(keys.encKey)).toBe('4CF3CB41A22583A61E89B158D252FC53');
    expect(toHex(keys.macKey)).toBe('5529860B2FC5FB6154B7F28361D30BF9');
  });

  it('table 25: ChangeKey case 1, a key other than the session key (key 2), with CRC32NK', () => {
    const newKey = hex('F3847D627727ED3BC9C4CC050489B966');
    expect(toHex(crc32nk(newKey))).toBe('789DFADC');
    const cryptogram = toHex(newKey) + '01' + '789DFADC'; // old key 2 is all zero: new ⊕ old = new
    expect(apdu(t23(2), 0xc4, 'full', '02', cryptogram)).toBe(
      '90C4000029022CF362B7BF4311FF3BE1DAA295E8C68DE09050560D19B9E16C2393AE9CD1FAC75D0CE20BCD1D06E600',
    );
    expect(open(t23(2), 'full', '203BB55D1089D5879100')).toBe('');
  });

  it('table 26: ChangeKey case 2, the session key (key 0): IV and APDU', () => {
    expect(toHex(commandIv(t23(3)))).toBe('01602D579423B2797BE8B478B0B4D27B');
    expect(apdu(t23(3), 0xc4, 'full', '00', '5004BF991F408672B1EF00F08F9E8647' + '01')).toBe(
      '90C400002900C0EB4DEEFEDDF0B513A03A95A75491818580503190D4D05053FF75668A01D6FDA6610234BDED643200',
    );
  });

  it('table 28: GetCardUID, command MAC only, response encrypted', () => {
    const s = session('DF055522', '2B4D963C014DC36F24F69A50A394F875', '379D32130CE61705DD5FD8C36B95D764', 0);
    expect(apdu(s, 0x51, 'full', '')).toBe('90510000088E2C155ADDA99BE300');
    expect(toHex(responseIv(s))).toBe('7F6BB0B278EA054CBD238C5D9E9E342B');
    expect(open(s, 'full', '70756055688505B52A5E26E59E329CD6595F672298EA41B79100')).toBe('04958CAA5C5E80');
  });
});

describe('AN12343 (MIFARE DESFire Light features and hints)', () => {
  it('table 16: AuthenticateEV2First session keys', () => {
    const keys = ev2SessionKeys(
      Buffer.alloc(16),
      hex('B04D0787C93EE0CC8CACC8E86F16C6FE'),
      hex('FA659AD0DCA738DD65DC7DC38612AD81'),
    );
    expect(toHex(keys.encKey)).toBe('63DC07286289A7A6C0334CA31C314A04');
    expect(toHex(keys.macKey)).toBe('774F26743ECE6AF5033B6AE8522946F6');
  });

  const macSession = (ctr: number) =>
    session('E2D3AF69', 'C4C9F2A734F32967FAC80A0F37C764F0', '9366FA195EB566F5BD2BAD4020B83002', ctr);
  const fullSession = (ctr: number) =>
    session('CD73D8E5', 'FFBCFE1F41840A09C9A88D0A4B10DF05', '37E7234B11BEBEFDE41A8F290090EF80', ctr);
  const fileContent = '22'.repeat(25) + '00'.repeat(23);

  it('tables 23 and 24: WriteData then ReadData in CommMode.MAC', () => {
    expect(apdu(macSession(0), 0x8d, 'mac', '00000000190000', '22'.repeat(25))).toBe(
      '908D0000280000000019000022222222222222222222222222222222222222222222222222' +
        '68F2C28C575A1628' +
        '00',
    );
    expect(open(macSession(0), 'mac', '0820F68898C2A7F19100')).toBe('');
    expect(apdu(macSession(1), 0xad, 'mac', '00000000300000')).toBe(
      '90AD00000F000000003000000D9BE191D596083400',
    );
    expect(open(macSession(1), 'mac', fileContent + 'A49A44222D926666' + '9100')).toBe(
      fileContent.toUpperCase(),
    );
  });

  it('tables 25 and 26: WriteData then ReadData in CommMode.FULL', () => {
    expect(apdu(fullSession(0), 0x8d, 'full', '00000000190000', '22'.repeat(25))).toBe(
      '908D00002F00000000190000' +
        'D7446FBC912580C0A65E738D28B609E43ADBB8FB2B4CA68744D1BBEBB37EBD32' +
        '700ADF7BB9F62A6C' +
        '00',
    );
    expect(open(fullSession(0), 'full', 'B9A534A7A73EE0DD9100')).toBe('');
    expect(apdu(fullSession(1), 0xad, 'full', '00000000300000')).toBe(
      '90AD00000F000000003000007CF94F122B3DB05F00',
    );
    const response =
      '8848D0F9B9FD4495770C89925B2A85C7274D350FA9029C484D43804886662DC42D7F40A6D7A415E4A71EFF79EB8E5721' +
      'AC3BF1CAAFE8EB2CAA2DC162E67A97A3' +
      '8ED7888F22B3A587' +
      '9100';
    expect(open(fullSession(1), 'full', response)).toBe(fileContent.toUpperCase());
  });

  it('table 39: GetKeyVersion in CommMode.MAC', () => {
    const s = session('5084A1A3', '00000000000000000000000000000000', 'AAB799EBB2B22AC79D7F3EB0E1CFD49E', 0);
    expect(apdu(s, 0x64, 'mac', '00')).toBe('9064000009007F0A6EABC174B6DF00');
  });

  it('table 40: ChangeKey of the session key (key 0) at CmdCtr 0', () => {
    const s = session('94297F4D', 'E156C8522F7C8DC82B0C99BA847DE723', '45D50C1570000D2F173DF949288E3CAD', 0);
    expect(toHex(commandIv(s))).toBe('BF4A2FB89311ED58E9DCBE56FC17794C');
    expect(apdu(s, 0xc4, 'full', '00', '01234567890123456789012345678901' + '00')).toBe(
      '90C4000029' +
        '00' +
        'BF5400DC97A1FBD65BE870716D6F11F8161BB4CA472856DB94AB94B2EC1A13E6' +
        '27CE07CF56C11091' +
        '00',
    );
  });
});

describe('CRC32NK', () => {
  it('is CRC-32 without the final xor ("123456789": CRC-32 CBF43926, so CRC32NK 340BC6D9, LSB first)', () => {
    expect(toHex(crc32nk(Buffer.from('123456789')))).toBe('D9C60B34');
  });
});
