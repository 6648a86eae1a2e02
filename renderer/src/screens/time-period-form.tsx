import type { FormEvent } from 'react';
import type { TimePeriod } from '../../../app/contract/methods/schedules.js';
import type { DayType, TimePeriodRules } from '../../../app/contract/schedule-schemas.js';
import { dayTypes } from '../access-labels.js';
import { Field } from '../components/field.js';
import { FormPanel } from '../components/form-panel.js';
import { NameFields } from '../components/name-fields.js';
import { FieldRow, RowList } from '../components/row-list.js';
import type { FieldErrors } from '../param-issues.js';
import { call } from '../rpc/client.js';
import { explainConflict } from '../save-conflict.js';
import type { SectionProps } from '../section.js';
import { hhmm, minutesOf } from '../time-text.js';
import { useDraft } from '../use-draft.js';
import { useFormSend } from '../use-form-send.js';

/** Intervals a day type may hold (the contract's MAX_INTERVALS_PER_DAY, as locks store them). */
const MAX_INTERVALS = 8;

/** One interval as typed. */
interface Row {
  start: string;
  end: string;
}

/** The time period as the form edits it: times as typed. */
interface Draft {
  name: string;
  description: string;
  rules: Record<DayType, Row[]>;
}

function draftOf(period: TimePeriod | undefined): Draft {
  const rules = Object.fromEntries(
    dayTypes.map(({ value }) => [
      value,
      (period?.rules[value] ?? []).map((i) => ({ start: hhmm(i.start), end: hhmm(i.end) })),
    ]),
  ) as Record<DayType, Row[]>;
  return { name: period?.name ?? '', description: period?.description ?? '', rules };
}

/**
 * The rules in minutes, each day's intervals in order of start, with what is wrong beside its field
 * (`rules.mon.1.start`); the sorted rows go back into the form so the paths match what it shows.
 */
function checkRules(rules: Record<DayType, Row[]>) {
  const errors: FieldErrors<string> = {};
  const sortedRows = { ...rules };
  const minutes = {} as TimePeriodRules;
  for (const { value: day, label } of dayTypes) {
    const parsed = rules[day].map((r) => ({
      row: r,
      start: minutesOf(r.start, false),
      end: minutesOf(r.end, true),
    }));
    parsed.sort((a, b) => (a.start ?? -1) - (b.start ?? -1));
    sortedRows[day] = parsed.map((p) => p.row);
    parsed.forEach((p, i) => {
      const at = `rules.${day}.${i}`;
      if (p.start === undefined) errors[`${at}.start`] = 'Type the start as HH:MM, such as 08:30.';
      if (p.end === undefined)
        errors[`${at}.end`] = 'Type the end as HH:MM, such as 17:00 (24:00 for midnight).';
      if (p.start !== undefined && p.end !== undefined && p.end <= p.start)
        errors[`${at}.end`] =
          `Must end after it starts; split an interval that crosses midnight over two days.`;
      const prev = parsed[i - 1];
      if (prev?.end !== undefined && p.start !== undefined && p.start < prev.end)
        errors[`${at}.start`] =
          `Overlaps the ${label} interval before it, which ends at ${hhmm(prev.end)}: start at ${hhmm(prev.end)} or later.`;
    });
    minutes[day] = parsed.map((p) => ({ start: p.start ?? 0, end: p.end ?? 0 }));
  }
  return { errors, sortedRows, minutes };
}

/** Creates or edits a time period: its name and, for each day type, up to 8 intervals as HH:MM. */
export function TimePeriodForm({
  period,
  failure,
  onSaved,
  onClose,
}: Pick<SectionProps, 'failure'> & {
  /** The time period to edit; none to create one. */
  period?: TimePeriod | undefined;
  onSaved: (period: TimePeriod, created: boolean) => void;
  onClose: () => void;
}) {
  const [draft, setDraft, set] = useDraft(() => draftOf(period));
  const { errors, setErrors, formError, setFormError, busy, send } = useFormSend<string>(failure);

  const setRows = (day: DayType, rows: Row[]) =>
    setDraft((d) => ({ ...d, rules: { ...d.rules, [day]: rows } }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(undefined);
    const { errors: bad, sortedRows, minutes } = checkRules(draft.rules);
    setDraft((d) => ({ ...d, rules: sortedRows }));
    setErrors(bad);
    if (Object.keys(bad).length) return;
    const values = { name: draft.name, description: draft.description, rules: minutes };
    const fields = [
      'name',
      'description',
      ...dayTypes.flatMap(({ value: day }) => [
        `rules.${day}`,
        ...sortedRows[day].flatMap((_, i) => [`rules.${day}.${i}.start`, `rules.${day}.${i}.end`]),
      ]),
    ];
    await send(
      async () => {
        const saved = period
          ? await call('timePeriods.update', { id: period.id, version: period.version, ...values })
          : await call('timePeriods.create', values);
        onSaved(saved, !period);
      },
      {
        fields,
        explain: (err) => explainConflict(err, 'time period', setFormError, (name) => setErrors({ name })),
      },
    );
  }

  return (
    <FormPanel
      noun="time period"
      name={period?.name}
      busy={busy}
      error={formError}
      onSubmit={submit}
      onClose={onClose}
    >
      <NameFields draft={draft} set={set} errors={errors} />
      <p className="hint">
        Times are HH:MM, from the start up to (not including) the end; 24:00 ends at midnight. Holidays and
        special days come from the door’s calendar and replace their weekday.
      </p>
      {dayTypes.map(({ value: day, label }) => {
        const rows = draft.rules[day];
        return (
          <RowList
            key={day}
            legend={label}
            className="day-rules"
            error={errors[`rules.${day}`]}
            empty={rows.length ? undefined : 'No access.'}
            addLabel="Add interval"
            addName={`Add an interval on ${label}`}
            full={
              rows.length >= MAX_INTERVALS
                ? `At most ${MAX_INTERVALS} intervals a day: merge two to add another.`
                : undefined
            }
            onAdd={() => setRows(day, [...rows, { start: '', end: '' }])}
          >
            {rows.map((row, i) => {
              const at = `rules.${day}.${i}`;
              const edit = (key: keyof Row) => (text: string) =>
                setRows(
                  day,
                  rows.map((r, j) => (j === i ? { ...r, [key]: text } : r)),
                );
              return (
                <FieldRow
                  key={i}
                  name={`${label}, interval ${i + 1}`}
                  onRemove={() =>
                    setRows(
                      day,
                      rows.filter((_, j) => j !== i),
                    )
                  }
                >
                  <Field
                    label="Start"
                    value={row.start}
                    onChange={edit('start')}
                    placeholder="08:00"
                    autoComplete="off"
                    error={errors[`${at}.start`]}
                    required
                  />
                  <Field
                    label="End"
                    value={row.end}
                    onChange={edit('end')}
                    placeholder="17:00"
                    autoComplete="off"
                    error={errors[`${at}.end`]}
                    required
                  />
                </FieldRow>
              );
            })}
          </RowList>
        );
      })}
    </FormPanel>
  );
}
