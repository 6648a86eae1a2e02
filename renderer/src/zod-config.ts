import { z } from 'zod';

// zod compiles object schemas with `new Function` unless told not to, and probes for it first; the
// console's CSP (script-src 'self') forbids eval, and even the probe is reported as a violation.
// Imported first by main.tsx, before any schema parses.
z.config({ jitless: true });
