import { strings } from './strings.js';

/** Strings of the events screens. */
export const events = strings({}, {});
