import { Button, Group, NativeSelect, TextInput } from '@mantine/core';
import {
  CARD_DENIAL_REASONS,
  DENIAL_REASONS,
  EVENT_KINDS,
  KEY_CHANGE_REASONS,
  type EventKind,
} from '../../../../app/contract/methods/events.js';
import { useT } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import { zonedInputToUtc } from './zoned-time.js';
import type { EventFilter } from './live-merge.js';
import { SearchSelect, type Choice } from '../../components/search-select.js';

/** Field hints in the console's muted colour (Mantine's dimmed grey is too faint on white for WCAG AA). */
export const HINT = { description: 'events-hint' };

/** The filter form as chosen and typed. */
export interface FilterDraft {
  kind: EventKind | '';
  door: Choice | undefined;
  user: Choice | undefined;
  /** A key: its card UID as the label. */
  key: Choice | undefined;
  /** A reason of the contract's lists, or '' for any. */
  reason: string;
  /** `datetime-local` values, in the site's time zone. */
  from: string;
  to: string;
}

/** No filter at all. */
export const NO_FILTER: FilterDraft = {
  kind: '',
  door: undefined,
  user: undefined,
  key: undefined,
  reason: '',
  from: '',
  to: '',
};

/** The filter to send: only what was chosen, times read in `zone` (an unfinished time is left out). */
export function filterOf(d: FilterDraft, zone: string | undefined): EventFilter {
  const from = zonedInputToUtc(d.from, zone);
  const to = zonedInputToUtc(d.to, zone);
  return {
    ...(d.kind ? { kinds: [d.kind] } : {}),
    ...(d.door ? { doorId: d.door.id } : {}),
    ...(d.user ? { userId: d.user.id } : {}),
    ...(d.key ? { credentialId: d.key.id } : {}),
    ...(d.reason ? { reason: d.reason } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
}

/**
 * The events screen's filters: kind, door, cardholder and key (searched on the service as typed; the
 * last two only for operators who may read users), reason and a time range in the site's time zone.
 * Each change applies at once.
 */
export function EventFilters({
  draft,
  onChange,
  zone,
  canReadUsers,
}: {
  draft: FilterDraft;
  onChange: (next: FilterDraft) => void;
  zone: string | undefined;
  canReadUsers: boolean;
}) {
  const { t } = useT('events');
  const set =
    <K extends keyof FilterDraft>(k: K) =>
    (v: FilterDraft[K]) =>
      onChange({ ...draft, [k]: v });
  const timeHint = zone ? t('filters.siteTime', { zone }) : t('filters.localTime');
  const untouched =
    !draft.kind && !draft.door && !draft.user && !draft.key && !draft.reason && !draft.from && !draft.to;

  return (
    <form
      className="events-filters"
      aria-label={t('filters.label')}
      noValidate
      onSubmit={(e) => e.preventDefault()}
    >
      <NativeSelect
        label={t('filters.kind')}
        value={draft.kind}
        onChange={(e) => set('kind')(e.currentTarget.value as EventKind | '')}
        data={[
          { value: '', label: t('filters.allKinds') },
          ...EVENT_KINDS.map((k) => ({ value: k, label: t(`kinds.${k}`) })),
        ]}
      />
      <SearchSelect
        label={t('filters.door')}
        placeholder={t('filters.anyDoor')}
        nothingFound={t('filters.nothingFound')}
        value={draft.door ?? null}
        onChange={(c) => set('door')(c ?? undefined)}
        queryKey="doors.list"
        find={async (search) =>
          (await call('doors.list', { ...(search ? { search } : {}), sort: 'name', limit: 50 })).items.map(
            (d) => ({ id: d.id, label: d.name }),
          )
        }
      />
      {canReadUsers || draft.user ? (
        <SearchSelect
          label={t('filters.cardholder')}
          placeholder={t('filters.anyCardholder')}
          nothingFound={t('filters.nothingFound')}
          value={draft.user ?? null}
          onChange={(c) => set('user')(c ?? undefined)}
          queryKey="users.list"
          find={async (search) =>
            canReadUsers
              ? (
                  await call('users.list', { ...(search ? { search } : {}), sort: 'lastName', limit: 50 })
                ).items.map((u) => ({ id: u.id, label: `${u.firstName} ${u.lastName}`.trim() }))
              : []
          }
        />
      ) : null}
      {canReadUsers || draft.key ? (
        <SearchSelect
          label={t('filters.key')}
          placeholder={t('filters.anyKey')}
          nothingFound={t('filters.nothingFound')}
          value={draft.key ?? null}
          onChange={(c) => set('key')(c ?? undefined)}
          queryKey="keys.list"
          find={async (search) =>
            canReadUsers
              ? (
                  await call('keys.list', {
                    ...(search ? { search } : {}),
                    sort: 'issuedAt',
                    order: 'desc',
                    limit: 50,
                  })
                ).items.map((k) => ({ id: k.id, label: k.uid }))
              : []
          }
        />
      ) : null}
      <NativeSelect
        label={t('filters.reason')}
        value={draft.reason}
        onChange={(e) => set('reason')(e.currentTarget.value)}
        data={[
          { value: '', label: t('filters.anyReason') },
          {
            group: t('filters.denied'),
            items: [...DENIAL_REASONS, ...CARD_DENIAL_REASONS].map((r) => ({
              value: r,
              label: t(`reasons.${r}`),
            })),
          },
          {
            group: t('filters.keyChanges'),
            items: KEY_CHANGE_REASONS.map((r) => ({ value: r, label: t(`reasons.${r}`) })),
          },
        ]}
      />
      <TextInput
        label={t('filters.from')}
        description={timeHint}
        classNames={HINT}
        type="datetime-local"
        value={draft.from}
        onChange={(e) => set('from')(e.currentTarget.value)}
      />
      <TextInput
        label={t('filters.to')}
        description={timeHint}
        classNames={HINT}
        type="datetime-local"
        value={draft.to}
        onChange={(e) => set('to')(e.currentTarget.value)}
      />
      <Group className="events-filters-actions">
        <Button variant="default" disabled={untouched} onClick={() => onChange(NO_FILTER)}>
          {t('filters.clear')}
        </Button>
      </Group>
    </form>
  );
}
