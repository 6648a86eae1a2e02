import { Button, Group, NativeSelect, Stack, Table, TextInput } from '@mantine/core';
import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Trans } from 'react-i18next';
import type { ParamsOf } from '../../../app/contract/index.js';
import type { AuditVerification } from '../../../app/contract/methods/audit.js';
import { ErrorAlert, Notice } from '../components/alert.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { HINT } from './events/event-filters.js';
import { saidOf, saying } from './events/said-failure.js';
import { useZonedTime, zonedInputToUtc } from './events/zoned-time.js';
import './events/events.css';

/** The filters of audit.list as sent (paging aside). */
type AuditFilter = Omit<ParamsOf<'audit.list'>, 'before' | 'limit'>;

/** The filter form as typed. */
interface FilterDraft {
  actor: string;
  action: string;
  outcome: '' | 'ok' | 'failed';
  /** `datetime-local` values, in the site's time zone. */
  from: string;
  to: string;
}

const PAGE = 100;
const EMPTY: FilterDraft = { actor: '', action: '', outcome: '', from: '', to: '' };

/** The filter to send: only what was filled in, times read in the site's zone. */
function filterOf(d: FilterDraft, zone: string | undefined): AuditFilter {
  const from = zonedInputToUtc(d.from, zone);
  const to = zonedInputToUtc(d.to, zone);
  return {
    ...(d.actor.trim() ? { actor: d.actor.trim() } : {}),
    ...(d.action.trim() ? { action: d.action.trim() } : {}),
    ...(d.outcome ? { outcome: d.outcome } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
}

/** An entry's detail, short enough for a table cell (the whole of it on hover). */
function detailText(detail: Record<string, unknown>): string {
  if (Object.keys(detail).length === 0) return '';
  const text = JSON.stringify(detail);
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
}

/** What audit.verify found, in words. */
function Verification({ result }: { result: AuditVerification }) {
  const { t } = useT('events');
  if (result.ok)
    return (
      <Notice mb="sm">
        <Trans
          t={t}
          i18nKey="audit.intact"
          values={{
            entries: result.entries.toLocaleString(),
            seq: result.head.seq,
            hash: `${result.head.hash.slice(0, 16)}…`,
          }}
          components={{ code: <code /> }}
        />
      </Notice>
    );
  return (
    <ErrorAlert mb="sm">
      {result.firstBreak
        ? t('audit.broken', { seq: result.firstBreak.seq, reason: result.firstBreak.reason })
        : t('audit.brokenSomewhere')}
    </ErrorAlert>
  );
}

/**
 * The operator audit log: filtered by actor, action, outcome and time (in the site's time zone),
 * newest first, paged back in time; and a check of its hash chain.
 */
export function AuditScreen({ site, failure }: SectionProps) {
  const { t } = useT('events');
  const zone = site?.timeZone;
  const formatTime = useZonedTime(zone);
  const [draft, setDraft] = useState<FilterDraft>(EMPTY);
  const [filter, setFilter] = useState<AuditFilter>({});
  const [error, setError] = useState<string>();
  const set = (k: keyof FilterDraft) => (e: { currentTarget: { value: string } }) => {
    const value = e.currentTarget.value;
    setDraft((d) => ({ ...d, [k]: value }));
  };

  const list = useInfiniteQuery({
    queryKey: ['audit.list', filter],
    queryFn: ({ pageParam }) =>
      saying(failure, () =>
        call('audit.list', { ...filter, limit: PAGE, ...(pageParam ? { before: pageParam } : {}) }),
      ),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.nextBefore,
    // Every call adds entries: a log opened again, or filtered again, reads again.
    staleTime: 0,
  });

  const verify = useMutation({
    mutationFn: () => call('audit.verify', {}),
    onMutate: () => setError(undefined),
    onError: (err) => setError(failure(err)),
  });

  function apply(e: FormEvent) {
    e.preventDefault();
    const next = filterOf(draft, zone);
    // The same filters again read again (someone may have acted since).
    if (JSON.stringify(next) === JSON.stringify(filter)) void list.refetch();
    else setFilter(next);
  }

  const entries = list.data?.pages.flatMap((p) => p.entries);
  const more = list.hasNextPage;
  const readError = saidOf(list.error);
  const busy = list.isFetching || verify.isPending;
  const timeHint = zone ? t('filters.siteTime', { zone }) : t('filters.localTime');

  return (
    <Stack gap="md">
      <form className="events-filters" onSubmit={apply} noValidate aria-label={t('audit.filters')}>
        <TextInput
          label={t('audit.actor')}
          description={t('audit.actorHint')}
          classNames={HINT}
          value={draft.actor}
          onChange={set('actor')}
          autoComplete="off"
        />
        <TextInput
          label={t('audit.action')}
          description={t('audit.actionHint')}
          classNames={HINT}
          value={draft.action}
          onChange={set('action')}
          autoComplete="off"
        />
        <NativeSelect
          label={t('audit.outcome')}
          value={draft.outcome}
          onChange={set('outcome')}
          data={[
            { value: '', label: t('audit.anyOutcome') },
            { value: 'ok', label: t('audit.succeeded') },
            { value: 'failed', label: t('audit.failed') },
          ]}
        />
        <TextInput
          label={t('audit.from')}
          description={timeHint}
          classNames={HINT}
          type="datetime-local"
          value={draft.from}
          onChange={set('from')}
        />
        <TextInput
          label={t('audit.to')}
          description={timeHint}
          classNames={HINT}
          type="datetime-local"
          value={draft.to}
          onChange={set('to')}
        />
        <Group className="events-filters-actions">
          <Button type="submit" loading={list.isFetching && !list.isFetchingNextPage} disabled={busy}>
            {t('audit.apply')}
          </Button>
        </Group>
      </form>

      <Group>
        <Button variant="default" onClick={() => verify.mutate()} loading={verify.isPending} disabled={busy}>
          {t('audit.verify')}
        </Button>
      </Group>
      <div aria-live="polite">{verify.data ? <Verification result={verify.data} /> : null}</div>
      <ErrorAlert mb="sm">{error ?? readError}</ErrorAlert>

      {entries ? (
        // Wider than the screen on narrow windows (or with long entries): the keyboard can scroll it too.
        <Table.ScrollContainer minWidth={720} scrollAreaProps={{ viewportProps: { tabIndex: 0 } }}>
          <Table className="audit-table" striped highlightOnHover captionSide="top">
            <Table.Caption>
              {entries.length === 0
                ? t('audit.none')
                : t('audit.caption', { count: entries.length }) + (more ? t('audit.more') : '')}
            </Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('audit.seq')}</Table.Th>
                <Table.Th scope="col">{t('audit.time')}</Table.Th>
                <Table.Th scope="col">{t('audit.actor')}</Table.Th>
                <Table.Th scope="col">{t('audit.actionColumn')}</Table.Th>
                <Table.Th scope="col">{t('audit.target')}</Table.Th>
                <Table.Th scope="col">{t('audit.outcomeColumn')}</Table.Th>
                <Table.Th scope="col">{t('audit.source')}</Table.Th>
                <Table.Th scope="col">{t('list.detail')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {entries.map((e) => (
                <Table.Tr key={e.seq} className={e.outcome === 'ok' ? undefined : 'failed'}>
                  <Table.Td className="num">{e.seq}</Table.Td>
                  <Table.Td className="events-time">{formatTime(e.at)}</Table.Td>
                  <Table.Td>{e.actor}</Table.Td>
                  <Table.Td>
                    <code>{e.action}</code>
                  </Table.Td>
                  <Table.Td>{e.target ?? '—'}</Table.Td>
                  <Table.Td>{e.outcome === 'ok' ? t('audit.ok') : <strong>{e.outcome}</strong>}</Table.Td>
                  <Table.Td>{e.source}</Table.Td>
                  <Table.Td className="audit-detail" title={JSON.stringify(e.detail)}>
                    {detailText(e.detail)}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
      {more ? (
        <Group>
          <Button
            variant="default"
            loading={list.isFetchingNextPage}
            disabled={busy}
            onClick={() => void list.fetchNextPage()}
          >
            {t('audit.older')}
          </Button>
        </Group>
      ) : null}
    </Stack>
  );
}
