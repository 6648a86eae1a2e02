import type { ReactNode } from 'react';

/** An error announced to screen readers as soon as it appears. */
export function ErrorAlert({ children, id }: { children: ReactNode; id?: string }) {
  return (
    <p className="alert" role="alert" id={id}>
      {children}
    </p>
  );
}

/** A polite status message (saved, created, logged out). */
export function Notice({ children }: { children: ReactNode }) {
  return (
    <p className="notice" role="status">
      {children}
    </p>
  );
}
