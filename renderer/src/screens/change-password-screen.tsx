import { Alert, Text } from '@mantine/core';
import { useState } from 'react';
import { Trans } from 'react-i18next';
import { Screen } from '../components/screen.js';
import { WhoBar } from '../components/who-bar.js';
import { errorText, isRpcError } from '../error-text.js';
import { useT } from '../i18n/i18n.js';
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
  const { t } = useT('auth');
  const [error, setError] = useState<string>();

  const failure = (err: unknown): string | undefined => {
    if (isRpcError(err, 'UNAUTHENTICATED')) {
      onLoggedOut(t('common:sessionEnded'));
      return undefined;
    }
    return errorText(err);
  };

  return (
    <Screen
      title={t('password.title')}
      actions={
        <WhoBar onLoggedOut={onLoggedOut} onError={setError}>
          {session ? (
            <Text size="sm" span>
              <Trans
                t={t}
                i18nKey="password.loggedInAs"
                values={{ name: session.operator.displayName, username: session.operator.username }}
                components={{ strong: <strong /> }}
              />
            </Text>
          ) : null}
        </WhoBar>
      }
    >
      <Text>{t('password.intro')}</Text>
      {error ? <Alert color="red">{error}</Alert> : null}
      <ChangePasswordForm
        username={session?.operator.username}
        submitLabel={t('password.submitAndContinue')}
        onChanged={onChanged}
        failure={failure}
      />
    </Screen>
  );
}
