import { strings } from './strings.js';

/** Strings of the directory screens. */
export const directory = strings({}, {});
