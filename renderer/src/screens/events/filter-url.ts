import {
  CARD_DENIAL_REASONS,
  DENIAL_REASONS,
  EVENT_KINDS,
  KEY_CHANGE_REASONS,
  type EventKind,
} from '../../../../app/contract/methods/events.js';

/** The reasons the reason filter offers: the engine's refusals, then the console's key changes. */
export const FILTER_REASONS: readonly string[] = [
  ...DENIAL_REASONS,
  ...CARD_DENIAL_REASONS,
  ...KEY_CHANGE_REASONS,
];

/**
 * The filters as the address holds them (`#/events?user=7&kind=access-denied`): ids rather than
 * names, so another screen can link to the events of a user, a door or a key knowing only its id.
 */
export interface UrlFilter {
  kind: EventKind | '';
  door: number | undefined;
  user: number | undefined;
  key: number | undefined;
  reason: string;
  /** `datetime-local` text in the site's time zone, as typed (an unfinished one is not sent). */
  from: string;
  to: string;
}

/** The longest time text kept from an address: a `datetime-local` value with seconds is 19. */
const MAX_TIME_TEXT = 30;

/** A positive integer id, or undefined for anything else (a hand-edited address). */
function idOf(text: string | null): number | undefined {
  if (text === null || !/^[1-9]\d{0,14}$/.test(text)) return undefined;
  return Number(text);
}

/** The filters an address asks for; whatever it says that no filter can take is left out. */
export function urlFilterOf(params: URLSearchParams): UrlFilter {
  const kind = params.get('kind') ?? '';
  const reason = params.get('reason') ?? '';
  const time = (name: string) => (params.get(name) ?? '').slice(0, MAX_TIME_TEXT);
  return {
    kind: (EVENT_KINDS as readonly string[]).includes(kind) ? (kind as EventKind) : '',
    door: idOf(params.get('door')),
    user: idOf(params.get('user')),
    key: idOf(params.get('key')),
    reason: FILTER_REASONS.includes(reason) ? reason : '',
    from: time('from'),
    to: time('to'),
  };
}

/** The address query of `f`: only the filters that are set, in a fixed order. */
export function searchOf(f: UrlFilter): URLSearchParams {
  const out = new URLSearchParams();
  if (f.kind) out.set('kind', f.kind);
  if (f.door !== undefined) out.set('door', String(f.door));
  if (f.user !== undefined) out.set('user', String(f.user));
  if (f.key !== undefined) out.set('key', String(f.key));
  if (f.reason) out.set('reason', f.reason);
  if (f.from) out.set('from', f.from);
  if (f.to) out.set('to', f.to);
  return out;
}
