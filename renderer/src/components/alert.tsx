import { Alert, type AlertProps } from '@mantine/core';
import type { ReactNode } from 'react';

/** What an alert takes besides its words: spacing, an id to point at. */
type AlertBox = Omit<AlertProps, 'color' | 'role' | 'children'> & { children?: ReactNode };

/** An error announced to screen readers as soon as it appears; nothing when there is none. */
export function ErrorAlert({ children, ...box }: AlertBox) {
  return children ? (
    <Alert color="red" role="alert" {...box}>
      {children}
    </Alert>
  ) : null;
}

/** A polite status message (saved, created, logged out); nothing when there is none. */
export function Notice({ children, ...box }: AlertBox) {
  return children ? (
    <Alert color="green" role="status" {...box}>
      {children}
    </Alert>
  ) : null;
}
