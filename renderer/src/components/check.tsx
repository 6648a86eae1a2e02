import type { ReactNode } from 'react';
import { Hint, useHintIds } from './hint.js';

/** One checkbox or radio button, its label beside it and an optional hint under it (alone, or in a group). */
export function Check({
  type = 'checkbox',
  name,
  value,
  label,
  checked,
  onChange,
  hint,
  disabled,
}: {
  type?: 'checkbox' | 'radio';
  /** Ties radio buttons into one group. */
  name?: string;
  value?: string;
  label: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
  hint?: string | undefined;
  disabled?: boolean | undefined;
}) {
  const { id, hintId } = useHintIds(hint);
  return (
    <div className="check">
      <input
        id={id}
        type={type}
        name={name}
        value={value}
        checked={checked}
        disabled={disabled}
        onChange={(e) => onChange(e.target.checked)}
        aria-describedby={hintId}
      />
      <label htmlFor={id}>{label}</label>
      <Hint id={hintId}>{hint}</Hint>
    </div>
  );
}
