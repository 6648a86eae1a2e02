/** The Lintel card: format (card-format.ts), DESFire layout (card-layout.ts), keys (card-keys.ts), operations (lintel-card.ts). */
export * from './card-format.js';
export * from './card-layout.js';
export * from './card-keys.js';
export * from './lintel-card.js';
export { CardError, type CardErrorCode } from './card-error.js';
