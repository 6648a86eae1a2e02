import { Table, Text } from '@mantine/core';
import type { Calendar } from '../../../app/contract/methods/schedules.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { useFormatTime } from '../site-time.js';
import { CalendarForm } from './calendar-form.js';
import { EntityList, type PageQuery } from '../components/entity-list.js';

const fetchCalendars = (q: PageQuery) => call('calendars.list', q);
const deleteCalendar = (c: Calendar) => call('calendars.delete', { id: c.id, version: c.version });

/** The calendar every door follows unless given another; it cannot be deleted. */
const SITE_CALENDAR_ID = 1;
/** Special days a row of the list names before "…". */
const DAYS_SHOWN = 5;

/** Calendars: holidays and special days that override their weekday; edited with doors:write. */
export function CalendarsScreen({ can, failure }: SectionProps) {
  const { t } = useT('schedules');
  const formatTime = useFormatTime();
  return (
    <EntityList<Calendar>
      kind={{ ns: 'schedules', noun: 'calendars', method: 'calendars.list' }}
      fetchPage={fetchCalendars}
      del={deleteCalendar}
      canWrite={can('doors:write')}
      failure={failure}
      columns={[t('calendars.specialDays')]}
      cells={(c) => (
        <Table.Td>
          {t('calendars.dayCount', { count: c.days.length })}
          {c.days.length ? (
            <Text span className="entity-cell-hint">
              {c.days
                .slice(0, DAYS_SHOWN)
                .map((d) => t('calendars.dayOfType', { date: d.date, type: t(`days.${d.type}`) }))
                .join(', ')}
              {c.days.length > DAYS_SHOWN ? `, ${t('calendars.more')}` : ''}
            </Text>
          ) : null}
        </Table.Td>
      )}
      changed={(c) => formatTime(c.updatedAt)}
      refuseDelete={(c) => (c.id === SITE_CALENDAR_ID ? t('calendars.siteDefault') : undefined)}
      form={({ item, onSaved, onClose }) => (
        <CalendarForm
          key={item?.id ?? 'new'}
          calendar={item}
          failure={failure}
          onSaved={onSaved}
          onClose={onClose}
        />
      )}
    />
  );
}
