import { useCallback, useEffect, useState } from 'react';
import type { Permission } from '../../../app/contract/permissions.js';
import { ErrorAlert } from '../components/alert.js';
import { NavBar } from '../components/nav-bar.js';
import { Screen } from '../components/screen.js';
import { WhoBar } from '../components/who-bar.js';
import { errorText, isRpcError } from '../error-text.js';
import { useHashRoute } from '../hash-route.js';
import { call, subscribe } from '../rpc/client.js';
import { sections } from '../sections.js';
import type { Session } from './login-screen.js';
import type { Site } from './site-rename-form.js';

/** Keeps the newer of two readings of the site (events and answers can arrive in either order). */
function newer(current: Site | undefined, next: Site): Site {
  return current && current.version > next.version ? current : next;
}

/**
 * The logged-in console: who is logged in, the sections their permissions allow, and the open one.
 * Failed calls that mean the session no longer serves are handled here, once, for every section.
 */
export function ConsoleShell({
  session,
  onLoggedOut,
  onPasswordChangeRequired,
  onSessionRenewed,
}: {
  session: Session;
  onLoggedOut: (notice?: string) => void;
  onPasswordChangeRequired: () => void;
  onSessionRenewed: (session: Session) => void;
}) {
  const [site, setSite] = useState<Site>();
  const [error, setError] = useState<string>();
  const route = useHashRoute();
  const { operator } = session;

  const can = useCallback((p: Permission) => operator.permissions.includes(p), [operator.permissions]);
  const readsSite = can('site:read');

  const failure = useCallback(
    (err: unknown): string | undefined => {
      if (isRpcError(err, 'UNAUTHENTICATED')) {
        onLoggedOut('Your session has ended. Log in again.');
        return undefined;
      }
      if (isRpcError(err, 'PASSWORD_CHANGE_REQUIRED')) {
        onPasswordChangeRequired();
        return undefined;
      }
      return errorText(err);
    },
    [onLoggedOut, onPasswordChangeRequired],
  );

  useEffect(() => {
    if (!readsSite) return;
    let live = true;
    // Subscribe before reading, so a change made in between is not missed.
    const unsubscribe = subscribe('site.updated', (e) => setSite((cur) => newer(cur, e.payload)));
    call('site.get', {}).then(
      (s) => {
        if (live) setSite((cur) => newer(cur, s));
      },
      (err: unknown) => {
        if (live) setError(failure(err));
      },
    );
    return () => {
      live = false;
      unsubscribe();
    };
  }, [readsSite, failure]);

  const visible = sections.filter((s) => !s.permission || can(s.permission));
  const section = visible.find((s) => s.id === route) ?? visible[0]!;
  const title =
    section.id === 'home'
      ? (site?.name ?? (readsSite ? 'Loading the site…' : 'Lintel'))
      : (section.title ?? section.label);
  const roleNames = operator.roles.map((r) => r.name).join(', ') || 'no role';
  const { Component } = section;

  return (
    <Screen
      // A new section is a new screen: its heading takes focus, its state starts fresh.
      key={section.id}
      title={title}
      wide={section.id !== 'home'}
      nav={<NavBar items={visible} current={section.id} />}
      actions={
        <WhoBar onLoggedOut={onLoggedOut} onError={setError}>
          <span>
            Logged in as <strong>{operator.displayName}</strong> ({operator.username}, {roleNames})
          </span>
        </WhoBar>
      }
    >
      {error ? <ErrorAlert>{error}</ErrorAlert> : null}
      <Component
        session={session}
        site={site}
        can={can}
        failure={failure}
        onSiteChanged={(s) => setSite((cur) => newer(cur, s))}
        onSessionRenewed={onSessionRenewed}
      />
    </Screen>
  );
}
