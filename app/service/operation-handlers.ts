import type { HandlerGroup, ServiceKit } from './handler-kit.js';

/** operations.cancel: stops a long call the same session started. */
export function operationHandlers(kit: ServiceKit): HandlerGroup<'operations.cancel'> {
  return {
    'operations.cancel': (p, ctx) => {
      ctx.audit!.target = `operation ${p.operationId}`;
      return { cancelled: kit.operations.cancel(ctx, p.operationId) };
    },
  };
}
