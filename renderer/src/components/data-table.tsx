import type { ReactNode } from 'react';

/** A captioned table that scrolls sideways on a narrow screen; `actions` adds a column for row buttons. */
export function DataTable({
  caption,
  columns,
  actions,
  className,
  children,
}: {
  caption: ReactNode;
  columns: readonly string[];
  actions?: boolean;
  className?: string;
  /** The rows. */
  children: ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table className={className}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c}>
                {c}
              </th>
            ))}
            {actions ? (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** A small button in a table row, its accessible name saying which row it acts on ("Edit Reception"). */
export function RowButton({
  children,
  of,
  danger,
  disabled,
  onClick,
}: {
  /** The verb shown on the button. */
  children: string;
  /** What the row is, in words, appended to the verb for assistive tech. */
  of: string;
  danger?: boolean;
  disabled?: boolean | undefined;
  onClick: () => void;
}) {
  return (
    <button
      type="button"
      className={danger ? 'danger small' : 'secondary small'}
      aria-label={`${children} ${of}`}
      disabled={disabled}
      onClick={onClick}
    >
      {children}
    </button>
  );
}
