import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { blake2s } from '@noble/hashes/blake2.js';
import { describe, expect, it } from 'vitest';
import { enrolmentHandshake, pairingPsk } from './enrolment.js';
import { mac } from './macs.js';
import { NoiseError } from './noise/suite.js';
import { tai64n, tai64nAfter, tai64nNext } from './tai64n.js';
import { testKey } from './test-keys.js';

describe('TAI64N', () => {
  it('labels the Unix epoch as 2^62 + 10 s', () => {
    expect(tai64n(0).toString('hex')).toBe('400000000000000a00000000');
    expect(tai64n(1500).toString('hex')).toBe('400000000000000b1dcd6500');
  });

  it('orders like the clock, and next() is always later', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 45 }), fc.integer({ min: 1, max: 2 ** 30 }), (a, d) => {
        expect(tai64nAfter(tai64n(a + d), tai64n(a))).toBe(true);
        expect(tai64nAfter(tai64n(a), tai64n(a + d))).toBe(false);
        expect(tai64nAfter(tai64nNext(tai64n(a)), tai64n(a))).toBe(true);
      }),
    );
    expect(tai64nNext(Buffer.from('400000000000000a3b9ac9ff', 'hex')).toString('hex')).toBe(
      '400000000000000b00000000',
    );
  });
});

describe('BLAKE2s anchors', () => {
  it('node blake2s256 matches RFC 7693 appendix B, noble keyed BLAKE2s matches the BLAKE2 KAT', () => {
    expect(createHash('blake2s256').update('abc').digest('hex')).toBe(
      '508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982',
    );
    const key = Buffer.from([...Array(32).keys()]);
    expect(Buffer.from(blake2s(new Uint8Array(0), { key })).toString('hex')).toBe(
      '48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49',
    );
    // mac() is BLAKE2s with a 16-byte digest length parameter, not a truncated 32-byte digest.
    expect(mac(key, new Uint8Array(0)).length).toBe(16);
    expect(mac(key, new Uint8Array(0)).toString('hex')).not.toBe('48a8997da407876b3d79c0d92325ad3b');
  });
});

describe('enrolment (XXpsk3 with the pairing code)', () => {
  const device = testKey(4);
  const service = testKey(5);

  function run(deviceCode: string, serviceCode: string) {
    const i = enrolmentHandshake({ initiator: true, staticKey: device, pairingCode: deviceCode });
    const r = enrolmentHandshake({ initiator: false, staticKey: service, pairingCode: serviceCode });
    r.readMessage(i.writeMessage(Buffer.alloc(0)));
    i.readMessage(r.writeMessage(Buffer.alloc(0)));
    r.readMessage(i.writeMessage(Buffer.from('unit CU-7')));
    return { i, r };
  }

  it('pins both static keys when the codes match as typed', () => {
    const { i, r } = run('7H3K-9QXA-2M4P-TT0Z', '7h3k9qxa2m4pttoz');
    expect(i.remoteStatic?.equals(service.publicKey)).toBe(true);
    expect(r.remoteStatic?.equals(device.publicKey)).toBe(true);
    expect(i.finished?.handshakeHash.equals(r.finished!.handshakeHash)).toBe(true);
    const hello = r.finished!.c2.encryptWithAd(Buffer.alloc(0), Buffer.from('enrolled'));
    expect(i.finished!.c2.decryptWithAd(Buffer.alloc(0), hello).toString()).toBe('enrolled');
  });

  it('fails at message 3 on the Service when the codes differ', () => {
    expect(() => run('7H3K-9QXA-2M4P-TT0Z', '7H3K-9QXA-2M4P-TT01')).toThrow(NoiseError);
    expect(pairingPsk('abcd-efgh')).toEqual(pairingPsk('ABCDEFGH'));
  });
});
