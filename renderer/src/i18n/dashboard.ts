import { strings } from './strings.js';

/** Strings of the dashboard screens. */
export const dashboard = strings({}, {});
