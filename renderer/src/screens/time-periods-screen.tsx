import { Table, Text } from '@mantine/core';
import type { TimePeriod } from '../../../app/contract/methods/schedules.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { useFormatTime } from '../site-time.js';
import { hhmm } from '../time-text.js';
import { EntityList, type PageQuery } from '../components/entity-list.js';
import { summarize } from './schedules/week.js';
import { TimePeriodForm } from './time-period-form.js';

const fetchPeriods = (q: PageQuery) => call('timePeriods.list', q);
const deletePeriod = (p: TimePeriod) => call('timePeriods.delete', { id: p.id, version: p.version });

/** A time period's rules in short: "Monday–Friday 08:00–12:00, 13:00–17:00; Holiday …", or "Never". */
export function useRulesText(): (rules: TimePeriod['rules']) => string {
  const { t } = useT('schedules');
  return (rules) => {
    const groups = summarize(rules).map(({ days, intervals }) => {
      const first = t(`days.${days[0]!}`);
      const when = days.length > 1 ? t('dayRange', { first, last: t(`days.${days.at(-1)!}`) }) : first;
      const spans = intervals.map((i) => t('span', { start: hhmm(i.start), end: hhmm(i.end) }));
      return `${when} ${spans.join(', ')}`;
    });
    return groups.length ? groups.join('; ') : t('timePeriods.never');
  };
}

/** Time periods: when access is allowed on each kind of day; edited with doors:write. */
export function TimePeriodsScreen({ can, failure, site }: SectionProps) {
  const { t } = useT('schedules');
  const rulesText = useRulesText();
  const formatTime = useFormatTime();
  return (
    <EntityList<TimePeriod>
      kind={{ ns: 'schedules', noun: 'timePeriods', method: 'timePeriods.list' }}
      fetchPage={fetchPeriods}
      del={deletePeriod}
      canWrite={can('doors:write')}
      failure={failure}
      columns={[t('timePeriods.when')]}
      cells={(p) => (
        <Table.Td>
          {rulesText(p.rules)}
          {p.description ? (
            <Text span className="entity-cell-hint">
              {p.description}
            </Text>
          ) : null}
        </Table.Td>
      )}
      changed={(p) => formatTime(p.updatedAt)}
      form={({ item, onSaved, onClose }) => (
        <TimePeriodForm
          key={item?.id ?? 'new'}
          period={item}
          timeZone={site?.timeZone}
          failure={failure}
          onSaved={onSaved}
          onClose={onClose}
        />
      )}
    />
  );
}
