import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { contract, isMethodName, requestLimitOf, type MethodName } from '../contract/index.js';
import type { ErrorName } from '../contract/errors.js';
import type { RpcFailure, RpcId, RpcRequest, RpcResponse } from '../contract/jsonrpc.js';
import type { Log } from '../log.js';
import type { CallContext } from './context.js';
import {
  DEFAULT_LIMITS,
  parseEnvelope,
  type Envelope,
  type EnvelopeItem,
  type EnvelopeLimits,
} from './envelope.js';
import { RpcError, invalidParams } from './rpc-error.js';

type Spec<M extends MethodName> = (typeof contract)[M];

/** The implementation of one method: validated params in, a value matching the result schema out. */
export type Handler<M extends MethodName> = (
  params: z.output<Spec<M>['params']>,
  ctx: CallContext,
) => Promise<z.input<Spec<M>['result']>> | z.input<Spec<M>['result']>;

/** One handler per method of the contract; TypeScript refuses a missing or mistyped one. */
export type Handlers = { [M in MethodName]: Handler<M> };

/** How a call ended, for the audit log. */
export interface CallRecord {
  method: MethodName;
  ctx: CallContext;
  outcome: 'ok' | ErrorName;
  error?: RpcError;
}

/** Methods an operator with a temporary password may still call (besides public ones). */
const WHILE_PASSWORD_CHANGE_REQUIRED: ReadonlySet<MethodName> = new Set([
  'session.current',
  'session.logout',
  'session.changePassword',
]);

/**
 * Which calls reach the audit log: every write by a logged-in operator, whatever its outcome, and
 * every refused read. Anonymous failures are left to the handlers (a wrong login password is recorded
 * there): otherwise anyone who can reach the port could fill the log without credentials.
 */
function audited(method: MethodName, ctx: CallContext, outcome: 'ok' | ErrorName): boolean {
  if (!ctx.caller) return false;
  if (contract[method].effect === 'write') return outcome !== 'RATE_LIMITED';
  return outcome === 'FORBIDDEN' || outcome === 'PASSWORD_CHANGE_REQUIRED';
}

function fail(id: RpcId, err: RpcError): RpcFailure {
  return { jsonrpc: '2.0', id, error: err.toObject() };
}

/**
 * Answers JSON-RPC 2.0 for every transport: looks the method up in the contract, checks access from the
 * server-side caller, validates params (naming each bad field), runs the handler and validates what it
 * returns against the result schema, so nothing outside the contract (a hash, an internal id) leaks.
 */
export class Dispatcher {
  constructor(
    private readonly handlers: Handlers,
    private readonly log: Log,
    private readonly limits: EnvelopeLimits = DEFAULT_LIMITS,
    private readonly onAudited: (record: CallRecord) => void = () => {},
  ) {}

  /** Handles a raw body; returns the response text, or undefined when only notifications came. */
  async handleText(text: string, ctx: CallContext): Promise<string | undefined> {
    const reply = await this.handleEnvelope(parseEnvelope(text, this.limits), ctx);
    return reply === undefined ? undefined : JSON.stringify(reply);
  }

  /** Handles a parsed body. Batch members run in order, one at a time. */
  async handleEnvelope(env: Envelope, ctx: CallContext): Promise<RpcResponse | RpcResponse[] | undefined> {
    switch (env.kind) {
      case 'invalid':
        return env.response;
      case 'single':
        return this.handleItem(env.item, ctx);
      case 'batch': {
        const out: RpcResponse[] = [];
        for (const item of env.items) {
          const r = await this.handleItem(item, ctx);
          if (r) out.push(r);
        }
        return out.length ? out : undefined;
      }
    }
  }

  private async handleItem(item: EnvelopeItem, ctx: CallContext): Promise<RpcResponse | undefined> {
    return item.ok ? this.call(item.request, ctx) : item.response;
  }

  /** Runs one request; a notification (no id) is run and answered with nothing. */
  async call(request: RpcRequest, ctx: CallContext): Promise<RpcResponse | undefined> {
    const id = request.id ?? null;
    const notification = request.id === undefined;
    // Each call gets its own note, even within a batch sharing one context.
    const callCtx: CallContext = { ...ctx, audit: {} };
    let response: RpcResponse;
    let error: RpcError | undefined;
    try {
      response = { jsonrpc: '2.0', id, result: await this.invoke(request.method, request.params, callCtx) };
    } catch (err) {
      if (err instanceof RpcError) {
        error = err;
      } else {
        const ref = randomUUID();
        this.log.error({ err, method: request.method, ref }, 'rpc: handler failed');
        error = new RpcError('INTERNAL_ERROR', 'Internal error', { ref });
      }
      response = fail(id, error);
    }
    if (isMethodName(request.method)) {
      const outcome = error ? error.errorName : 'ok';
      if (audited(request.method, callCtx, outcome) && !callCtx.audit?.recorded) {
        try {
          this.onAudited({ method: request.method, ctx: callCtx, outcome, error });
        } catch (err) {
          this.log.error({ err, method: request.method }, 'rpc: audit entry could not be written');
        }
      }
    }
    return notification ? undefined : response;
  }

  private async invoke(method: string, rawParams: unknown, ctx: CallContext): Promise<unknown> {
    if (!isMethodName(method)) throw new RpcError('METHOD_NOT_FOUND', `Method not found: ${method}`);
    const spec = contract[method];
    const limit = requestLimitOf(method);
    if (ctx.requestSize !== undefined && ctx.requestSize > limit)
      throw new RpcError(
        'INVALID_REQUEST',
        `Invalid Request: ${method} takes requests of at most ${limit} bytes; this one has ${ctx.requestSize}`,
      );
    const access = spec.access;
    if (access.kind !== 'public') {
      if (!ctx.caller) {
        const why = ctx.authProblem ? ` (${ctx.authProblem})` : '';
        throw new RpcError(
          'UNAUTHENTICATED',
          `${method} needs a session: log in first${why}`,
          ctx.authProblem ? { reason: ctx.authProblem } : {},
        );
      }
      if (ctx.caller.mustChangePassword && !WHILE_PASSWORD_CHANGE_REQUIRED.has(method)) {
        throw new RpcError(
          'PASSWORD_CHANGE_REQUIRED',
          'Change your temporary password first (session.changePassword)',
        );
      }
      if (access.kind === 'permission' && !ctx.caller.permissions.has(access.permission)) {
        throw new RpcError('FORBIDDEN', `${method} needs the ${access.permission} permission`, {
          permission: access.permission,
        });
      }
    }
    if (Array.isArray(rawParams)) {
      throw invalidParams([{ path: '', message: 'params must be an object of named fields, not an array' }]);
    }
    const parsed = spec.params.safeParse(rawParams ?? {});
    if (!parsed.success) {
      throw invalidParams(
        parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
      );
    }
    const handler = this.handlers[method] as (p: unknown, c: CallContext) => unknown;
    const result = await handler(parsed.data, ctx);
    const checked = spec.result.safeParse(result);
    if (!checked.success) {
      throw new Error(`rpc: ${method} returned a value outside its result schema: ${checked.error.message}`);
    }
    return checked.data;
  }
}
