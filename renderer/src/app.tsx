import { Button, Text } from '@mantine/core';
import { Suspense, lazy, useCallback, useEffect, useState } from 'react';
import { ErrorAlert } from './components/alert.js';
import { Screen } from './components/screen.js';
import { errorText, isRpcError } from './error-text.js';
import { useT } from './i18n/i18n.js';
import type { ResultOf } from '../../app/contract/index.js';
import { call } from './rpc/client.js';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { ChangePasswordScreen } from './screens/change-password-screen.js';
import { LoginScreen, type Session } from './screens/login-screen.js';
import { SetupScreen } from './screens/setup-screen.js';
import { UnlockScreen, type Lock } from './screens/unlock-screen.js';
import type { RpcCallError } from './rpc/rpc-call-error.js';

// The logged-in console is its own chunk: a cold login screen does not wait for it.
const ConsoleShell = lazy(async () => ({
  default: (await import('./screens/console-shell.js')).ConsoleShell,
}));

/** Which screen the console shows, with what it needs. */
type View =
  | { kind: 'loading' }
  | { kind: 'failed'; message: string }
  | { kind: 'locked'; lock: Lock }
  | { kind: 'setup'; siteName: string; tokenRequired: boolean }
  | { kind: 'login'; siteName: string; notice?: string; username?: string }
  | { kind: 'password'; session?: Session | undefined }
  | { kind: 'home'; session: Session };

/** Where a session leads: a temporary password must be replaced before anything else. */
function viewFor(session: Session): View {
  return session.operator.mustChangePassword ? { kind: 'password', session } : { kind: 'home', session };
}

/**
 * Remembers that this browser has a console open on a session, so that a reload fetches the logged-in
 * code while it checks the session. Only a hint for speed: the session itself is an httpOnly cookie
 * (or the desktop app's) and is always asked of the service.
 */
const SIGNED_IN_HINT = 'lintel.signed-in';

/** Fetches the shell and the screen of the route now, when the last console here was logged in. */
function preloadConsole(): void {
  if (globalThis.localStorage?.getItem(SIGNED_IN_HINT) !== '1') return;
  void import('./screens/console-shell.js').catch(() => undefined);
  void import('./sections.js').then(
    (m) => m.preloadSection(globalThis.location.hash),
    () => undefined,
  );
}

/**
 * What SITE_LOCKED says (the desktop app, its site waiting for a passphrase). Without a minimum the
 * form only asks for something; the service applies its policy to a new passphrase either way.
 */
function lockOf(err: RpcCallError): Lock {
  const { creating, reason, minLength } = err.data;
  return {
    creating: creating === true,
    reason: typeof reason === 'string' ? reason : '',
    minLength: typeof minLength === 'number' && minLength > 0 ? minLength : 1,
  };
}

/**
 * Where a fresh console starts: the unlock screen while the desktop app's site waits for its
 * passphrase (never over `lintel serve`), setup until an administrator exists, then home or login.
 */
async function startingView(): Promise<View> {
  preloadConsole();
  let status: ResultOf<'setup.status'>;
  try {
    status = await call('setup.status', {});
  } catch (err) {
    if (isRpcError(err, 'SITE_LOCKED')) return { kind: 'locked', lock: lockOf(err) };
    throw err;
  }
  if (!status.administratorExists)
    return { kind: 'setup', siteName: status.siteName, tokenRequired: status.tokenRequired };
  try {
    return viewFor(await call('session.current', {}));
  } catch (err) {
    if (isRpcError(err, 'UNAUTHENTICATED')) return { kind: 'login', siteName: status.siteName };
    if (isRpcError(err, 'PASSWORD_CHANGE_REQUIRED')) return { kind: 'password' };
    throw err;
  }
}

/** The console: picks the screen and moves between them. */
export function App() {
  const { t } = useT('auth');
  const [view, setView] = useState<View>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const navigate = useNavigate();
  const queries = useQueryClient();
  // Forgets the section (at logout or a password change), so the next screen starts at home.
  const clearRoute = useCallback(() => navigate('/', { replace: true }), [navigate]);

  useEffect(() => {
    let live = true;
    startingView().then(
      (v) => live && setView(v),
      (err: unknown) => live && setView({ kind: 'failed', message: errorText(err) }),
    );
    return () => {
      live = false;
    };
  }, [attempt]);

  useEffect(() => {
    if (view.kind === 'home') globalThis.localStorage?.setItem(SIGNED_IN_HINT, '1');
    else if (view.kind === 'login' || view.kind === 'setup')
      globalThis.localStorage?.removeItem(SIGNED_IN_HINT);
  }, [view.kind]);

  const toLogin = useCallback(
    (notice?: string, username?: string) => {
      // The shell goes first, with its live-event subscriptions (a stream left open would reconnect
      // without a session); then the route, and what one operator's session read, so that the next
      // operator does not see it.
      setView({ kind: 'loading' });
      clearRoute();
      queries.clear();
      // The site name shown on the login screen is read again: it may have changed meanwhile.
      call('setup.status', {}).then(
        (s) => setView({ kind: 'login', siteName: s.siteName, notice, username }),
        () => setView({ kind: 'login', siteName: '', notice, username }),
      );
    },
    [clearRoute, queries],
  );
  const toPasswordChange = useCallback(
    () => setView((v) => ({ kind: 'password', session: v.kind === 'home' ? v.session : undefined })),
    [],
  );
  const toHome = useCallback((session: Session) => setView({ kind: 'home', session }), []);
  const retry = useCallback(() => {
    setView({ kind: 'loading' });
    setAttempt((n) => n + 1);
  }, []);

  switch (view.kind) {
    case 'loading':
      return (
        <Screen title={t('common:brand')}>
          <Text role="status">{t('common:connecting')}</Text>
        </Screen>
      );
    case 'failed':
      return (
        <Screen title={t('common:brand')}>
          <ErrorAlert mb="sm">{view.message}</ErrorAlert>
          <Button onClick={retry}>{t('common:tryAgain')}</Button>
        </Screen>
      );
    case 'locked':
      // Once the site is open the console starts again: setup, login or home, as for any start.
      return <UnlockScreen lock={view.lock} onUnlocked={retry} />;
    case 'setup':
      return (
        <SetupScreen
          siteName={view.siteName}
          tokenRequired={view.tokenRequired}
          onCreated={(username) => toLogin(t('setup.created', { username }), username)}
          onAlreadyDone={() => toLogin(t('setup.alreadyDone'))}
        />
      );
    case 'login':
      return (
        <LoginScreen
          key={view.notice ?? ''}
          siteName={view.siteName}
          notice={view.notice}
          username={view.username}
          onLoggedIn={(session) => setView(viewFor(session))}
        />
      );
    case 'password':
      return (
        <ChangePasswordScreen
          session={view.session}
          onChanged={(session) => {
            clearRoute();
            toHome(session);
          }}
          onLoggedOut={toLogin}
        />
      );
    case 'home':
      return (
        <Suspense fallback={null}>
          <ConsoleShell
            session={view.session}
            onLoggedOut={toLogin}
            onPasswordChangeRequired={toPasswordChange}
            onSessionRenewed={toHome}
          />
        </Suspense>
      );
  }
}
