import { strings } from './strings.js';

/** Strings of the auth screens. */
export const auth = strings({}, {});
