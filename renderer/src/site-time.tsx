import { createContext, useCallback, useContext, useMemo, type ReactNode } from 'react';
import { useT } from './i18n/i18n.js';

/** The site's IANA time zone, for every date and time the console shows (undefined: not read yet). */
const SiteTimeZone = createContext<string | undefined>(undefined);

/** Gives the screens below the site's time zone. */
export function SiteTimeProvider({
  timeZone,
  children,
}: {
  timeZone: string | undefined;
  children: ReactNode;
}) {
  return <SiteTimeZone.Provider value={timeZone}>{children}</SiteTimeZone.Provider>;
}

/**
 * Formats service timestamps in the site's time zone and the console's language: a lock at the site
 * opens by the site's clock, whatever the zone of the PC looking at it. Until the site is read, the
 * PC's zone is used. A dash stands for "never".
 */
export function useFormatTime(
  style: 'date' | 'dateTime' = 'dateTime',
): (iso: string | null | undefined) => string {
  const timeZone = useContext(SiteTimeZone);
  const { i18n } = useT();
  const format = useMemo(
    () =>
      new Intl.DateTimeFormat(i18n.resolvedLanguage, {
        dateStyle: 'medium',
        ...(style === 'dateTime' ? { timeStyle: 'short' } : {}),
        ...(timeZone ? { timeZone } : {}),
      }),
    [i18n.resolvedLanguage, style, timeZone],
  );
  return useCallback(
    (iso) => {
      if (!iso) return '—';
      const d = new Date(iso);
      return Number.isNaN(d.getTime()) ? iso : format.format(d);
    },
    [format],
  );
}
