import { common } from './common.js';

/**
 * Every namespace of strings, English and Spanish side by side. A screen adds its own file here; the
 * i18n test checks that both languages have exactly the same keys and no empty string.
 */
export const resources = {
  common,
};

/** The name of a namespace of strings. */
export type Namespace = keyof typeof resources;
