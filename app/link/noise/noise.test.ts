import { describe, expect, it } from 'vitest';
import { readVectors } from '../../../test/helpers/temp-site.js';
import { HandshakeState, keyPairFromPrivate, NoiseError, type CipherState } from './index.js';

interface NoiseVector {
  protocol_name: string;
  init_prologue: string;
  init_psks?: string[];
  init_static?: string;
  init_ephemeral: string;
  init_remote_static?: string;
  resp_prologue: string;
  resp_psks?: string[];
  resp_static?: string;
  resp_ephemeral?: string;
  resp_remote_static?: string;
  handshake_hash?: string;
  messages: { payload: string; ciphertext: string }[];
}

const hex = (s: string) => Buffer.from(s, 'hex');
const key = (s: string | undefined) => (s ? keyPairFromPrivate(hex(s)) : undefined);

function run(v: NoiseVector): void {
  const common = { protocolName: v.protocol_name };
  const init = new HandshakeState({
    ...common,
    initiator: true,
    prologue: hex(v.init_prologue),
    s: key(v.init_static),
    e: key(v.init_ephemeral),
    rs: v.init_remote_static ? hex(v.init_remote_static) : undefined,
    psks: (v.init_psks ?? []).map(hex),
  });
  const resp = new HandshakeState({
    ...common,
    initiator: false,
    prologue: hex(v.resp_prologue),
    s: key(v.resp_static),
    e: key(v.resp_ephemeral),
    rs: v.resp_remote_static ? hex(v.resp_remote_static) : undefined,
    psks: (v.resp_psks ?? []).map(hex),
  });
  const handshakeLength = init.protocol.pattern.messages.length;
  let transport: { i: [CipherState, CipherState]; r: [CipherState, CipherState] } | undefined;
  v.messages.forEach((m, i) => {
    const fromInitiator = i % 2 === 0;
    let wire: Buffer;
    let read: Buffer;
    if (i < handshakeLength) {
      const [w, r] = fromInitiator ? [init, resp] : [resp, init];
      wire = w.writeMessage(hex(m.payload));
      read = r.readMessage(wire);
    } else {
      transport ??= {
        i: [init.finished!.c1, init.finished!.c2],
        r: [resp.finished!.c1, resp.finished!.c2],
      };
      // The initiator sends with c1 and the responder with c2; each reads with the other one.
      const [send, recv] = fromInitiator
        ? [transport.i[0], transport.r[0]]
        : [transport.r[1], transport.i[1]];
      wire = send.encryptWithAd(Buffer.alloc(0), hex(m.payload));
      read = recv.decryptWithAd(Buffer.alloc(0), wire);
    }
    expect(wire.toString('hex'), `message ${i}`).toBe(m.ciphertext);
    expect(read.toString('hex')).toBe(m.payload);
  });
  expect(init.finished?.handshakeHash.toString('hex')).toBe(resp.finished?.handshakeHash.toString('hex'));
  if (v.handshake_hash) expect(init.finished?.handshakeHash.toString('hex')).toBe(v.handshake_hash);
}

describe.each(['cacophony-IK-IKpsk2-XX.json', 'snow-IK-XX.json'])('Noise vectors %s', (file) => {
  const { vectors } = readVectors<{ vectors: NoiseVector[] }>(`noise/${file}`);
  it('covers IK, XX and a psk variant with both ciphers and both hashes', () => {
    const names = vectors.map((v) => v.protocol_name);
    for (const p of ['IK', 'XX']) {
      for (const c of ['ChaChaPoly', 'AESGCM']) {
        for (const h of ['BLAKE2s', 'SHA256']) expect(names).toContain(`Noise_${p}_25519_${c}_${h}`);
      }
    }
    expect(names.some((n) => n.includes('psk'))).toBe(true);
  });
  it.each(vectors.map((v) => [v.protocol_name, v] as const))('%s', (_name, v) => run(v));
});

describe('HandshakeState refusals', () => {
  const name = 'Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s';
  const rs = keyPairFromPrivate(Buffer.alloc(32, 7));
  const is = keyPairFromPrivate(Buffer.alloc(32, 9));
  const psk = Buffer.alloc(32, 1);

  it('refuses an altered message and is unchanged by it', () => {
    const i = new HandshakeState({
      protocolName: name,
      initiator: true,
      s: is,
      rs: rs.publicKey,
      psks: [psk],
    });
    const r = new HandshakeState({ protocolName: name, initiator: false, s: rs, psks: [psk] });
    const m = i.writeMessage(Buffer.from('hi'));
    for (const at of [0, 40, m.length - 1]) {
      const bad = Buffer.from(m);
      bad[at] = bad[at]! ^ 1;
      expect(() => r.readMessage(bad)).toThrow(NoiseError);
    }
    expect(() => r.readMessage(m.subarray(0, 50))).toThrow(NoiseError);
    expect(r.readMessage(m).toString()).toBe('hi');
    expect(r.remoteStatic?.equals(is.publicKey)).toBe(true);
    i.readMessage(r.writeMessage(Buffer.alloc(0)));
    expect(i.finished?.handshakeHash.equals(r.finished!.handshakeHash)).toBe(true);
  });

  it('refuses a wrong psk at message 2', () => {
    const i = new HandshakeState({
      protocolName: name,
      initiator: true,
      s: is,
      rs: rs.publicKey,
      psks: [psk],
    });
    const r = new HandshakeState({
      protocolName: name,
      initiator: false,
      s: rs,
      psks: [Buffer.alloc(32, 2)],
    });
    r.readMessage(i.writeMessage(Buffer.alloc(0)));
    expect(() => i.readMessage(r.writeMessage(Buffer.alloc(0)))).toThrow(NoiseError);
  });

  it('refuses a low-order ephemeral', () => {
    const r = new HandshakeState({ protocolName: name, initiator: false, s: rs, psks: [psk] });
    expect(() => r.readMessage(Buffer.alloc(32 + 48 + 16))).toThrow(NoiseError);
  });

  it('refuses unknown names and out-of-turn use', () => {
    expect(
      () => new HandshakeState({ protocolName: 'Noise_NN_25519_ChaChaPoly_BLAKE2s', initiator: true }),
    ).toThrow(NoiseError);
    expect(
      () => new HandshakeState({ protocolName: 'Noise_XXpsk9_25519_AESGCM_SHA256', initiator: true }),
    ).toThrow(NoiseError);
    const x = new HandshakeState({ protocolName: 'Noise_XX_25519_AESGCM_SHA256', initiator: false, s: rs });
    expect(() => x.writeMessage(Buffer.alloc(0))).toThrow(/turn/);
  });
});
