import { strings } from './strings.js';

/** Strings of the access screens. */
export const access = strings({}, {});
