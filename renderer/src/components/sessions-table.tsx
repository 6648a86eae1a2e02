import { Badge, Button, Table, Text } from '@mantine/core';
import type { ResultOf } from '../../../app/contract/index.js';
import { useT } from '../i18n/i18n.js';
import { useFormatTime } from '../site-time.js';
import './sessions-table.css';

/** One live session as the service lists it. */
export type SessionRow = ResultOf<'session.list'>[number];

/**
 * Live sessions with a Revoke button on each that may be revoked (the caller's own current session
 * is left to the Log out button).
 */
export function SessionsTable({
  caption,
  sessions,
  busy,
  onRevoke,
}: {
  /** Names the table for assistive tech, and says what it lists. */
  caption: string;
  sessions: readonly SessionRow[];
  busy?: boolean;
  /** Leave out to show the sessions without buttons. */
  onRevoke?: ((session: SessionRow) => void) | undefined;
}) {
  const { t } = useT('auth');
  const formatTime = useFormatTime();
  if (sessions.length === 0) return <Text>{t('sessions.none')}</Text>;
  return (
    <div className="sessions-wrap">
      <Table captionSide="top" highlightOnHover>
        <Table.Caption>{caption}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('sessions.from')}</Table.Th>
            <Table.Th scope="col">{t('sessions.started')}</Table.Th>
            <Table.Th scope="col">{t('sessions.lastActive')}</Table.Th>
            <Table.Th scope="col">{t('sessions.ends')}</Table.Th>
            {onRevoke ? (
              <Table.Th scope="col">
                <span className="visually-hidden">{t('sessions.actions')}</span>
              </Table.Th>
            ) : null}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {sessions.map((s) => (
            <Table.Tr key={s.id}>
              <Table.Td>
                {s.source}
                {s.current ? (
                  <Badge variant="default" size="sm" ml="xs">
                    {t('sessions.current')}
                  </Badge>
                ) : null}
              </Table.Td>
              <Table.Td>{formatTime(s.createdAt)}</Table.Td>
              <Table.Td>{formatTime(s.lastSeenAt)}</Table.Td>
              <Table.Td>{formatTime(s.expiresAt)}</Table.Td>
              {onRevoke ? (
                <Table.Td className="sessions-actions">
                  {s.current ? null : (
                    <Button
                      variant="default"
                      size="compact-sm"
                      aria-label={t('sessions.revokeLabel', {
                        source: s.source,
                        started: formatTime(s.createdAt),
                      })}
                      disabled={busy}
                      onClick={() => onRevoke(s)}
                    >
                      {t('sessions.revoke')}
                    </Button>
                  )}
                </Table.Td>
              ) : null}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}
