import type { ResultOf } from '../../../app/contract/index.js';
import { formatTime } from '../format.js';

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
    <div className="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">From</th>
            <th scope="col">Started</th>
            <th scope="col">Last active</th>
            <th scope="col">Ends</th>
            {onRevoke ? (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
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
                    <button
                      type="button"
                      className="secondary small"
                      disabled={busy}
                      aria-label={`Revoke the session from ${s.source} started ${formatTime(s.createdAt)}`}
                      onClick={() => onRevoke(s)}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
