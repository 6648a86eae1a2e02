import { strings } from './strings.js';

/** Strings of the operators screens. */
export const operators = strings({}, {});
