import { Button, Group } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { errorText, isRpcError } from '../error-text.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';

/** Who is logged in and a Log out button: the top bar's actions on every screen behind the login. */
export function WhoBar({
  children,
  onLoggedOut,
  onError,
}: {
  /** Who is logged in, in words. */
  children: ReactNode;
  onLoggedOut: (notice: string) => void;
  /** Logging out failed and the session carries on: what to show. */
  onError: (message: string) => void;
}) {
  const { t } = useT();
  const logout = useMutation({
    mutationFn: () => call('session.logout', {}),
    onSuccess: () => onLoggedOut(t('loggedOut')),
    onError: (err) => {
      // A session that had already ended is as logged out as can be.
      if (isRpcError(err, 'UNAUTHENTICATED')) onLoggedOut(t('loggedOut'));
      else onError(errorText(err));
    },
  });

  return (
    <Group gap="sm" wrap="nowrap">
      {children}
      <Button
        variant="default"
        size="xs"
        // Stays busy after success: the screen is about to give way to the login.
        loading={logout.isPending || logout.isSuccess}
        onClick={() => logout.mutate()}
      >
        {t('logOut')}
      </Button>
    </Group>
  );
}
