export { CipherState } from './cipher-state.js';
export { HandshakeState, type HandshakeOptions, type SplitResult } from './handshake-state.js';
export { parseProtocolName, type HandshakePattern, type Protocol, type Token } from './patterns.js';
export {
  decrypt,
  dh,
  encrypt,
  exportPrivate,
  generateKeyPair,
  hash,
  hkdf,
  importPublic,
  keyPairFromPrivate,
  NoiseError,
  type CipherName,
  type HashName,
  type KeyPair,
} from './suite.js';
export { SymmetricState } from './symmetric-state.js';
