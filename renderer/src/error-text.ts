import type { ParamIssue } from '../../app/contract/errors.js';
import { formatWait, sentence } from './format.js';
import { RpcCallError } from './rpc/rpc-call-error.js';

/** The directory stages in the words an administrator would use. */
export const directoryStageWords: Record<string, string> = {
  config: 'reading the settings',
  dns: 'looking up the server name',
  tcp: 'connecting',
  tls: 'the TLS handshake',
  bind: 'logging in to the directory',
  search: 'searching for the account',
  user: 'reading the account',
};

/** What to tell a person about a failed call, in words rather than codes. */
export function errorText(err: unknown): string {
  if (!(err instanceof RpcCallError))
    return 'Something went wrong in the console. Reload the page and try again.';
  switch (err.name) {
    case 'INVALID_CREDENTIALS':
      return 'Unknown username or wrong password.';
    case 'RATE_LIMITED':
      return `Too many failed attempts. Try again in ${formatWait(Number(err.data.retryAfterSeconds))}.`;
    case 'UNAUTHENTICATED':
      return 'Your session has ended. Log in again.';
    case 'FORBIDDEN':
      if (err.data.reason === 'csrf' || err.data.reason === 'cross-site')
        return 'The service refused the request from this page. Reload the page and log in again.';
      // Otherwise the service explains the refusal itself (granting more than the caller holds, …).
      return typeof err.data.permission === 'string'
        ? `Your roles do not allow this (it needs ${err.data.permission}).`
        : sentence(err.message);
    case 'CONFLICT':
      return typeof err.data.currentVersion === 'number'
        ? 'Someone else changed this while you were editing. Reload it, then make your change again.'
        : sentence(err.message);
    case 'NOT_FOUND':
      return `${sentence(err.message)} Someone may have deleted it; reload the list.`;
    case 'DIRECTORY_UNAVAILABLE':
      // The service's message already names the stage and what to do, and that local login still works.
      return sentence(err.message);
    case 'PASSWORD_CHANGE_REQUIRED':
      return 'Change your temporary password before doing anything else.';
    case 'UNAVAILABLE':
      return err.message === 'Cannot reach the Lintel service'
        ? 'Cannot reach the Lintel service. Check that it is running, then try again.'
        : sentence(err.message);
    case 'INVALID_PARAMS': {
      const issues = (err.data.issues ?? []) as ParamIssue[];
      return issues.length
        ? `Check these: ${issues.map((i) => `${i.path || 'the form'} ${i.message}`).join('; ')}.`
        : sentence(err.message);
    }
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
