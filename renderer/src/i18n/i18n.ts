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
