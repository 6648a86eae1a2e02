import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pairConfirmation, pairingKeyPair, unwrapPairingKey, wrapPairingKey } from './ncoder-pairing.js';
import { SecureSession, authProof, deriveSessionKeys, proofMatches } from './ncoder-session.js';

const serial = 'NC-00C0FFEE';

function sessions(key = randomBytes(16)) {
  const rndA = randomBytes(16);
  const rndB = randomBytes(16);
  return {
    host: new SecureSession(deriveSessionKeys(key, rndA, rndB, serial), 'host'),
    device: new SecureSession(deriveSessionKeys(key, rndA, rndB, serial), 'device'),
  };
}

describe('ncoder-session: authentication', () => {
  it('gives each role its own proof, bound to both nonces, the serial and the key', () => {
    const key = randomBytes(16);
    const a = randomBytes(16);
    const b = randomBytes(16);
    const device = authProof('device', key, a, b, serial);
    expect(authProof('host', key, a, b, serial).equals(device)).toBe(false); // no reflection
    expect(proofMatches(device, authProof('device', key, a, b, serial))).toBe(true);
    expect(proofMatches(device, authProof('device', randomBytes(16), a, b, serial))).toBe(false);
    expect(proofMatches(device, authProof('device', key, b, a, serial))).toBe(false);
    expect(proofMatches(device, authProof('device', key, a, b, 'NC-00C0FFEF'))).toBe(false);
  });

  it('derives distinct keys per direction and per session', () => {
    const key = randomBytes(16);
    const a = randomBytes(16);
    const b = randomBytes(16);
    const k = deriveSessionKeys(key, a, b, serial);
    expect(k.hostToDevice.equals(k.deviceToHost)).toBe(false);
    expect(deriveSessionKeys(key, a, b, serial).hostToDevice.equals(k.hostToDevice)).toBe(true);
    expect(deriveSessionKeys(key, a, randomBytes(16), serial).hostToDevice.equals(k.hostToDevice)).toBe(
      false,
    );
  });
});

