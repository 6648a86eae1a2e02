import { useId, type HTMLInputTypeAttribute } from 'react';

/** What a labelled text input needs. */
export interface FieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  type?: HTMLInputTypeAttribute;
  autoComplete?: string;
  required?: boolean;
  hint?: string;
  /** Shown under the input and announced; marks the input invalid. */
  error?: string | undefined;
  name?: string;
}

/** A text input with its label, an optional hint and its own error, all wired for assistive tech. */
export function Field({
  label,
  value,
  onChange,
  type = 'text',
  autoComplete,
  required,
  hint,
  error,
  name,
}: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}
        {required ? null : <span className="optional"> (optional)</span>}
      </label>
      {hint ? (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      <input
        id={id}
        name={name}
        type={type}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        autoComplete={autoComplete}
        aria-required={required || undefined}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        spellCheck={false}
      />
      {error ? (
        <p className="field-error" role="alert" id={errorId}>
          {error}
        </p>
      ) : null}
    </div>
  );
}
