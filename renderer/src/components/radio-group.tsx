import { useId } from 'react';
import { Check } from './check.js';

/** One exclusive choice under a legend (where a role applies, how groups are found). */
export function RadioGroup<V extends string>({
  legend,
  value,
  onChange,
  options,
}: {
  legend: string;
  value: V;
  onChange: (value: V) => void;
  options: readonly { value: V; label: string; hint?: string }[];
}) {
  const id = useId();
  return (
    <fieldset className="field checks">
      <legend>{legend}</legend>
      <div className="check-list">
        {options.map((o) => (
          <Check
            key={o.value}
            type="radio"
            name={id}
            value={o.value}
            label={o.label}
            checked={value === o.value}
            onChange={() => onChange(o.value)}
            hint={o.hint}
          />
        ))}
      </div>
    </fieldset>
  );
}
