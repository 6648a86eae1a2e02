import { ErrorCode } from '../contract/errors.js';
import type { RpcFailure, RpcId, RpcRequest } from '../contract/jsonrpc.js';

/** Limits on what one HTTP body or IPC message may carry. */
export interface EnvelopeLimits {
  /** Deepest nesting of arrays and objects anywhere in the body. */
  maxDepth: number;
  /** Most requests in one batch. */
  maxBatch: number;
}

/** The defaults: a console never needs more, and an attacker gets nothing expensive from them. */
export const DEFAULT_LIMITS: EnvelopeLimits = { maxDepth: 32, maxBatch: 100 };

/** One entry of a body: a well-formed request, or the error response it already earned. */
export type EnvelopeItem = { ok: true; request: RpcRequest } | { ok: false; response: RpcFailure };

/** What a body parses into. */
export type Envelope =
  | { kind: 'single'; item: EnvelopeItem }
  | { kind: 'batch'; items: EnvelopeItem[] }
  | { kind: 'invalid'; response: RpcFailure };

function failure(id: RpcId, code: number, message: string, data?: Record<string, unknown>): RpcFailure {
  const name = (Object.keys(ErrorCode) as (keyof typeof ErrorCode)[]).find((k) => ErrorCode[k] === code)!;
  return { jsonrpc: '2.0', id, error: { code, message, data: { name, ...data } } };
}

/**
 * The nesting depth of a JSON text, counted without parsing it, so that a deeply nested body is refused
 * before JSON.parse walks it. Brackets inside strings do not count.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return max;
}

function validId(id: unknown): id is RpcId {
  return id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks one request object against JSON-RPC 2.0 §4. */
export function checkRequest(value: unknown): EnvelopeItem {
  if (!isPlainObject(value))
    return {
      ok: false,
      response: failure(null, ErrorCode.INVALID_REQUEST, 'Invalid Request: expected an object'),
    };
  const id = 'id' in value ? value.id : undefined;
  const replyId: RpcId = validId(id) ? id : null;
  const bad = (why: string) => ({
    ok: false as const,
    response: failure(replyId, ErrorCode.INVALID_REQUEST, `Invalid Request: ${why}`),
  });
  if (value.jsonrpc !== '2.0') return bad('"jsonrpc" must be exactly "2.0"');
  if (id !== undefined && !validId(id)) return bad('"id" must be a string, a number or null');
  if (typeof value.method !== 'string' || value.method.length === 0)
    return bad('"method" must be a non-empty string');
  if ('params' in value && value.params !== undefined && typeof value.params !== 'object') {
    return bad('"params" must be an object or an array');
  }
  if (value.params === null) return bad('"params" must be an object or an array');
  for (const key of Object.keys(value)) {
    if (!['jsonrpc', 'method', 'params', 'id'].includes(key)) return bad(`unknown member "${key}"`);
  }
  const request: RpcRequest = { jsonrpc: '2.0', method: value.method };
  if ('params' in value) request.params = value.params;
  if (id !== undefined) request.id = id;
  return { ok: true, request };
}

/**
 * Parses a JSON-RPC 2.0 body (single or batch). Never throws: every malformed input becomes the error
 * response the specification prescribes (-32700 for bad JSON, -32600 for a bad request or empty batch).
 */
export function parseEnvelope(text: string, limits: EnvelopeLimits = DEFAULT_LIMITS): Envelope {
  if (jsonDepth(text) > limits.maxDepth) {
    return {
      kind: 'invalid',
      response: failure(
        null,
        ErrorCode.INVALID_REQUEST,
        `Invalid Request: JSON nests deeper than ${limits.maxDepth} levels`,
      ),
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return {
      kind: 'invalid',
      response: failure(null, ErrorCode.PARSE_ERROR, `Parse error: ${(err as Error).message}`),
    };
  }
  if (Array.isArray(value)) {
    if (value.length === 0)
      return {
        kind: 'invalid',
        response: failure(null, ErrorCode.INVALID_REQUEST, 'Invalid Request: empty batch'),
      };
    if (value.length > limits.maxBatch) {
      return {
        kind: 'invalid',
        response: failure(
          null,
          ErrorCode.INVALID_REQUEST,
          `Invalid Request: a batch may hold at most ${limits.maxBatch} requests`,
        ),
      };
    }
    return { kind: 'batch', items: value.map(checkRequest) };
  }
  return { kind: 'single', item: checkRequest(value) };
}

/** Builds an error response (for transports that fail before parsing, e.g. a body over the size limit). */
export function envelopeFailure(code: number, message: string, data?: Record<string, unknown>): RpcFailure {
  return failure(null, code, message, data);
}
