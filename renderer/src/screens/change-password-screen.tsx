import { useState } from 'react';
import { ErrorAlert } from '../components/alert.js';
import { Screen } from '../components/screen.js';
import { WhoBar } from '../components/who-bar.js';
import { errorText, isRpcError } from '../error-text.js';
import { ChangePasswordForm } from './change-password-form.js';
import type { Session } from './login-screen.js';

/**
 * The only screen of an operator whose password is temporary (new, or reset by an administrator):
 * the service refuses everything else until it is changed.
 */
export function ChangePasswordScreen({
  session,
  onChanged,
  onLoggedOut,
}: {
  /** Unknown when the console was reloaded and the service would not even say who is logged in. */
  session: Session | undefined;
  onChanged: (session: Session) => void;
  onLoggedOut: (notice?: string) => void;
}) {
  const [error, setError] = useState<string>();

  const failure = (err: unknown): string | undefined => {
    if (isRpcError(err, 'UNAUTHENTICATED')) {
      onLoggedOut('Your session has ended. Log in again.');
      return undefined;
    }
    return errorText(err);
  };

  return (
    <Screen
      title="Change your password"
      actions={
        <WhoBar onLoggedOut={onLoggedOut} onError={setError}>
          {session ? (
            <span>
              Logged in as <strong>{session.operator.displayName}</strong> ({session.operator.username})
            </span>
          ) : null}
        </WhoBar>
      }
    >
      <p>
        Your password is temporary: an administrator set it. Choose a new password that only you know to
        continue.
      </p>
      {error ? <ErrorAlert>{error}</ErrorAlert> : null}
      <ChangePasswordForm
        username={session?.operator.username}
        submitLabel="Change password and continue"
        onChanged={onChanged}
        failure={failure}
      />
    </Screen>
  );
}
