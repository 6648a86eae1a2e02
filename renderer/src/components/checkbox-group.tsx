import type { ReactNode } from 'react';
import { Check } from './check.js';
import { FieldError, Hint, useHintIds } from './hint.js';

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
  const { hintId, errorId, describedBy } = useHintIds(hint, error);
  const toggle = (value: V, on: boolean) =>
    onChange(on ? [...selected.filter((v) => v !== value), value] : selected.filter((v) => v !== value));
  return (
    <fieldset className="field checks" aria-describedby={describedBy} aria-invalid={error ? true : undefined}>
      <legend>{legend}</legend>
      <Hint id={hintId}>{hint}</Hint>
      <div className={columns ? 'check-list columns' : 'check-list'}>
        {options.map((o) => (
          <Check
            key={String(o.value)}
            label={o.label}
            checked={selected.includes(o.value)}
            onChange={(on) => toggle(o.value, on)}
            hint={o.hint}
            disabled={o.disabled}
          />
        ))}
      </div>
      <FieldError id={errorId}>{error}</FieldError>
    </fieldset>
  );
}
