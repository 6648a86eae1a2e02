export { AeadOpenError, open, seal } from './aead.js';
export { an10922Aes128 } from './an10922.js';
export { aesCbcEncrypt, aesCmac, cmacSubkeys } from './cmac.js';
export { secretsEqual } from './compare.js';
export { ev2SessionKeys, ev2SessionVector, type Ev2SessionKeys } from './ev2-session.js';
export { bearerToken, humanToken, normaliseHumanToken } from './random.js';
