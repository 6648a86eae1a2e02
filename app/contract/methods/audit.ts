import { z } from 'zod';
import { method, needs } from '../method.js';
import { Timestamp } from '../schemas.js';

/** One entry of the operator audit log. */
export const AuditEntry = z.object({
  seq: z.number().int().positive(),
  at: Timestamp,
  operatorId: z.number().int().positive().nullable(),
  actor: z.string().describe('the username at the time, or "anonymous"'),
  action: z.string().describe('the method called, e.g. operators.create'),
  target: z.string().nullable().describe('what it acted on, e.g. operator:7'),
  outcome: z.string().describe('"ok" or the error name, e.g. FORBIDDEN'),
  source: z.string(),
  detail: z.record(z.string(), z.unknown()),
  hash: z.string().describe('SHA-256 chaining this entry to the previous one (hex)'),
});
/** One entry of the operator audit log. */
export type AuditEntry = z.infer<typeof AuditEntry>;

/** What checking the audit chain found. */
export const AuditVerification = z.object({
  ok: z.boolean(),
  entries: z.number().int().nonnegative(),
  head: z.object({ seq: z.number().int().nonnegative(), hash: z.string() }),
  firstBreak: z
    .object({ seq: z.number().int().positive(), reason: z.string() })
    .optional()
    .describe('the first entry whose hash or order does not follow from the one before'),
});
/** What checking the audit chain found. */
export type AuditVerification = z.infer<typeof AuditVerification>;

/** The operator audit log: filtered reading and chain verification. */
export const auditMethods = {
  'audit.list': method({
    summary: 'Reads the operator audit log, newest first, with filters; page with `before`.',
    params: z.strictObject({
      before: z.number().int().positive().optional().describe('only entries older than this seq'),
      limit: z.number().int().min(1).max(500).default(100),
      actor: z.string().max(100).optional(),
      action: z
        .string()
        .max(100)
        .optional()
        .describe('a method name, or a prefix ending in "." (operators.)'),
      outcome: z.enum(['ok', 'failed']).optional(),
      target: z.string().max(200).optional(),
      from: Timestamp.optional(),
      to: Timestamp.optional(),
    }),
    result: z.object({
      entries: z.array(AuditEntry),
      nextBefore: z.number().int().positive().optional().describe('pass as `before` for the next page'),
    }),
    access: needs('audit:read'),
    effect: 'read',
    example: { limit: 50, action: 'session.' },
  }),
  'audit.verify': method({
    summary:
      'Checks the hash chain of the whole audit log; names the first entry that was altered or removed.',
    params: z.strictObject({}),
    result: AuditVerification,
    access: needs('audit:read'),
    effect: 'read',
    example: {},
  }),
};
