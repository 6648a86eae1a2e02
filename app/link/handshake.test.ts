import { describe, expect, it } from 'vitest';
import { COOKIE_LIFETIME } from './constants.js';
import { decodeMessage, INITIATION_BYTES, RESPONSE_BYTES, COOKIE_REPLY_BYTES } from './formats.js';
import { Initiator, Responder, type InitiationOutcome } from './handshake.js';
import { mac1Key, writeMacs } from './macs.js';
import { testKey } from './test-keys.js';

const server = testKey(1);
const device = testKey(2);
const stranger = testKey(3);
const psk = Buffer.alloc(32, 0x5a);
const here = { address: '192.0.2.10', port: 51820 };
const T0 = 1_780_000_000_000;

function pair(opts: { devicePsk?: Buffer; serverPsk?: Buffer; key?: typeof device } = {}) {
  const initiator = new Initiator({
    staticKey: opts.key ?? device,
    peerPublic: server.publicKey,
    psk: opts.devicePsk,
  });
  const responder = new Responder({
    staticKey: server,
    peers: [{ publicKey: device.publicKey, psk: opts.serverPsk }],
  });
  return { initiator, responder };
}

function accepted(o: InitiationOutcome) {
  if (o.kind !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(o)}`);
  return o;
}

describe('IKpsk2 link handshake', () => {
  it('completes and carries transport data both ways', () => {
    const { initiator, responder } = pair({ devicePsk: psk, serverPsk: psk });
    const m1 = initiator.createInitiation(T0);
    expect(m1.length).toBe(INITIATION_BYTES);
    const acc = accepted(responder.consumeInitiation(m1, here, T0));
    expect(acc.peerPublic.equals(device.publicKey)).toBe(true);
    const { message: m2, session: rs } = acc.createResponse(T0);
    expect(m2.length).toBe(RESPONSE_BYTES);
    const out = initiator.consumeResponse(m2, T0);
    if (!out.ok) throw new Error(out.reason);
    const is = out.session;
    expect(is.handshakeHash.equals(rs.handshakeHash)).toBe(true);
    expect(is.remoteIndex).toBe(rs.localIndex);
    expect(rs.remoteIndex).toBe(is.localIndex);
    // The responder waits for proof that the initiator holds the keys before it sends.
    expect(rs.canSendNow).toBe(false);
    expect(() => rs.seal(Buffer.from('early'), T0)).toThrow(/not confirmed/);
    const hello = rs.open(is.seal(Buffer.from('open door 7'), T0), T0);
    expect(hello).toEqual({ ok: true, plaintext: Buffer.from('open door 7') });
    const back = is.open(rs.seal(Buffer.from('done'), T0), T0);
    expect(back).toEqual({ ok: true, plaintext: Buffer.from('done') });
  });

  it('works with no psk (all zeros on both sides) and fails on a psk mismatch', () => {
    const a = pair();
    const m2 = accepted(
      a.responder.consumeInitiation(a.initiator.createInitiation(T0), here, T0),
    ).createResponse(T0);
    expect(a.initiator.consumeResponse(m2.message, T0).ok).toBe(true);
    const b = pair({ devicePsk: psk });
    const r2 = accepted(
      b.responder.consumeInitiation(b.initiator.createInitiation(T0), here, T0),
    ).createResponse(T0);
    expect(b.initiator.consumeResponse(r2.message, T0)).toEqual({ ok: false, reason: 'not-authentic' });
  });

  it('refuses an unpinned initiator', () => {
    const { responder } = pair();
    const intruder = new Initiator({ staticKey: stranger, peerPublic: server.publicKey });
    expect(responder.consumeInitiation(intruder.createInitiation(T0), here, T0)).toEqual({
      kind: 'refused',
      reason: 'unknown-peer',
    });
  });

  it('refuses a replayed initiation, and an older one delivered late', () => {
    const { initiator, responder } = pair();
    const older = initiator.createInitiation(T0);
    const newer = initiator.createInitiation(T0 + 1000);
    accepted(responder.consumeInitiation(newer, here, T0 + 1000));
    expect(responder.consumeInitiation(newer, here, T0 + 2000)).toEqual({
      kind: 'refused',
      reason: 'replayed-initiation',
    });
    expect(responder.consumeInitiation(older, here, T0 + 2000)).toMatchObject({
      reason: 'replayed-initiation',
    });
    // A later initiation still works: the refusals did not move the stored timestamp.
    accepted(responder.consumeInitiation(initiator.createInitiation(T0 + 3000), here, T0 + 3000));
  });

  it('keeps timestamps increasing when the clock stalls or steps back', () => {
    const { initiator, responder } = pair();
    accepted(responder.consumeInitiation(initiator.createInitiation(T0), here, T0));
    accepted(responder.consumeInitiation(initiator.createInitiation(T0), here, T0));
    accepted(responder.consumeInitiation(initiator.createInitiation(T0 - 60_000), here, T0));
  });

  it('drops an initiation whose mac1 or body was altered, before any DH', () => {
    const { initiator, responder } = pair();
    const m1 = initiator.createInitiation(T0);
    for (const at of [0 + 4, 20, 100, 116, 131]) {
      const bad = Buffer.from(m1);
      bad[at] = bad[at]! ^ 0x01;
      expect(responder.consumeInitiation(bad, here, T0)).toEqual({ kind: 'refused', reason: 'bad-mac1' });
    }
    // A body altered by someone who recomputes mac1 (it is keyed by a public key) fails in Noise.
    const forged = Buffer.from(m1);
    forged[50] = forged[50]! ^ 1;
    writeMacs(forged, mac1Key(server.publicKey), undefined);
    expect(responder.consumeInitiation(forged, here, T0)).toEqual({
      kind: 'refused',
      reason: 'not-authentic',
    });
    accepted(responder.consumeInitiation(m1, here, T0));
  });

  it('refuses altered, misdirected and truncated responses and keeps the pending handshake', () => {
    const { initiator, responder } = pair();
    const m2 = accepted(responder.consumeInitiation(initiator.createInitiation(T0), here, T0)).createResponse(
      T0,
    ).message;
    const badMac = Buffer.from(m2);
    badMac[70] = badMac[70]! ^ 1;
    expect(initiator.consumeResponse(badMac, T0)).toEqual({ ok: false, reason: 'bad-mac1' });
    const forged = Buffer.from(m2);
    forged[20] = forged[20]! ^ 1;
    writeMacs(forged, mac1Key(device.publicKey), undefined);
    expect(initiator.consumeResponse(forged, T0)).toEqual({ ok: false, reason: 'not-authentic' });
    const misdirected = Buffer.from(m2);
    misdirected.writeUInt32LE((misdirected.readUInt32LE(8) ^ 1) >>> 0, 8);
    expect(initiator.consumeResponse(misdirected, T0)).toEqual({ ok: false, reason: 'unexpected' });
    expect(initiator.consumeResponse(m2.subarray(0, 91), T0)).toEqual({ ok: false, reason: 'malformed' });
    expect(initiator.consumeResponse(m2, T0).ok).toBe(true);
    expect(initiator.consumeResponse(m2, T0)).toEqual({ ok: false, reason: 'unexpected' });
  });
});

describe('cookie reply under load', () => {
  it('answers with a cookie, then accepts the retry carrying mac2', () => {
    const { initiator, responder } = pair();
    const first = responder.consumeInitiation(initiator.createInitiation(T0), here, T0, true);
    if (first.kind !== 'cookie') throw new Error('expected a cookie reply');
    expect(first.reply.length).toBe(COOKIE_REPLY_BYTES);
    expect(decodeMessage(first.reply).type).toBe(3);
    expect(initiator.consumeCookieReply(first.reply, T0)).toBe(true);
    const retry = initiator.createInitiation(T0 + 10);
    expect(retry.subarray(132).equals(Buffer.alloc(16))).toBe(false);
    const ok = accepted(responder.consumeInitiation(retry, here, T0 + 10, true));
    expect(initiator.consumeResponse(ok.createResponse(T0 + 10).message, T0 + 10).ok).toBe(true);
  });

  it('refuses a cookie earned at another address or port, and an expired cookie', () => {
    const { initiator, responder } = pair();
    const first = responder.consumeInitiation(initiator.createInitiation(T0), here, T0, true);
    if (first.kind !== 'cookie') throw new Error('expected a cookie reply');
    initiator.consumeCookieReply(first.reply, T0);
    const elsewhere = { address: '198.51.100.7', port: here.port };
    expect(
      responder.consumeInitiation(initiator.createInitiation(T0 + 1), elsewhere, T0 + 1, true).kind,
    ).toBe('cookie');
    const otherPort = { address: here.address, port: here.port + 1 };
    expect(
      responder.consumeInitiation(initiator.createInitiation(T0 + 2), otherPort, T0 + 2, true).kind,
    ).toBe('cookie');
    const late = T0 + COOKIE_LIFETIME + 1;
    expect(initiator.createInitiation(late).subarray(132).equals(Buffer.alloc(16))).toBe(true);
  });

  it('answers a valid-mac1 flood with cookies without doing Noise work', () => {
    const { responder } = pair();
    // Garbage Noise bytes with a correct mac1: under load this gets a cookie, not a DH attempt.
    const junk = Buffer.alloc(INITIATION_BYTES);
    junk[0] = 1;
    writeMacs(junk, mac1Key(server.publicKey), undefined);
    expect(responder.consumeInitiation(junk, here, T0, true).kind).toBe('cookie');
    expect(responder.consumeInitiation(junk, here, T0, false)).toEqual({
      kind: 'refused',
      reason: 'not-authentic',
    });
  });

  it('ignores a cookie reply that does not answer the pending initiation', () => {
    const { initiator, responder } = pair();
    const first = responder.consumeInitiation(initiator.createInitiation(T0), here, T0, true);
    if (first.kind !== 'cookie') throw new Error('expected a cookie reply');
    initiator.createInitiation(T0 + 1); // a new initiation: new index and mac1
    expect(initiator.consumeCookieReply(first.reply, T0 + 1)).toBe(false);
    const other = new Initiator({ staticKey: device, peerPublic: stranger.publicKey });
    other.createInitiation(T0);
    expect(other.consumeCookieReply(first.reply, T0)).toBe(false);
  });
});
