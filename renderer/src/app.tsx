import { useCallback, useEffect, useState } from 'react';
import { ErrorAlert } from './components/alert.js';
import { Screen } from './components/screen.js';
import { errorText, isRpcError } from './error-text.js';
import { call } from './rpc/client.js';
import { useNavigate } from 'react-router';
import { ChangePasswordScreen } from './screens/change-password-screen.js';
import { ConsoleShell } from './screens/console-shell.js';
import { LoginScreen, type Session } from './screens/login-screen.js';
import { SetupScreen } from './screens/setup-screen.js';

/** Which screen the console shows, with what it needs. */
type View =
  | { kind: 'loading' }
  | { kind: 'failed'; message: string }
  | { kind: 'setup'; siteName: string }
  | { kind: 'login'; siteName: string; notice?: string; username?: string }
  | { kind: 'password'; session?: Session | undefined }
  | { kind: 'home'; session: Session };

/** Where a session leads: a temporary password must be replaced before anything else. */
function viewFor(session: Session): View {
  return session.operator.mustChangePassword ? { kind: 'password', session } : { kind: 'home', session };
}

/** Where a fresh console starts: setup until an administrator exists, then home or login. */
async function startingView(): Promise<View> {
  const status = await call('setup.status', {});
  if (!status.administratorExists) return { kind: 'setup', siteName: status.siteName };
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
  const [view, setView] = useState<View>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const navigate = useNavigate();
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

  const toLogin = useCallback(
    (notice?: string, username?: string) => {
      clearRoute();
      // The site name shown on the login screen is read again: it may have changed meanwhile.
      call('setup.status', {}).then(
        (s) => setView({ kind: 'login', siteName: s.siteName, notice, username }),
        () => setView({ kind: 'login', siteName: '', notice, username }),
      );
    },
    [clearRoute],
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
        <Screen title="Lintel">
          <p role="status">Connecting to the Lintel service…</p>
        </Screen>
      );
    case 'failed':
      return (
        <Screen title="Lintel">
          <ErrorAlert>{view.message}</ErrorAlert>
          <button type="button" onClick={retry}>
            Try again
          </button>
        </Screen>
      );
    case 'setup':
      return (
        <SetupScreen
          siteName={view.siteName}
          onCreated={(username) =>
            toLogin(`Administrator “${username}” created. Log in with the new password.`, username)
          }
          onAlreadyDone={() => toLogin('An administrator already exists. Log in.')}
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
        <ConsoleShell
          session={view.session}
          onLoggedOut={toLogin}
          onPasswordChangeRequired={toPasswordChange}
          onSessionRenewed={toHome}
        />
      );
  }
}
