import { specialDayTypes, labelOf } from '../access-labels.js';
import { EntityListFrame } from '../components/entity-list-frame.js';
import { formatTime, plural } from '../format.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { useEntityList } from '../use-entity-list.js';
import type { PageQuery } from '../use-paged-list.js';
import { CalendarForm } from './calendar-form.js';

const fetchCalendars = (q: PageQuery) => call('calendars.list', q);

/** The calendar every door follows unless given another; it cannot be deleted. */
const SITE_CALENDAR_ID = 1;

/** Calendars: holidays and special days that override their weekday; edited with doors:write. */
export function CalendarsScreen({ can, failure }: SectionProps) {
  const write = can('doors:write');
  const state = useEntityList(fetchCalendars, failure);
  const { panel, editing } = state;
  return (
    <EntityListFrame
      state={state}
      noun="calendar"
      canWrite={write}
      hint="Each door follows one calendar; the site calendar is the default and cannot be deleted."
      columns={['Special days', 'Changed']}
      form={
        panel.creating || editing ? (
          <CalendarForm
            key={editing?.id ?? 'new'}
            calendar={editing}
            failure={failure}
            onSaved={(c, created) => panel.done(`Calendar “${c.name}” ${created ? 'created' : 'saved'}.`)}
            onClose={panel.close}
          />
        ) : null
      }
      deletion={{
        message: <p>This cannot be undone. Doors that follow it must be given another first.</p>,
        del: (x) => call('calendars.delete', { id: x.id, version: x.version }),
        refuse: (c) => (c.id === SITE_CALENDAR_ID ? 'Site default' : undefined),
      }}
      row={(c) => (
        <>
          <td>
            {plural(c.days.length, 'day')}
            {c.days.length ? (
              <span className="cell-hint">
                {c.days
                  .slice(0, 5)
                  .map((d) => `${d.date} ${labelOf(specialDayTypes, d.type)}`)
                  .join(', ')}
                {c.days.length > 5 ? ', …' : ''}
              </span>
            ) : null}
          </td>
          <td>{formatTime(c.updatedAt)}</td>
        </>
      )}
    />
  );
}
