import { useState, type FormEvent } from 'react';
import type { ResultOf } from '../../../app/contract/index.js';
import { ErrorAlert, Notice } from '../components/alert.js';
import { Field } from '../components/field.js';
import { Screen } from '../components/screen.js';
import { errorText } from '../error-text.js';
import { call } from '../rpc/client.js';

/** The session the console keeps in memory (never a token: that stays in the cookie or main process). */
export type Session = ResultOf<'session.current'>;

/** Operator login. */
export function LoginScreen({
  siteName,
  notice,
  username: initialUsername = '',
  onLoggedIn,
}: {
  siteName: string;
  notice?: string | undefined;
  username?: string | undefined;
  onLoggedIn: (session: Session) => void;
}) {
  const [username, setUsername] = useState(initialUsername);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      const { operator, expiresAt } = await call('session.login', { username, password });
      onLoggedIn({ operator, expiresAt });
    } catch (err) {
      setPassword('');
      setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <Screen title="Log in">
      <p className="subtitle">{siteName}</p>
      {notice ? <Notice>{notice}</Notice> : null}
      <form onSubmit={submit} noValidate aria-busy={busy}>
        {error ? <ErrorAlert>{error}</ErrorAlert> : null}
        <Field
          label="Username"
          name="username"
          value={username}
          onChange={setUsername}
          autoComplete="username"
          required
        />
        <Field
          label="Password"
          name="password"
          type="password"
          value={password}
          onChange={setPassword}
          autoComplete="current-password"
          required
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </Screen>
  );
}