describe('ncoder-session: sealing', () => {
  it('carries requests and answers, each counter used once and increasing', () => {
    const { host, device } = sessions();
    const counters = new Set<bigint>();
    let last = 0n;
    for (let i = 0; i < 50; i++) {
      const q = host.sealRequest(i & 0xff, { op: 'transceive', apdu: Uint8Array.of(0x90, 0x60, 0, 0, i) });
      expect(q.counter).toBeGreaterThan(last);
      last = q.counter;
      const opened = device.openRequest(q);
      expect(opened.ok && opened.request).toEqual({ op: 'transceive', apdu: Buffer.of(0x90, 0x60, 0, 0, i) });
      const a = device.sealResponse(q.xid, q.counter, { op: 'done' });
      expect(host.openResponse(a)).toEqual({ ok: true, response: { op: 'done' } });
      counters.add(q.counter);
      counters.add(a.counter + (1n << 63n)); // the device's counters live in another nonce space
    }
    expect(counters.size).toBe(100);
  });

  it('property: whatever is lost, repeated or reordered, no counter is accepted twice or out of order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant('send' as const), fc.constant('drop' as const), fc.nat(30)), {
          maxLength: 60,
        }),
        (script) => {
          const { host, device } = sessions();
          const sent: ReturnType<SecureSession['sealRequest']>[] = [];
          const accepted: bigint[] = [];
          for (const step of script) {
            let m;
            if (step === 'send' || step === 'drop') {
              m = host.sealRequest(sent.length & 0xff, { op: 'poll' });
              sent.push(m);
              if (step === 'drop') continue;
            } else {
              m = sent[sent.length - 1 - (step % Math.max(1, sent.length))];
              if (!m) continue;
            }
            if (device.openRequest(m).ok) accepted.push(m.counter);
          }
          expect(new Set(sent.map((m) => m.counter)).size).toBe(sent.length);
          for (let i = 1; i < accepted.length; i++) expect(accepted[i]!).toBeGreaterThan(accepted[i - 1]!);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a replayed, a reordered and an altered message, and goes on afterwards', () => {
    const { host, device } = sessions();
    const first = host.sealRequest(1, { op: 'poll' });
    const second = host.sealRequest(2, { op: 'field-reset' });
    expect(device.openRequest(second).ok).toBe(true);
    expect(device.openRequest(first)).toEqual({ ok: false, reason: 'replay' }); // arrived late: reordered
    expect(device.openRequest(second)).toEqual({ ok: false, reason: 'replay' }); // again: replayed
    const third = host.sealRequest(3, { op: 'poll' });
    const altered = { ...third, sealed: Uint8Array.from(third.sealed) };
    altered.sealed[0]! ^= 1;
    expect(device.openRequest(altered)).toEqual({ ok: false, reason: 'forged' });
    expect(device.openRequest({ ...third, xid: 4 })).toEqual({ ok: false, reason: 'forged' }); // header is AAD
    expect(device.openRequest({ ...third, counter: third.counter + 1n })).toEqual({
      ok: false,
      reason: 'forged',
    });
    expect(device.openRequest({ ...third, sealed: third.sealed.subarray(0, 10) })).toEqual({
      ok: false,
      reason: 'malformed',
    });
    // None of that moved the window: the genuine message still opens.
    expect(device.openRequest(third).ok).toBe(true);
    expect(device.refused).toEqual({ replay: 2, forged: 3, malformed: 1 });
  });

  it('binds an answer to the request it answers and to its direction', () => {
    const { host, device } = sessions();
    const q = host.sealRequest(9, { op: 'poll' });
    device.openRequest(q);
    const a = device.sealResponse(9, q.counter, { op: 'card', card: null });
    expect(host.openResponse({ ...a, inReplyTo: q.counter + 1n })).toEqual({ ok: false, reason: 'forged' });
    // A request reflected back to the host does not open as an answer.
    const reflected = {
      type: 'secure' as const,
      xid: q.xid,
      counter: q.counter,
      inReplyTo: q.counter,
      sealed: q.sealed,
    };
    expect(host.openResponse(reflected).ok).toBe(false);
    expect(host.openResponse(a).ok).toBe(true);
  });

  it('refuses another session’s messages and everything once destroyed', () => {
    const one = sessions();
    const two = sessions();
    expect(two.device.openRequest(one.host.sealRequest(1, { op: 'poll' })).ok).toBe(false);
    const q = one.host.sealRequest(2, { op: 'poll' });
    one.device.destroy();
    expect(one.device.openRequest(q).ok).toBe(false);
    one.host.destroy();
    expect(() => one.host.sealRequest(3, { op: 'poll' })).toThrow(/closed/);
  });
});

describe('ncoder-pairing', () => {
  it('hands the key over sealed to the device, which confirms it', () => {
    const device = pairingKeyPair();
    const key = randomBytes(16);
    const { hostPublicKey, wrappedKey } = wrapPairingKey(key, device.publicKey, serial);
    expect(Buffer.from(wrappedKey).includes(key)).toBe(false);
    const opened = unwrapPairingKey(device, hostPublicKey, wrappedKey, serial);
    expect(opened?.equals(key)).toBe(true);
    expect(
      pairConfirmation(key, serial, hostPublicKey).equals(pairConfirmation(opened!, serial, hostPublicKey)),
    ).toBe(true);
  });

  it('does not open for another device key, another serial, an altered box or a bad point', () => {
    const device = pairingKeyPair();
    const { hostPublicKey, wrappedKey } = wrapPairingKey(randomBytes(16), device.publicKey, serial);
    expect(unwrapPairingKey(pairingKeyPair(), hostPublicKey, wrappedKey, serial)).toBeUndefined();
    expect(unwrapPairingKey(device, hostPublicKey, wrappedKey, 'NC-OTHER')).toBeUndefined();
    const altered = Uint8Array.from(wrappedKey);
    altered[3]! ^= 0x80;
    expect(unwrapPairingKey(device, hostPublicKey, altered, serial)).toBeUndefined();
    expect(unwrapPairingKey(device, new Uint8Array(32), wrappedKey, serial)).toBeUndefined(); // low-order point
  });
});
