import type { ResultOf } from '../../../app/contract/index.js';
import { formatTime } from '../format.js';
import { DataTable, RowButton } from './data-table.js';

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
  caption: string;
  sessions: readonly SessionRow[];
  busy?: boolean;
  /** Leave out to show the sessions without buttons. */
  onRevoke?: ((session: SessionRow) => void) | undefined;
}) {
  if (sessions.length === 0) return <p>No live sessions.</p>;
  return (
    <DataTable caption={caption} columns={['From', 'Started', 'Last active', 'Ends']} actions={!!onRevoke}>
      {sessions.map((s) => (
        <tr key={s.id}>
          <td>
            {s.source}
            {s.current ? <span className="badge">this session</span> : null}
          </td>
          <td>{formatTime(s.createdAt)}</td>
          <td>{formatTime(s.lastSeenAt)}</td>
          <td>{formatTime(s.expiresAt)}</td>
          {onRevoke ? (
            <td className="actions">
              {s.current ? null : (
                <RowButton
                  of={`the session from ${s.source} started ${formatTime(s.createdAt)}`}
                  disabled={busy}
                  onClick={() => onRevoke(s)}
                >
                  Revoke
                </RowButton>
              )}
            </td>
          ) : null}
        </tr>
      ))}
    </DataTable>
  );
}
