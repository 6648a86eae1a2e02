import { describe, expect, it } from 'vitest';
import { readVectors } from '../../test/helpers/temp-site.js';
import { PasswordHasher } from '../service/passwords.js';
import { argon2idKey } from './argon2.js';

interface Argon2Vectors {
  rfc9106: {
    common_inputs: {
      password: string;
      salt: string;
      secret: string;
      associated_data: string;
      t: number;
      m_kib: number;
      p: number;
      tag_length: number;
    };
    argon2id: { tag: string };
  };
}

describe('Argon2id (the argon2 package, as used for passphrases and operator passwords)', () => {
  it('reproduces RFC 9106 §5.3', async () => {
    const v = readVectors<Argon2Vectors>('argon2-rfc9106.json').rfc9106;
    const c = v.common_inputs;
    const tag = await argon2idKey(
      Buffer.from(c.password, 'hex'),
      Buffer.from(c.salt, 'hex'),
      { memoryKiB: c.m_kib, iterations: c.t, parallelism: c.p },
      {
        secret: Buffer.from(c.secret, 'hex'),
        associatedData: Buffer.from(c.associated_data, 'hex'),
        length: c.tag_length,
      },
    );
    expect(tag.toString('hex')).toBe(v.argon2id.tag);
  });
});

interface PhcVector {
  password: string;
  salt_ascii: string;
  t: number;
  m_kib: number;
  p: number;
  tag_hex: string;
  encoded: string;
}

describe('Argon2id PHC strings (phc-winner-argon2 src/test.c)', () => {
  const vectors = readVectors<{ phc_strings: PhcVector[] }>('argon2-rfc9106.json').phc_strings;

  it.each(vectors.map((v) => [v.encoded, v] as const))('%s', async (_encoded, v) => {
    const tag = await argon2idKey(v.password, Buffer.from(v.salt_ascii, 'ascii'), {
      memoryKiB: v.m_kib,
      iterations: v.t,
      parallelism: v.p,
    });
    expect(tag.toString('hex')).toBe(v.tag_hex);
    const hasher = new PasswordHasher();
    expect(await hasher.verify(v.encoded, v.password)).toBe(true);
    expect(await hasher.verify(v.encoded, `${v.password}x`)).toBe(false);
  });
});
