import { useState, type ReactNode } from 'react';
import { errorText, isRpcError } from '../error-text.js';
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
  const [leaving, setLeaving] = useState(false);

  async function logout() {
    setLeaving(true);
    try {
      await call('session.logout', {});
      onLoggedOut('You have logged out.');
    } catch (err) {
      // A session that had already ended is as logged out as can be.
      if (isRpcError(err, 'UNAUTHENTICATED')) {
        onLoggedOut('You have logged out.');
        return;
      }
      onError(errorText(err));
      setLeaving(false);
    }
  }

  return (
    <div className="who">
      {children}
      <button type="button" className="secondary" onClick={logout} disabled={leaving}>
        Log out
      </button>
    </div>
  );
}
