import { strings } from './strings.js';

/** Strings of the users screens. */
export const users = strings({}, {});
