import { Alert } from '@mantine/core';
import type { ReactNode } from 'react';

/** An error announced to screen readers as soon as it appears. */
export function ErrorAlert({ children, id }: { children: ReactNode; id?: string }) {
  return (
    <Alert color="red" role="alert" id={id} mb="sm">
      {children}
    </Alert>
  );
}

/** A polite status message (saved, created, logged out). */
export function Notice({ children }: { children: ReactNode }) {
  return (
    <Alert color="green" role="status" mb="sm">
      {children}
    </Alert>
  );
}
