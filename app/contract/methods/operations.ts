import { z } from 'zod';
import { method } from '../method.js';

/**
 * Names one long call (a CSV import or export, a card at the encoder; PPD transfers later) so the console can follow
 * its progress and cancel it. The console makes it up (a UUID) and passes it with the call.
 */
export const OperationId = z.uuid().describe('chosen by the caller, unique among its running calls');

/** The steps of a card operation at the encoder, in order (done/total count them). */
export const CardStep = z.enum(['detect', 'authenticate', 'format', 'write', 'verify']);
/** A step of a card operation. */
export type CardStep = z.infer<typeof CardStep>;

/** What a long call has done so far; delivered only to the session that started it. */
export const OperationProgress = z.object({
  operationId: OperationId,
  method: z.string().describe('the method the operation is a call of'),
  stage: z
    .enum(['reading', 'writing', 'done'])
    .describe('reading: checking the input, still cancellable; writing: storing, too late to cancel'),
  done: z
    .number()
    .int()
    .nonnegative()
    .describe('units of work done: characters of a file read (import), rows written (export)'),
  total: z.number().int().nonnegative().describe('units of work in all'),
  rows: z.number().int().nonnegative().optional().describe('records read so far, when the input has rows'),
  step: CardStep.optional().describe('where a card operation is (encoder calls only)'),
});
/** What a long call has done so far. */
export type OperationProgress = z.infer<typeof OperationProgress>;

/** Following and stopping long calls. */
export const operationMethods = {
  'operations.cancel': method({
    summary:
      'Cancels a long call this session started (by its operationId): it stops before writing and answers CANCELLED.',
    params: z.strictObject({ operationId: OperationId }),
    result: z.object({
      cancelled: z
        .boolean()
        .describe('false when the call had already begun writing (it will complete) or had ended'),
    }),
    access: { kind: 'session' },
    effect: 'write',
    example: { operationId: '0b3c9a52-52f3-4c86-9b6b-0c7b2b3f9f4e' },
  }),
};
