import { strings } from './strings.js';

/** Strings of the schedules screens. */
export const schedules = strings({}, {});
