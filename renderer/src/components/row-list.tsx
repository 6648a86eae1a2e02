import type { ReactNode } from 'react';
import { RowButton } from './data-table.js';

/**
 * A list of small rows of fields under one legend (a day's intervals, a calendar's days, an access
 * level's rights), with its error, what an empty list means, and a button that adds a row.
 */
export function RowList({
  legend,
  className = 'rows',
  hint,
  error,
  empty,
  addLabel,
  addName,
  full,
  onAdd,
  children,
}: {
  legend: string;
  className?: string;
  hint?: string;
  error?: string | undefined;
  /** Said when there are no rows. */
  empty: string | undefined;
  /** The text of the add button. */
  addLabel: string;
  /** The add button's accessible name, when the text alone is ambiguous. */
  addName?: string;
  /** Why no more rows can be added; the add button is disabled while it is set. */
  full?: string | undefined;
  onAdd: () => void;
  children: ReactNode;
}) {
  return (
    <fieldset className={className}>
      <legend>{legend}</legend>
      {hint ? <p className="hint">{hint}</p> : null}
      {error ? <p className="field-error">{error}</p> : null}
      {empty ? <p className="hint">{empty}</p> : null}
      {children}
      <button
        type="button"
        className="secondary small"
        disabled={!!full}
        aria-label={addName}
        onClick={onAdd}
      >
        {addLabel}
      </button>
      {full ? <span className="hint"> {full}</span> : null}
    </fieldset>
  );
}

/** One row of a {@link RowList}: its fields, grouped under a name, and a button that removes it. */
export function FieldRow({
  name,
  onRemove,
  children,
}: {
  /** The row's accessible name ("Monday, interval 2"). */
  name: string;
  onRemove: () => void;
  children: ReactNode;
}) {
  return (
    <div className="interval" role="group" aria-label={name}>
      {children}
      <RowButton of={name} onClick={onRemove}>
        Remove
      </RowButton>
    </div>
  );
}
