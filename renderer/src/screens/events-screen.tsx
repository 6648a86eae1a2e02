import { Badge, Button, Group, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { ErrorAlert, Notice } from '../components/alert.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { EventFilters, NO_FILTER, filterOf, type FilterDraft } from './events/event-filters.js';
import { EventTable } from './events/event-table.js';
import { canGoLive } from './events/live-merge.js';
import { useEventList } from './events/use-event-list.js';
import { useZonedTime } from './events/zoned-time.js';
import './events/events.css';

/** Today in the site's zone, for the export's file name. */
function fileDate(zone: string | undefined): string {
  // Swedish writes dates as ISO does.
  return new Intl.DateTimeFormat('sv-SE', { ...(zone ? { timeZone: zone } : {}) }).format(new Date());
}

/** Saves text as a file through a Blob URL (no server round trip, nothing inline for the CSP). */
function download(text: string, file: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  Object.assign(document.createElement('a'), { href: url, download: file }).click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Access and device events: filtered by kind, door, cardholder and time (in the site's time zone),
 * newest first and paged back in time; new events arrive live at the top while the filters can still
 * match them; the current filters export as CSV.
 */
export function EventsScreen({ site, can, failure }: SectionProps) {
  const { t } = useT('events');
  const zone = site?.timeZone;
  const formatTime = useZonedTime(zone);
  const [draft, setDraft] = useState<FilterDraft>(NO_FILTER);
  const filter = useMemo(() => filterOf(draft, zone), [draft, zone]);
  const { query, events, fresh, error: readError } = useEventList(filter, failure);
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<string>();
  const live = canGoLive(filter);

  const exporting = useMutation({
    mutationFn: () => call('events.exportCsv', filter),
    onMutate: () => {
      setNotice(undefined);
      setError(undefined);
    },
    onError: (err) => setError(failure(err)),
    onSuccess: (out) => {
      const file = `events-${fileDate(zone)}.csv`;
      download(out.csv, file);
      setNotice(
        out.truncated
          ? t('export.truncated', { rows: out.rows.toLocaleString(), file })
          : t('export.done', { count: out.rows, file }),
      );
    },
  });

  const more = query.hasNextPage;

  return (
    <Stack gap="md" className="events-screen">
      <EventFilters
        draft={draft}
        onChange={(next) => {
          setDraft(next);
          setNotice(undefined);
        }}
        zone={zone}
        canReadUsers={can('users:read')}
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
        <Button variant="default" loading={exporting.isPending} onClick={() => exporting.mutate()}>
          {t('export.button')}
        </Button>
      </Group>
      <div aria-live="polite" className="events-announce">
        {fresh.size > 0 ? <Text size="sm">{t('live.arrived', { count: fresh.size })}</Text> : null}
      </div>
      {notice ? <Notice>{notice}</Notice> : null}
      {error || readError ? <ErrorAlert>{error ?? readError}</ErrorAlert> : null}
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
          onCardholder={(user) => setDraft((d) => ({ ...d, user }))}
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
