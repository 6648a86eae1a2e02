import { useCallback, useEffect, useState } from 'react';
import { ErrorAlert, Notice } from '../components/alert.js';
import { SessionsTable, type SessionRow } from '../components/sessions-table.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { ChangePasswordForm } from './change-password-form.js';

/** The operator's own account: their password and their live sessions. */
export function AccountScreen({ session, failure, onSessionRenewed }: SectionProps) {
  const { operator } = session;
  const [sessions, setSessions] = useState<SessionRow[]>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [passwordNotice, setPasswordNotice] = useState<string>();
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    () =>
      call('session.list', {}).then(
        (list) => setSessions(list),
        (err: unknown) => setError(failure(err)),
      ),
    [failure],
  );
  useEffect(() => {
    void load();
  }, [load]);

  async function revoke(s: SessionRow) {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      const { revoked } = await call('session.revoke', { sessionId: s.id });
      setNotice(revoked ? `The session from ${s.source} has ended.` : 'That session had already ended.');
      await load();
    } catch (err) {
      setError(failure(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <p className="subtitle">
        {operator.displayName} ({operator.username}) · {operator.source === 'ldap' ? 'directory' : 'local'}{' '}
        account · roles: {operator.roles.map((r) => r.name).join(', ') || 'none'}
      </p>
      <section aria-labelledby="password-heading">
        <h2 id="password-heading">Password</h2>
        {operator.source === 'ldap' ? (
          <p>Your password is kept by the directory (LDAP): change it there.</p>
        ) : (
          <>
            {passwordNotice ? <Notice>{passwordNotice}</Notice> : null}
            <ChangePasswordForm
              username={operator.username}
              onChanged={(renewed) => {
                onSessionRenewed(renewed);
                setPasswordNotice('Password changed. Your other sessions have ended; this one carries on.');
                void load();
              }}
              failure={failure}
            />
          </>
        )}
      </section>
      <section aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">Your sessions</h2>
        {error ? <ErrorAlert>{error}</ErrorAlert> : null}
        {notice ? <Notice>{notice}</Notice> : null}
        {sessions ? (
          <SessionsTable caption="Your live sessions" sessions={sessions} busy={busy} onRevoke={revoke} />
        ) : null}
      </section>
    </>
  );
}
