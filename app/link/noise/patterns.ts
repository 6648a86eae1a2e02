import { NoiseError, type CipherName, type HashName } from './suite.js';

/** Tokens of a message pattern (Noise sections 7 and 9). */
export type Token = 'e' | 's' | 'ee' | 'es' | 'se' | 'ss' | 'psk';

export interface HandshakePattern {
  /** Pre-message tokens ('e' or 's') the initiator's peer knows in advance, and vice versa. */
  readonly initiatorPre: readonly Token[];
  readonly responderPre: readonly Token[];
  /** Messages alternate, starting with the initiator. */
  readonly messages: readonly (readonly Token[])[];
}

/** Only the patterns Lintel uses (IK for the link, XX for enrolment); more can be added from section 7. */
const BASE: Record<string, HandshakePattern> = {
  IK: {
    initiatorPre: [],
    responderPre: ['s'],
    messages: [
      ['e', 'es', 's', 'ss'],
      ['e', 'ee', 'se'],
    ],
  },
  XX: {
    initiatorPre: [],
    responderPre: [],
    messages: [['e'], ['e', 'ee', 's', 'es'], ['s', 'se']],
  },
};

export interface Protocol {
  readonly name: string;
  readonly pattern: HandshakePattern;
  /** True when any psk modifier is present: then every 'e' also does MixKey(e.public) (section 9.2). */
  readonly psk: boolean;
  readonly cipher: CipherName;
  readonly hash: HashName;
}

/** Applies pskN modifiers (section 9.3): psk0 starts the first message, pskN ends message N. */
function withPsks(base: HandshakePattern, modifiers: string[]): HandshakePattern {
  const messages = base.messages.map((m) => [...m]);
  for (const mod of modifiers) {
    const match = /^psk(\d+)$/.exec(mod);
    if (!match) throw new NoiseError(`unsupported pattern modifier ${mod}`);
    const n = Number(match[1]);
    if (n > messages.length) throw new NoiseError(`${mod} names a message the pattern does not have`);
    if (n === 0) messages[0]!.unshift('psk');
    else messages[n - 1]!.push('psk');
  }
  return { ...base, messages };
}

/** Parses `Noise_<pattern>_25519_<cipher>_<hash>` (section 8), e.g. Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s. */
export function parseProtocolName(name: string): Protocol {
  const parts = name.split('_');
  const [noise, patternPart, dhName, cipher, hashName] = parts;
  if (parts.length !== 5 || noise !== 'Noise' || patternPart === undefined) {
    throw new NoiseError(`not a Noise protocol name: ${name}`);
  }
  const m = /^([A-Z]+)(.*)$/.exec(patternPart);
  const base = m && BASE[m[1]!];
  if (!m || !base) throw new NoiseError(`unsupported handshake pattern in ${name}`);
  if (dhName !== '25519') throw new NoiseError(`unsupported DH function ${dhName ?? ''}`);
  if (cipher !== 'ChaChaPoly' && cipher !== 'AESGCM')
    throw new NoiseError(`unsupported cipher ${cipher ?? ''}`);
  if (hashName !== 'BLAKE2s' && hashName !== 'SHA256')
    throw new NoiseError(`unsupported hash ${hashName ?? ''}`);
  const modifiers = m[2] ? m[2].split('+') : [];
  return { name, pattern: withPsks(base, modifiers), psk: modifiers.length > 0, cipher, hash: hashName };
}
