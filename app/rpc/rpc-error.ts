import { ErrorCode, type ErrorName, type ParamIssue, type RpcErrorObject } from '../contract/errors.js';

/** An error a handler throws to answer the caller with a stable application code. */
export class RpcError extends Error {
  constructor(
    readonly errorName: ErrorName,
    message: string,
    readonly data: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'RpcError';
  }

  /** The wire form. */
  toObject(): RpcErrorObject {
    return {
      code: ErrorCode[this.errorName],
      message: this.message,
      data: { name: this.errorName, ...this.data },
    };
  }
}

/** An Invalid params error naming every field and the reason. */
export function invalidParams(issues: ParamIssue[]): RpcError {
  const summary = issues
    .slice(0, 5)
    .map((i) => `${i.path || '(params)'}: ${i.message}`)
    .join('; ');
  return new RpcError('INVALID_PARAMS', `Invalid params: ${summary}`, { issues });
}
