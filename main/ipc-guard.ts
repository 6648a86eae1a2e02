import { events, type EventTopic } from '../app/contract/events.js';
import { requestLimitOf } from '../app/contract/index.js';
import { DEFAULT_LIMITS } from '../app/rpc/envelope.js';

/**
 * The IPC channels between the preload and the main process. preload.cts repeats these strings (a
 * sandboxed preload cannot import a module of ours); preload.test.ts checks that they agree.
 */
export const IPC_CHANNELS = {
  rpc: 'lintel:rpc',
  subscribe: 'lintel:subscribe',
  unsubscribe: 'lintel:unsubscribe',
  event: 'lintel:event',
} as const;

/** What the preload sends on `lintel:rpc`: a method name and its params, nothing else. */
export interface RpcMessage {
  method: string;
  params?: unknown;
}

/** What `lintel:event` carries to the renderer. */
export interface IpcEventMessage {
  topic: EventTopic;
  at: string;
  payload: unknown;
}

/** Limits on one IPC message, in line with what `lintel serve` accepts in one HTTP body. */
export interface MessageLimits {
  /** Deepest nesting of arrays and objects. */
  maxDepth: number;
  /** Most values (objects, arrays, strings, numbers…) in one message. */
  maxNodes: number;
  /**
   * Most UTF-16 code units across all strings and keys (about the 1 MiB HTTP body limit); a method
   * whose contract allows bigger requests gets its own limit.
   */
  maxStringUnits: number;
  /** Longest method name. */
  maxMethodLength: number;
}

/** The defaults: far above anything the console sends, small enough that checking costs nothing. */
export const DEFAULT_MESSAGE_LIMITS: MessageLimits = {
  maxDepth: DEFAULT_LIMITS.maxDepth,
  maxNodes: 100_000,
  maxStringUnits: 1024 * 1024,
  maxMethodLength: 100,
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Why a value is not plain JSON within the limits, or undefined when it is. IPC uses structured clone,
 * which also carries Dates, Maps, typed arrays, cycles and NaN: none of those is JSON-RPC, and the
 * dispatcher's schemas should only ever see what an HTTP client could have sent.
 */
export function jsonProblem(
  value: unknown,
  limits: MessageLimits = DEFAULT_MESSAGE_LIMITS,
): string | undefined {
  let nodes = 0;
  let units = 0;
  const seen = new Set<object>();
  const walk = (v: unknown, depth: number): string | undefined => {
    if (++nodes > limits.maxNodes) return `more than ${limits.maxNodes} values`;
    if (v === null || typeof v === 'boolean') return undefined;
    if (typeof v === 'number') return Number.isFinite(v) ? undefined : 'a number that is not finite';
    if (typeof v === 'string') {
      units += v.length;
      return units > limits.maxStringUnits ? `more than ${limits.maxStringUnits} characters` : undefined;
    }
    if (typeof v !== 'object') return `a value of type ${typeof v}`;
    if (depth >= limits.maxDepth) return `nesting deeper than ${limits.maxDepth} levels`;
    if (seen.has(v)) return 'a cycle';
    seen.add(v);
    try {
      if (Array.isArray(v)) {
        for (const item of v) {
          const p = walk(item, depth + 1);
          if (p) return p;
        }
        return undefined;
      }
      if (!isPlainObject(v)) return 'an object that is not plain JSON';
      for (const [key, item] of Object.entries(v)) {
        units += key.length;
        if (units > limits.maxStringUnits) return `more than ${limits.maxStringUnits} characters`;
        const p = walk(item, depth + 1);
        if (p) return p;
      }
      return undefined;
    } finally {
      seen.delete(v);
    }
  };
  return walk(value, 0);
}

/** A checked `lintel:rpc` message, or why it was refused. */
export type ParsedRpcMessage = { ok: true; message: RpcMessage } | { ok: false; reason: string };

/**
 * Checks what the preload sent: exactly `{ method, params? }`, a short method name, and params that
 * are plain JSON within the limits. The JSON-RPC envelope (id, version) is built by the main process,
 * so a renderer cannot choose ids, send batches or notifications.
 */
export function parseRpcMessage(
  value: unknown,
  limits: MessageLimits = DEFAULT_MESSAGE_LIMITS,
): ParsedRpcMessage {
  if (!isPlainObject(value)) return { ok: false, reason: 'expected an object' };
  for (const key of Object.keys(value)) {
    if (key !== 'method' && key !== 'params') return { ok: false, reason: `unknown member "${key}"` };
  }
  const { method, params } = value;
  if (typeof method !== 'string' || method.length === 0) {
    return { ok: false, reason: '"method" must be a non-empty string' };
  }
  if (method.length > limits.maxMethodLength) return { ok: false, reason: '"method" is too long' };
  if (params === undefined) return { ok: true, message: { method } };
  // A method that takes big requests (a file upload) says so in the contract.
  const problem = jsonProblem(params, {
    ...limits,
    maxStringUnits: Math.max(limits.maxStringUnits, requestLimitOf(method)),
  });
  if (problem) return { ok: false, reason: `"params" holds ${problem}` };
  return { ok: true, message: { method, params } };
}

/** The event topic a `lintel:subscribe`/`unsubscribe` message names, or undefined if it names none. */
export function parseTopic(value: unknown): EventTopic | undefined {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(events, value)
    ? (value as EventTopic)
    : undefined;
}
