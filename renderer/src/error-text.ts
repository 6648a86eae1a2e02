import { RpcCallError } from './rpc/rpc-call-error.js';

function wait(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 1) return 'a moment';
  if (seconds < 90) return `${Math.ceil(seconds)} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

/** What to tell a person about a failed call, in words rather than codes. */
export function errorText(err: unknown): string {
  if (!(err instanceof RpcCallError))
    return 'Something went wrong in the console. Reload the page and try again.';
  switch (err.name) {
    case 'INVALID_CREDENTIALS':
      return 'Unknown username or wrong password.';
    case 'RATE_LIMITED':
      return `Too many failed attempts. Try again in ${wait(Number(err.data.retryAfterSeconds))}.`;
    case 'UNAUTHENTICATED':
      return 'Your session has ended. Log in again.';
    case 'FORBIDDEN':
      return err.data.reason === 'csrf' || err.data.reason === 'cross-site'
        ? 'The service refused the request from this page. Reload the page and log in again.'
        : 'Your role does not allow this.';
    case 'INTERNAL_ERROR':
      return typeof err.data.ref === 'string'
        ? `The service failed (reference ${err.data.ref}). Its log has the details.`
        : 'The service failed. Its log has the details.';
    default:
      return err.message;
  }
}

/** Whether an error is the given Lintel error. */
export function isRpcError(err: unknown, name: RpcCallError['name']): err is RpcCallError {
  return err instanceof RpcCallError && err.name === name;
}
