import type { ParamIssue } from '../../app/contract/errors.js';
import { isRpcError } from './error-text.js';
import { sentence } from './format.js';

/** What to say beside each field of a form that has something wrong with it. */
export type FieldErrors<K extends string> = Partial<Record<K, string>>;

/** Errors to show beside the fields they concern, and what concerns none of them. */
export interface PlacedIssues<K extends string> {
  fields: FieldErrors<K>;
  rest?: string;
}

/**
 * Places the issues of an INVALID_PARAMS answer beside the form's fields, matched by their dotted
 * path (`connection.url`, `roleIds`); undefined for any other error. Issues of a field's members
 * (`roleIds.0`, `groupRoles.2.groupDn`) go to the longest field path that contains them.
 */
export function placeIssues<K extends string>(
  err: unknown,
  fields: readonly K[],
): PlacedIssues<K> | undefined {
  if (!isRpcError(err, 'INVALID_PARAMS')) return undefined;
  const placed: FieldErrors<K> = {};
  const rest: string[] = [];
  const byLength = [...fields].sort((a, b) => b.length - a.length);
  for (const issue of (err.data.issues ?? []) as ParamIssue[]) {
    const field = byLength.find((f) => issue.path === f || issue.path.startsWith(`${f}.`));
    const text = sentence(issue.message.charAt(0).toUpperCase() + issue.message.slice(1));
    if (field && !placed[field]) placed[field] = text;
    else if (!field) rest.push(`${issue.path || 'The form'}: ${issue.message}`);
  }
  return rest.length ? { fields: placed, rest: `Check these: ${rest.join('; ')}.` } : { fields: placed };
}
