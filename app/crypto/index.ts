export { AeadOpenError, open, seal } from './aead.js';
export { secretsEqual } from './compare.js';
export { bearerToken, humanToken, normaliseHumanToken } from './random.js';
