import { useId } from 'react';

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
          <div className="check" key={o.value}>
            <input
              id={`${id}-${o.value}`}
              type="radio"
              name={id}
              value={o.value}
              checked={value === o.value}
              onChange={() => onChange(o.value)}
              aria-describedby={o.hint ? `${id}-${o.value}-hint` : undefined}
            />
            <label htmlFor={`${id}-${o.value}`}>{o.label}</label>
            {o.hint ? (
              <p className="hint" id={`${id}-${o.value}-hint`}>
                {o.hint}
              </p>
            ) : null}
          </div>
        ))}
      </div>
    </fieldset>
  );
}
