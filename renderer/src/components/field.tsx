import type { HTMLInputTypeAttribute, ReactNode } from 'react';
import { FieldError, Hint, useHintIds } from './hint.js';

/** What every labelled control shares: its label, an optional hint and its own error. */
interface FrameProps {
  label: string;
  required?: boolean | undefined;
  hint?: string | undefined;
  /** Shown under the control and announced; marks the control invalid. */
  error?: string | undefined;
  /** Says "(optional)" after the label of a control that is not required (not in a filter bar). */
  markOptional?: boolean;
}

/** The ids and ARIA attributes a control inside a {@link FieldFrame} carries. */
interface ControlWiring {
  id: string;
  'aria-required': true | undefined;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

/** Lays out a label, hint, control and error, and wires them together for assistive tech. */
function FieldFrame({
  label,
  required,
  hint,
  error,
  markOptional = true,
  children,
}: FrameProps & { children: (wiring: ControlWiring) => ReactNode }) {
  const { id, hintId, errorId, describedBy } = useHintIds(hint, error);
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}
        {required || !markOptional ? null : <span className="optional"> (optional)</span>}
      </label>
      <Hint id={hintId}>{hint}</Hint>
      {children({
        id,
        'aria-required': required || undefined,
        'aria-invalid': error ? true : undefined,
        'aria-describedby': describedBy,
      })}
      <FieldError id={errorId}>{error}</FieldError>
    </div>
  );
}

/** What a labelled text input needs. */
export interface FieldProps extends FrameProps {
  value: string;
  onChange: (value: string) => void;
  type?: HTMLInputTypeAttribute;
  autoComplete?: string;
  name?: string;
  placeholder?: string | undefined;
  readOnly?: boolean;
}

/** A text input with its label, an optional hint and its own error, all wired for assistive tech. */
export function Field({
  value,
  onChange,
  type = 'text',
  autoComplete,
  name,
  placeholder,
  readOnly,
  ...frame
}: FieldProps) {
  return (
    <FieldFrame {...frame}>
      {(wiring) => (
        <input
          {...wiring}
          name={name}
          type={type}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          autoComplete={autoComplete}
          placeholder={placeholder}
          readOnly={readOnly}
          spellCheck={false}
        />
      )}
    </FieldFrame>
  );
}

/** A multi-line text box (certificates, descriptions). */
export function TextAreaField({
  value,
  onChange,
  rows = 4,
  name,
  placeholder,
  ...frame
}: FrameProps & {
  value: string;
  onChange: (value: string) => void;
  rows?: number;
  name?: string;
  placeholder?: string;
}) {
  return (
    <FieldFrame {...frame}>
      {(wiring) => (
        <textarea
          {...wiring}
          name={name}
          rows={rows}
          value={value}
          placeholder={placeholder}
          onChange={(e) => onChange(e.target.value)}
          spellCheck={false}
        />
      )}
    </FieldFrame>
  );
}

/** A drop-down of fixed choices. */
export function SelectField<V extends string>({
  value,
  onChange,
  options,
  name,
  ...frame
}: FrameProps & {
  value: V;
  onChange: (value: V) => void;
  options: readonly { value: V; label: string }[];
  name?: string;
}) {
  return (
    <FieldFrame required {...frame}>
      {(wiring) => (
        <select {...wiring} name={name} value={value} onChange={(e) => onChange(e.target.value as V)}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </FieldFrame>
  );
}
