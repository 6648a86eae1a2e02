import type { FormEvent } from 'react';
import type { Calendar } from '../../../app/contract/methods/schedules.js';
import type { SpecialDayType } from '../../../app/contract/schedule-schemas.js';
import { specialDayTypes } from '../access-labels.js';
import { Field, SelectField } from '../components/field.js';
import { FormPanel } from '../components/form-panel.js';
import { NameField } from '../components/name-fields.js';
import { FieldRow, RowList } from '../components/row-list.js';
import type { FieldErrors } from '../param-issues.js';
import { call } from '../rpc/client.js';
import { explainConflict } from '../save-conflict.js';
import type { SectionProps } from '../section.js';
import { useDraft } from '../use-draft.js';
import { useFormSend } from '../use-form-send.js';

/** One special day as typed. */
interface Day {
  date: string;
  type: SpecialDayType;
}

interface Draft {
  name: string;
  days: Day[];
}

/** Creates or edits a calendar: its name and its special days, one row each, kept in date order. */
export function CalendarForm({
  calendar,
  failure,
  onSaved,
  onClose,
}: Pick<SectionProps, 'failure'> & {
  /** The calendar to edit; none to create one. */
  calendar?: Calendar | undefined;
  onSaved: (calendar: Calendar, created: boolean) => void;
  onClose: () => void;
}) {
  const [draft, setDraft, set] = useDraft<Draft>(() => ({
    name: calendar?.name ?? '',
    days: calendar ? calendar.days.map((d) => ({ ...d })) : [],
  }));
  const { errors, setErrors, formError, setFormError, busy, send } = useFormSend<string>(failure);
  const setDays = set('days');

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(undefined);
    // In date order, so the service's complaints (by position) land on the rows as shown.
    const days = [...draft.days].sort((a, b) => a.date.localeCompare(b.date));
    setDraft((d) => ({ ...d, days }));
    const bad: FieldErrors<string> = {};
    days.forEach((d, i) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(d.date)) bad[`days.${i}.date`] = 'Choose a date, or remove the row.';
      else if (days[i - 1]?.date === d.date)
        bad[`days.${i}.date`] = `${d.date} is listed twice: remove one of the rows.`;
    });
    setErrors(bad);
    if (Object.keys(bad).length) return;
    const fields = ['name', 'days', ...days.flatMap((_, i) => [`days.${i}.date`, `days.${i}.type`])];
    await send(
      async () => {
        const saved = calendar
          ? await call('calendars.update', {
              id: calendar.id,
              version: calendar.version,
              name: draft.name,
              days,
            })
          : await call('calendars.create', { name: draft.name, days });
        onSaved(saved, !calendar);
      },
      {
        fields,
        explain: (err) => explainConflict(err, 'calendar', setFormError, (name) => setErrors({ name })),
      },
    );
  }

  return (
    <FormPanel
      noun="calendar"
      name={calendar?.name}
      busy={busy}
      error={formError}
      onSubmit={submit}
      onClose={onClose}
    >
      <NameField value={draft.name} onChange={set('name')} error={errors.name} />
      <RowList
        legend="Special days"
        hint="On these dates doors follow the day type’s intervals instead of the weekday’s."
        error={errors.days}
        empty={draft.days.length ? undefined : 'None yet.'}
        addLabel="Add a day"
        onAdd={() => setDays([...draft.days, { date: '', type: 'holiday' }])}
      >
        {draft.days.map((day, i) => {
          const edit = (patch: Partial<Day>) =>
            setDays(draft.days.map((d, j) => (j === i ? { ...d, ...patch } : d)));
          return (
            <FieldRow
              key={i}
              name={`Special day ${i + 1}`}
              onRemove={() => setDays(draft.days.filter((_, j) => j !== i))}
            >
              <Field
                label="Date"
                type="date"
                value={day.date}
                onChange={(date) => edit({ date })}
                error={errors[`days.${i}.date`]}
                required
              />
              <SelectField
                label="Type"
                value={day.type}
                onChange={(type) => edit({ type })}
                options={specialDayTypes}
                error={errors[`days.${i}.type`]}
              />
            </FieldRow>
          );
        })}
      </RowList>
    </FormPanel>
  );
}
