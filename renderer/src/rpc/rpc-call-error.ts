import { ErrorCode, type ErrorName } from '../../../app/contract/errors.js';

/** The JSON-RPC error data every Lintel error carries, plus whatever the error adds. */
export type RpcErrorData = { name: ErrorName; [key: string]: unknown };

const names = Object.keys(ErrorCode) as ErrorName[];

function nameFor(code: number, data: unknown): ErrorName {
  const given = (data as { name?: unknown } | undefined)?.name;
  if (typeof given === 'string' && (names as string[]).includes(given)) return given as ErrorName;
  return names.find((n) => ErrorCode[n] === code) ?? 'INTERNAL_ERROR';
}

/** A failed call: the JSON-RPC error code, its symbolic name, the server's message and its data. */
export class RpcCallError extends Error {
  /** The symbolic name of {@link code} (CONFLICT, WEAK_PASSWORD, …). */
  override readonly name: ErrorName;
  /** Extra facts about the failure (issues, retryAfterSeconds, currentVersion, …). */
  readonly data: RpcErrorData;

  constructor(
    readonly code: number,
    message: string,
    data?: unknown,
  ) {
    super(message);
    this.name = nameFor(code, data);
    this.data = { ...(typeof data === 'object' && data !== null ? data : {}), name: this.name };
  }

  /** Builds the error from anything that looks like a JSON-RPC error object; anything else is internal. */
  static from(value: unknown): RpcCallError {
    if (value instanceof RpcCallError) return value;
    const v = value as { code?: unknown; message?: unknown; data?: unknown } | null | undefined;
    if (v && typeof v.code === 'number' && typeof v.message === 'string') {
      return new RpcCallError(v.code, v.message, v.data);
    }
    return new RpcCallError(ErrorCode.INTERNAL_ERROR, 'The service sent an answer the console cannot read');
  }

  /** A call that never reached the Service (network down, service stopped). */
  static unreachable(reason: string): RpcCallError {
    return new RpcCallError(ErrorCode.UNAVAILABLE, 'Cannot reach the Lintel service', {
      name: 'UNAVAILABLE',
      reason,
    });
  }
}
