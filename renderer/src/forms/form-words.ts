import '../zod-config.js';
import { z } from 'zod';
import type { ParamIssue } from '../../../app/contract/errors.js';
import { Description as ContractDescription, DisplayName } from '../../../app/contract/schemas.js';
import { isRpcError } from '../error-text.js';
import { sentence } from '../format.js';

// What every form of the console shares about words: its own problems carried through zod as the key
// of their message (worded in the operator's language when shown), the contract's rules for names and
// descriptions in those words, and the way back from the service's per-field refusals.

/** What fills a message's slots; `day` is a day type, put in words when shown. */
export type ErrorParams = Record<string, string | number>;

const SAID = 'i18n:';

/**
 * A form problem as a zod issue message: the key of its words under `errors` (of the form's
 * namespace, else `common`) and their slots, put in the operator's language when shown
 * ({@link heard}). Anything else in a field's error is shown as it is (the service's own words).
 */
export function said(key: string, params: ErrorParams = {}): string {
  return SAID + JSON.stringify([key, params]);
}

/** The key and slots of a message made by {@link said}; undefined for any other text. */
export function heard(message: string | undefined): [string, ErrorParams] | undefined {
  if (!message?.startsWith(SAID)) return undefined;
  try {
    return JSON.parse(message.slice(SAID.length)) as [string, ErrorParams];
  } catch {
    return undefined;
  }
}

/**
 * A contract schema for a typed string, its refusals in the form's words: each issue's code picks the
 * message, so the rule stays the contract's and only the wording is the console's.
 */
export function inWords<S extends z.ZodType<unknown, string>>(
  schema: S,
  keys: Partial<Record<string, string>>,
  fallback = 'invalid',
) {
  return z.string().transform((value, ctx): z.output<S> => {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues)
      ctx.addIssue({ code: 'custom', path: issue.path, message: said(keys[issue.code] ?? fallback) });
    return z.NEVER;
  });
}

/** A name, as the contract's DisplayName checks it. */
export const Name = inWords(DisplayName, {
  too_small: 'nameEmpty',
  too_big: 'nameLong',
  custom: 'nameControl',
});

/** A description, as the contract checks it. */
export const Description = inWords(ContractDescription, { too_big: 'descriptionLong' });

/** The refusals of an INVALID_PARAMS answer: those a form field claims, and the rest. */
export interface PlacedIssues {
  /** The form field (its longest path that contains the issue's) and the service's words. */
  fields: [field: string, message: string][];
  rest: ParamIssue[];
}

/**
 * Places the issues of an INVALID_PARAMS answer on the form's fields, by their dotted path: an issue
 * goes to the longest field path that is it or contains it (`rules.mon.1` to `rules.mon`), one per
 * field. Undefined for any other error.
 */
export function placeIssues(err: unknown, fields: readonly string[]): PlacedIssues | undefined {
  if (!isRpcError(err, 'INVALID_PARAMS')) return undefined;
  const byLength = [...fields].sort((a, b) => b.length - a.length);
  const placed = new Map<string, string>();
  const rest: ParamIssue[] = [];
  for (const issue of (err.data.issues ?? []) as ParamIssue[]) {
    const field = byLength.find((f) => issue.path === f || issue.path.startsWith(`${f}.`));
    if (!field) rest.push(issue);
    else if (!placed.has(field)) placed.set(field, issue.message);
  }
  return { fields: [...placed], rest };
}

/** A service message as a sentence beside a field: capitalised, ending in a full stop. */
export function asSentence(message: string): string {
  const text = message.trim();
  return sentence(text.charAt(0).toUpperCase() + text.slice(1));
}

/** Refusals no field claims, listed for the line above a form: "name: must not be empty; …". */
export function issueList(issues: readonly ParamIssue[]): string {
  return issues.map((i) => `${i.path || '—'}: ${i.message}`).join('; ');
}
