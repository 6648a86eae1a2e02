import { useId, type ReactNode } from 'react';

/** One choice of a {@link CheckboxGroup}. */
export interface CheckboxOption<V> {
  value: V;
  label: ReactNode;
  /** Shown under the choice (what a permission means, why it cannot be chosen). */
  hint?: string | undefined;
  disabled?: boolean | undefined;
}

/**
 * A set of checkboxes under one legend: the accessible form of a multi-select (roles of an operator,
 * permissions of a role), usable with the keyboard and announced as a group.
 */
export function CheckboxGroup<V extends string | number>({
  legend,
  options,
  selected,
  onChange,
  hint,
  error,
  columns,
}: {
  legend: string;
  options: readonly CheckboxOption<V>[];
  selected: readonly V[];
  onChange: (selected: V[]) => void;
  hint?: string | undefined;
  error?: string | undefined;
  /** Lays long lists out in columns. */
  columns?: boolean;
}) {
  const id = useId();
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  const toggle = (value: V, on: boolean) =>
    onChange(on ? [...selected.filter((v) => v !== value), value] : selected.filter((v) => v !== value));
  return (
    <fieldset
      className="field checks"
      aria-describedby={describedBy || undefined}
      aria-invalid={error ? true : undefined}
    >
      <legend>{legend}</legend>
      {hint ? (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      <div className={columns ? 'check-list columns' : 'check-list'}>
        {options.map((o, i) => (
          <div className="check" key={String(o.value)}>
            <input
              id={`${id}-${i}`}
              type="checkbox"
              checked={selected.includes(o.value)}
              disabled={o.disabled}
              onChange={(e) => toggle(o.value, e.target.checked)}
              aria-describedby={o.hint ? `${id}-${i}-hint` : undefined}
            />
            <label htmlFor={`${id}-${i}`}>{o.label}</label>
            {o.hint ? (
              <p className="hint" id={`${id}-${i}-hint`}>
                {o.hint}
              </p>
            ) : null}
          </div>
        ))}
      </div>
      {error ? (
        <p className="field-error" role="alert" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
