import type { ParamIssue } from '../../app/contract/errors.js';
import { sentence } from './format.js';
import { issueList } from './forms/form-words.js';
import { i18n } from './i18n/i18n.js';
import { RpcCallError } from './rpc/rpc-call-error.js';

/** A wait as people say it ("40 seconds", "3 minutes", "a moment" when unknown), in the console's language. */
function waitText(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return i18n.t('failures.aMoment');
  if (seconds < 90) return i18n.t('failures.seconds', { count: Math.max(1, Math.ceil(seconds)) });
  return i18n.t('failures.minutes', { count: Math.ceil(seconds / 60) });
}

/**
 * What to tell a person about a failed call, in words rather than codes and in the console's language.
 * Where the Service explains a refusal itself (a name taken, a partition exceeded), its words are kept,
 * in English.
 */
export function errorText(err: unknown): string {
  const t = i18n.t;
  if (!(err instanceof RpcCallError)) return t('failures.console');
  switch (err.name) {
    case 'INVALID_CREDENTIALS':
      return t('failures.credentials');
    case 'RATE_LIMITED':
      return t('failures.rateLimited', { wait: waitText(Number(err.data.retryAfterSeconds)) });
    case 'UNAUTHENTICATED':
      return t('sessionEnded');
    case 'FORBIDDEN':
      if (err.data.reason === 'csrf' || err.data.reason === 'cross-site') return t('failures.crossSite');
      // Otherwise the service explains the refusal itself (granting more than the caller holds, …).
      return typeof err.data.permission === 'string'
        ? t('failures.permission', { permission: err.data.permission })
        : sentence(err.message);
    case 'CONFLICT':
      return typeof err.data.currentVersion === 'number' ? t('failures.stale') : sentence(err.message);
    case 'NOT_FOUND':
      return t('failures.notFound', { message: sentence(err.message) });
    case 'DIRECTORY_UNAVAILABLE':
      // The service's message already names the stage and what to do, and that local login still works.
      return sentence(err.message);
    case 'PASSWORD_CHANGE_REQUIRED':
      return t('failures.passwordChange');
    case 'UNAVAILABLE':
      return err.message === 'Cannot reach the Lintel service'
        ? t('failures.unreachable')
        : sentence(err.message);
    case 'INVALID_PARAMS': {
      const issues = (err.data.issues ?? []) as ParamIssue[];
      return issues.length ? t('form.checkThese', { list: issueList(issues) }) : sentence(err.message);
    }
    case 'ENCODER_UNAVAILABLE':
    case 'CARD_ERROR': {
      // Each reason says what to do; a reason this console does not know keeps the service's words.
      const group = err.name === 'CARD_ERROR' ? 'card' : 'encoder';
      const reason = typeof err.data.reason === 'string' ? err.data.reason : '';
      return t(`failures.${group}.${reason}` as 'failures.card.removed', {
        defaultValue: sentence(err.message),
      });
    }
    case 'INTERNAL_ERROR':
      return typeof err.data.ref === 'string'
        ? t('failures.internalRef', { ref: err.data.ref })
        : t('failures.internal');
    default:
      return err.message;
  }
}

/** Whether an error is the given Lintel error. */
export function isRpcError(err: unknown, name: RpcCallError['name']): err is RpcCallError {
  return err instanceof RpcCallError && err.name === name;
}
