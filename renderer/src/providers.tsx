import { MantineProvider, createTheme, localStorageColorSchemeManager } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { I18nextProvider } from 'react-i18next';
import { i18n } from './i18n/i18n.js';
import { RpcCallError } from './rpc/rpc-call-error.js';

/**
 * The console's theme. Mantine writes no <style> element here: its default CSS variables come from
 * @mantine/core/styles.css (imported in main.tsx) and the console's own from styles.css, because the
 * console's Content-Security-Policy allows styles from files only (`style-src 'self'`).
 */
const theme = createTheme({
  primaryColor: 'blue',
  defaultRadius: 'sm',
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif",
});

/** Light, dark or as the system, remembered per browser (per window in the desktop app). */
export const colorSchemeManager = localStorageColorSchemeManager({ key: 'lintel.color-scheme' });

/**
 * RPC results cached by TanStack Query. A failed call is retried only when the service could not be
 * reached: an answer such as FORBIDDEN or NOT_FOUND will not change by asking again.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        refetchOnWindowFocus: false,
        retry: (count, err) => count < 2 && err instanceof RpcCallError && err.name === 'UNAVAILABLE',
      },
    },
  });
}

const queryClient = createQueryClient();

/** Everything a screen relies on: the theme and color scheme, the RPC cache and the strings. */
export function Providers({ children }: { children: ReactNode }) {
  return (
    <I18nextProvider i18n={i18n}>
      <MantineProvider
        theme={theme}
        colorSchemeManager={colorSchemeManager}
        defaultColorScheme="auto"
        withCssVariables={false}
        withGlobalClasses={false}
      >
        <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
      </MantineProvider>
    </I18nextProvider>
  );
}
