import type { TimePeriod } from '../../../app/contract/methods/schedules.js';
import { dayTypes } from '../access-labels.js';
import { EntityListFrame } from '../components/entity-list-frame.js';
import { formatTime } from '../format.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { hhmm } from '../time-text.js';
import { useEntityList } from '../use-entity-list.js';
import type { PageQuery } from '../use-paged-list.js';
import { TimePeriodForm } from './time-period-form.js';

const fetchPeriods = (q: PageQuery) => call('timePeriods.list', q);

/** A time period's rules in short: "Monday 08:00–12:00, 13:00–17:00; Friday …", or "Never". */
export function rulesText(rules: TimePeriod['rules']): string {
  const days = dayTypes
    .filter(({ value }) => rules[value].length)
    .map(
      ({ value, label }) =>
        `${label} ${rules[value].map((i) => `${hhmm(i.start)}–${hhmm(i.end)}`).join(', ')}`,
    );
  return days.length ? days.join('; ') : 'Never';
}

/** Time periods: when access is allowed on each kind of day; edited with doors:write. */
export function TimePeriodsScreen({ can, failure }: SectionProps) {
  const write = can('doors:write');
  const state = useEntityList(fetchPeriods, failure);
  const { panel, editing } = state;
  return (
    <EntityListFrame
      state={state}
      noun="time period"
      canWrite={write}
      hint="Access levels and doors refer to time periods: a right applies only inside its period."
      columns={['When', 'Changed']}
      form={
        panel.creating || editing ? (
          <TimePeriodForm
            key={editing?.id ?? 'new'}
            period={editing}
            failure={failure}
            onSaved={(p, created) => panel.done(`Time period “${p.name}” ${created ? 'created' : 'saved'}.`)}
            onClose={panel.close}
          />
        ) : null
      }
      deletion={{
        message: <p>This cannot be undone. Access levels and doors that use it must be changed first.</p>,
        del: (x) => call('timePeriods.delete', { id: x.id, version: x.version }),
      }}
      row={(p) => (
        <>
          <td>
            {rulesText(p.rules)}
            {p.description ? <span className="cell-hint">{p.description}</span> : null}
          </td>
          <td>{formatTime(p.updatedAt)}</td>
        </>
      )}
    />
  );
}
