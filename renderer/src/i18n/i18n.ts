import i18next from 'i18next';
import { initReactI18next, useTranslation } from 'react-i18next';
import { resources, type Namespace } from './resources.js';

/** The console's languages, each named in itself (how a language picker should show them). */
export const LANGUAGES = { en: 'English', es: 'Español' } as const;
/** A language the console speaks. */
export type Language = keyof typeof LANGUAGES;

const STORAGE_KEY = 'lintel.language';

/** The language to start in: the operator's last choice, else the browser's, else English. */
function startingLanguage(): Language {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (saved && saved in LANGUAGES) return saved as Language;
  const browser = globalThis.navigator?.language?.slice(0, 2);
  return browser && browser in LANGUAGES ? (browser as Language) : 'en';
}

/**
 * The console's one i18next instance. Every string the console shows comes from `resources`, one
 * namespace per screen (i18n/*.ts); a missing Spanish string falls back to English, and a test checks
 * that none is missing.
 */
export const i18n = i18next.createInstance();
void i18n.use(initReactI18next).init({
  resources: Object.fromEntries(
    Object.keys(LANGUAGES).map((lng) => [
      lng,
      Object.fromEntries(Object.entries(resources).map(([ns, r]) => [ns, r[lng as Language]])),
    ]),
  ),
  lng: startingLanguage(),
  fallbackLng: 'en',
  defaultNS: 'common',
  // React escapes what it renders; escaping here too would show &amp; for &.
  interpolation: { escapeValue: false },
  returnNull: false,
});

/** Switches the console's language, remembers it, and tells assistive tech (`<html lang>`). */
export function setLanguage(lng: Language): void {
  void i18n.changeLanguage(lng);
  globalThis.localStorage?.setItem(STORAGE_KEY, lng);
  document.documentElement.lang = lng;
}

/** The language the console speaks now. */
export function currentLanguage(): Language {
  return (i18n.resolvedLanguage ?? 'en') as Language;
}

/** The translate function of one namespace (plus `common`). */
export function useT(ns: Namespace = 'common') {
  return useTranslation([ns, 'common']);
}

/** What one namespace holds in English (its keys, for typing). */
type En<N extends Namespace> = (typeof resources)[N]['en'];

/**
 * A thing a generic screen part speaks of (a zone, a time period): its namespace and the key of its
 * group of words there, which must hold every word in `W`; checked when the thing is named.
 */
export type Thing<W extends string> = {
  [N in Namespace]: {
    ns: N;
    noun: { [K in keyof En<N>]: En<N>[K] extends Record<W, string> ? K : never }[keyof En<N>] & string;
  };
}[Namespace];

/**
 * The translate function of a namespace (falling back to `common`) for keys built at run time, such
 * as a thing's words: their presence is checked by {@link Thing} where the thing is named.
 */
export function useWords(ns: Namespace): (key: string, slots?: Record<string, unknown>) => string {
  // `fallback`: a key missing from the namespace is looked up in `common` (else only the first is).
  const { t } = useTranslation([ns, 'common'], { nsMode: 'fallback' });
  return t as unknown as (key: string, slots?: Record<string, unknown>) => string;
}
