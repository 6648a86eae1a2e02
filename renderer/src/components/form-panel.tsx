import type { FormEvent, ReactNode } from 'react';
import { ErrorAlert } from './alert.js';
import { Panel } from './panel.js';

/**
 * A form in a panel beside a list, for a new object or one being edited: its title and its submit
 * button name both ("New door", "Edit door Main entrance"; "Create door", "Save door").
 */
export function FormPanel({
  noun,
  name,
  busy,
  error,
  onSubmit,
  onClose,
  children,
}: {
  /** The kind of thing, in words ("door"). */
  noun: string;
  /** The name of the object edited; undefined for a new one. */
  name: string | undefined;
  busy: boolean;
  error: string | undefined;
  onSubmit: (e: FormEvent) => void;
  onClose: () => void;
  children: ReactNode;
}) {
  const title = name === undefined ? `New ${noun}` : `Edit ${noun} ${name}`;
  return (
    <Panel title={title} onClose={onClose}>
      <form onSubmit={onSubmit} noValidate aria-busy={busy} aria-label={title}>
        {error ? <ErrorAlert>{error}</ErrorAlert> : null}
        {children}
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : `${name === undefined ? 'Create' : 'Save'} ${noun}`}
        </button>
      </form>
    </Panel>
  );
}
