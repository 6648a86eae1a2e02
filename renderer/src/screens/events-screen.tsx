import { Badge, Button, Group, Stack, Text } from '@mantine/core';
import { useMemo } from 'react';
import { ErrorAlert, Notice } from '../components/alert.js';
import { useT } from '../i18n/i18n.js';
import type { SectionProps } from '../section.js';
import { EventFilters, filterOf } from './events/event-filters.js';
import { EventTable } from './events/event-table.js';
import { ExportProgress } from './events/export-progress.js';
import { canGoLive } from './events/live-merge.js';
import { useEventExport } from './events/use-event-export.js';
import { useEventList } from './events/use-event-list.js';
import { useUrlFilter } from './events/use-url-filter.js';
import { useZonedTime } from './events/zoned-time.js';
import './events/events.css';

/**
 * Access and device events: filtered by kind, door, cardholder, key, reason and time (in the site's
 * time zone; the filters live in the address, so `#/events?user=7` opens a user's events), newest
 * first and paged back in time; new events arrive live at the top while the filters can still match
 * them; the current filters export as CSV, with progress and Cancel.
 */
export function EventsScreen({ site, can, failure }: SectionProps) {
  const { t } = useT('events');
  const zone = site?.timeZone;
  const formatTime = useZonedTime(zone);
  const canReadUsers = can('users:read');
  const [draft, setDraft] = useUrlFilter(canReadUsers);
  const filter = useMemo(() => filterOf(draft, zone), [draft, zone]);
  const { query, events, fresh, error: readError } = useEventList(filter, failure);
  const exporting = useEventExport(filter, zone, failure);
  const live = canGoLive(filter);

  const more = query.hasNextPage;

  return (
    <Stack gap="md" className="events-screen">
      <EventFilters
        draft={draft}
        onChange={(next) => {
          setDraft(next);
          exporting.clear();
        }}
        zone={zone}
        canReadUsers={canReadUsers}
      />
      <Group justify="space-between" className="events-toolbar">
        <Group gap="xs">
          <Badge variant="dot" color={live ? 'green' : 'gray'} size="lg">
            {live ? t('live.on') : t('live.off')}
          </Badge>
          <Text size="sm" className="events-muted">
            {live ? t('live.onHint') : t('live.offHint')}
          </Text>
        </Group>
        <Button
          variant="default"
          loading={exporting.running !== undefined}
          onClick={() => void exporting.start()}
        >
          {t('export.button')}
        </Button>
      </Group>
      <div aria-live="polite" className="events-announce">
        {fresh.size > 0 ? <Text size="sm">{t('live.arrived', { count: fresh.size })}</Text> : null}
      </div>
      {exporting.running ? (
        <ExportProgress running={exporting.running} onCancel={() => void exporting.cancel()} />
      ) : null}
      <Notice mb="sm">{exporting.notice}</Notice>
      <ErrorAlert mb="sm">{exporting.error ?? readError}</ErrorAlert>
      {events ? (
        <EventTable
          events={events}
          fresh={fresh}
          caption={
            events.length === 0
              ? t('list.none')
              : t('list.caption', { count: events.length }) + (more ? t('list.more') : '')
          }
          formatTime={formatTime}
          onCardholder={(user) => setDraft({ ...draft, user })}
        />
      ) : null}
      {more ? (
        <Group>
          <Button
            variant="default"
            loading={query.isFetchingNextPage}
            disabled={query.isFetching}
            onClick={() => void query.fetchNextPage()}
          >
            {t('list.older')}
          </Button>
        </Group>
      ) : null}
    </Stack>
  );
}
