import { Anchor, Badge, Button, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import type { MobileKey, MobileKeyState } from '../../../../app/contract/methods/mobile.js';
import { useT } from '../../i18n/i18n.js';
import { useFormatTime } from '../../site-time.js';

/** The colour of each state's dot: on its way, on the phone, needs re-sending, cancelled. */
const STATE_COLOURS: Record<MobileKeyState, string> = {
  sent: 'blue',
  delivered: 'green',
  lost: 'red',
  revoked: 'gray',
};

/** What an operator with keys:encode can do to a key. */
export interface MobileKeyActions {
  busy: boolean;
  onResend: (key: MobileKey) => void;
  onRevoke: (key: MobileKey) => void;
}

/** A key's state as a dot in its colour, with when it was delivered or revoked and what it means. */
function StateCell({ mobileKey }: { mobileKey: MobileKey }) {
  const { t } = useT('mobile');
  const formatTime = useFormatTime();
  const { state } = mobileKey;
  return (
    <Table.Td>
      {/* A dot in the state's colour beside words in the text colour (light badges fail contrast). */}
      <Badge color={STATE_COLOURS[state]} variant="dot">
        {t(`keys.states.${state}`)}
      </Badge>
      <Text span className="mobile-muted">
        {state === 'delivered' && mobileKey.deliveredAt
          ? t('keys.deliveredAt', { time: formatTime(mobileKey.deliveredAt) })
          : state === 'revoked' && mobileKey.revokedAt
            ? t('keys.revokedAt', { time: formatTime(mobileKey.revokedAt) })
            : t(`keys.stateHints.${state}`)}
      </Text>
    </Table.Td>
  );
}

/**
 * Mobile keys, one row each: its id, the phone it went to, its state (sent, delivered, lost,
 * revoked), when it was issued and until when it opens. With the user it belongs to (`users`: names
 * by id, linking to the user) on the site-wide list, and Re-send and Revoke for a key not revoked
 * (`actions`).
 */
export function MobileKeyTable({
  keys,
  users,
  actions,
}: {
  keys: readonly MobileKey[];
  /** Show a user column, naming each user (falls back to the id). */
  users?: ReadonlyMap<number, string> | undefined;
  /** Undefined: the operator may only look (no keys:encode). */
  actions?: MobileKeyActions | undefined;
}) {
  const { t } = useT('mobile');
  const formatTime = useFormatTime();
  const caption = t('keys.caption', { count: keys.length });
  return (
    // Focusable: a table wider than the screen scrolls, and a keyboard must reach it (axe).
    <div className="mobile-table-wrap" tabIndex={0} role="group" aria-label={caption}>
      <Table captionSide="top">
        <Table.Caption>{caption}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">#</Table.Th>
            {users ? <Table.Th scope="col">{t('keys.user')}</Table.Th> : null}
            <Table.Th scope="col">{t('keys.phone')}</Table.Th>
            <Table.Th scope="col">{t('keys.state')}</Table.Th>
            <Table.Th scope="col">{t('keys.issuedAt')}</Table.Th>
            <Table.Th scope="col">{t('keys.notAfter')}</Table.Th>
            {actions ? <Table.Th scope="col">{t('keys.actions')}</Table.Th> : null}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {keys.map((k) => {
            const userName = k.userId === null ? '—' : (users?.get(k.userId) ?? `#${k.userId}`);
            return (
              <Table.Tr key={k.credentialId}>
                <Table.Th scope="row">{k.credentialId}</Table.Th>
                {users ? (
                  <Table.Td>
                    {k.userId === null ? (
                      userName
                    ) : (
                      <Anchor
                        component={Link}
                        to={`/users?user=${k.userId}`}
                        size="sm"
                        aria-label={t('keys.openUser', { name: userName })}
                      >
                        {userName}
                      </Anchor>
                    )}
                  </Table.Td>
                ) : null}
                <Table.Td>{k.phoneLabel ?? t('keys.removedPhone')}</Table.Td>
                <StateCell mobileKey={k} />
                <Table.Td className="mobile-nowrap">{formatTime(k.issuedAt)}</Table.Td>
                <Table.Td className="mobile-nowrap">{formatTime(k.notAfter)}</Table.Td>
                {actions ? (
                  <Table.Td>
                    {k.state === 'revoked' ? null : (
                      <div className="mobile-actions">
                        <Button
                          size="compact-sm"
                          variant="default"
                          aria-label={t('keys.resendNamed', { id: k.credentialId })}
                          disabled={actions.busy || k.phoneLabel === null}
                          onClick={() => actions.onResend(k)}
                        >
                          {t('keys.resend')}
                        </Button>
                        <Button
                          size="compact-sm"
                          color="red"
                          variant="outline"
                          aria-label={t('keys.revokeNamed', { id: k.credentialId })}
                          disabled={actions.busy}
                          onClick={() => actions.onRevoke(k)}
                        >
                          {t('keys.revoke')}
                        </Button>
                      </div>
                    )}
                  </Table.Td>
                ) : null}
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </div>
  );
}
