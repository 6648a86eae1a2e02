import { randomBytes } from 'node:crypto';

/** Crockford base32 alphabet: no I, L, O, U, so a token read aloud or typed is hard to get wrong. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A random token for people to type: `bytes` of CSPRNG output in Crockford base32, in dashed groups of 4. */
export function humanToken(bytes = 15): string {
  const raw = randomBytes(bytes);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of raw) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += CROCKFORD[(value << (5 - bits)) & 31];
  return out.match(/.{1,4}/g)!.join('-');
}

/** Normalises a typed human token: case, dashes, spaces and the letters people confuse with digits. */
export function normaliseHumanToken(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

/** A random bearer token: 32 bytes of CSPRNG output, base64url. */
export function bearerToken(): string {
  return randomBytes(32).toString('base64url');
}
