import { useEffect, useState } from 'react';
import { ErrorAlert } from '../components/alert.js';
import { Screen } from '../components/screen.js';
import { errorText, isRpcError } from '../error-text.js';
import { call, subscribe } from '../rpc/client.js';
import type { Session } from './login-screen.js';
import { SiteRenameForm, type Site } from './site-rename-form.js';

/** Keeps the newer of two readings of the site (events and answers can arrive in either order). */
function newer(current: Site | undefined, next: Site): Site {
  return current && current.version > next.version ? current : next;
}

/** The home screen: the site, who is logged in, renaming the site, logging out. */
export function HomeScreen({
  session,
  onLoggedOut,
}: {
  session: Session;
  onLoggedOut: (notice?: string) => void;
}) {
  const [site, setSite] = useState<Site>();
  const [error, setError] = useState<string>();
  const [leaving, setLeaving] = useState(false);
  const canRename = session.operator.permissions.includes('settings:admin');

  useEffect(() => {
    let live = true;
    // Subscribe before reading, so a change made in between is not missed.
    const unsubscribe = subscribe('site.updated', (e) => setSite((cur) => newer(cur, e.payload)));
    call('site.get', {}).then(
      (s) => {
        if (live) setSite((cur) => newer(cur, s));
      },
      (err: unknown) => {
        if (!live) return;
        if (isRpcError(err, 'UNAUTHENTICATED')) onLoggedOut('Your session has ended. Log in again.');
        else setError(errorText(err));
      },
    );
    return () => {
      live = false;
      unsubscribe();
    };
  }, [onLoggedOut]);

  async function logout() {
    setLeaving(true);
    try {
      await call('session.logout', {});
      onLoggedOut('You have logged out.');
    } catch (err) {
      if (isRpcError(err, 'UNAUTHENTICATED')) {
        onLoggedOut('You have logged out.');
        return;
      }
      setError(errorText(err));
      setLeaving(false);
    }
  }

  const { operator } = session;
  return (
    <Screen
      title={site?.name ?? 'Loading the site…'}
      actions={
        <div className="who">
          <span>
            Logged in as <strong>{operator.displayName}</strong> ({operator.username}, {operator.role})
          </span>
          <button type="button" className="secondary" onClick={logout} disabled={leaving}>
            Log out
          </button>
        </div>
      }
    >
      {error ? <ErrorAlert>{error}</ErrorAlert> : null}
      {site ? (
        <>
          <p className="subtitle">Time zone: {site.timeZone}</p>
          {canRename ? (
            <SiteRenameForm
              site={site}
              onSaved={(s) => setSite((cur) => newer(cur, s))}
              onSessionEnded={() => onLoggedOut('Your session has ended. Log in again.')}
            />
          ) : null}
        </>
      ) : null}
    </Screen>
  );
}
