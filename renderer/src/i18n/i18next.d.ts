import 'i18next';
import type { resources } from './resources.js';

// Keys passed to t() are checked against the English strings.
declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'common';
    resources: { [K in keyof typeof resources]: (typeof resources)[K]['en'] };
  }
}
