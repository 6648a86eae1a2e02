import { Anchor, Badge, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { useFormatTime } from '../site-time.js';
import { BlacklistPanel } from './blacklist-panel.js';
import { SiteExportPanel } from './site-export-panel.js';
import { SiteRenameForm } from './site-rename-form.js';
import './home-section.css';

/** One card of the dashboard, named for assistive tech by its heading. */
function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Paper withBorder p="md" component="section" aria-label={title} className="dashboard-card">
      <Title order={2} size="h4" mb="xs">
        {title}
      </Title>
      {children}
    </Paper>
  );
}

/** The doors: how many of each kind, and those not opening in standard mode (office, lockdown). */
function DoorsCard() {
  const { t } = useT('dashboard');
  const count = (params: { kind?: 'online' | 'offline' | 'rf' }) =>
    call('doors.list', { ...params, limit: 1 }).then((p) => p.total);
  const totals = useQuery({
    queryKey: ['doors.list', 'dashboard-totals'],
    queryFn: async () => ({
      all: await count({}),
      online: await count({ kind: 'online' }),
      offline: await count({ kind: 'offline' }),
      rf: await count({ kind: 'rf' }),
    }),
  });
  const special = useQuery({
    queryKey: ['doors.list', 'dashboard-special'],
    queryFn: async () =>
      (
        await Promise.all(
          (['lockdown', 'office', 'timed-office'] as const).map((openMode) =>
            call('doors.list', { openMode, limit: 20, sort: 'name' }),
          ),
        )
      ).flatMap((p) => p.items),
  });
  return (
    <Card title={t('doors.title')}>
      {totals.data ? (
        <Group gap="xs" mb="xs">
          <Text fw={600}>{t('doors.total', { count: totals.data.all })}</Text>
          <Badge variant="light">{t('doors.online', { count: totals.data.online })}</Badge>
          <Badge variant="light">{t('doors.offline', { count: totals.data.offline })}</Badge>
          <Badge variant="light">{t('doors.rf', { count: totals.data.rf })}</Badge>
        </Group>
      ) : null}
      {special.data?.length ? (
        <>
          <Text size="sm" fw={600}>
            {t('doors.notStandard')}
          </Text>
          <ul className="dashboard-list">
            {special.data.map((d) => (
              <li key={d.id}>
                {d.name} — {t(`openMode.${d.openMode}`)}
              </li>
            ))}
          </ul>
        </>
      ) : special.data ? (
        <Text size="sm">{t('doors.allStandard')}</Text>
      ) : null}
      <Text size="sm" c="dimmed" mt="xs">
        {t('doors.live')}
      </Text>
    </Card>
  );
}

/** The last few access events, newest first. */
function EventsCard() {
  const { t } = useT('dashboard');
  const { t: te } = useT('events');
  const formatTime = useFormatTime();
  const recent = useQuery({
    queryKey: ['events.list', 'dashboard'],
    queryFn: () => call('events.list', { limit: 8 }),
  });
  const events = recent.data?.events;
  return (
    <Card title={t('events.title')}>
      {events?.length ? (
        <Table striped aria-label={t('events.title')}>
          <Table.Tbody>
            {events.map((e) => (
              <Table.Tr key={e.id}>
                <Table.Td>{formatTime(e.at)}</Table.Td>
                <Table.Td>{te(`kinds.${e.kind}`)}</Table.Td>
                <Table.Td>{e.doorName ?? '—'}</Table.Td>
                <Table.Td>{e.userName ?? '—'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : events ? (
        <Text size="sm">{t('events.none')}</Text>
      ) : null}
      <Anchor component={Link} to="/events" size="sm">
        {t('events.all')}
      </Anchor>
    </Card>
  );
}

/** How many keys must visit an update point to carry their holder's current rights. */
function KeysCard() {
  const { t } = useT('dashboard');
  const stale = useQuery({
    queryKey: ['keys.list', 'needs-update'],
    queryFn: () => call('keys.list', { status: 'needs-update', limit: 1 }),
  });
  const count = stale.data?.total;
  return (
    <Card title={t('keys.title')}>
      {count === undefined ? null : (
        <Text size="sm">{count ? t('keys.count', { count }) : t('keys.none')}</Text>
      )}
    </Card>
  );
}

/** Gateways and control units: how many are online, offline, unpaired or behind, and which are offline. */
function DevicesCard() {
  const { t } = useT('dashboard');
  const list = useQuery({
    queryKey: ['devices.list', 'dashboard'],
    queryFn: () => call('devices.list', {}),
    refetchInterval: 30_000,
  });
  const devices = list.data?.devices;
  if (!devices) return <Card title={t('devices.title')}>{null}</Card>;
  const paired = devices.filter((d) => d.paired);
  const offline = paired.filter((d) => !d.online);
  const behind = paired.filter((d) => d.online && d.revision !== null && d.revision < d.currentRevision);
  const unpaired = devices.length - paired.length;
  return (
    <Card title={t('devices.title')}>
      {devices.length === 0 ? (
        <Text size="sm">{t('devices.none')}</Text>
      ) : (
        <>
          <Group gap="xs" mb="xs">
            {/* A dot in the state's colour beside words in the text colour (light green fails contrast). */}
            <Badge variant="dot" color="green">
              {t('devices.online', { count: paired.length - offline.length })}
            </Badge>
            <Badge variant="dot" color={offline.length ? 'red' : 'gray'}>
              {t('devices.offline', { count: offline.length })}
            </Badge>
            {unpaired ? <Badge variant="light">{t('devices.unpaired', { count: unpaired })}</Badge> : null}
            {behind.length ? (
              <Badge variant="light">{t('devices.behind', { count: behind.length })}</Badge>
            ) : null}
          </Group>
          {offline.length ? (
            <>
              <Text size="sm" fw={600}>
                {t('devices.offlineList')}
              </Text>
              <ul className="dashboard-list">
                {offline.slice(0, 10).map((d) => (
                  <li key={d.id}>{d.name}</li>
                ))}
              </ul>
            </>
          ) : null}
        </>
      )}
      <Anchor component={Link} to="/devices" size="sm">
        {t('devices.all')}
      </Anchor>
    </Card>
  );
}

/** The home dashboard: the site, its doors, recent events, keys to update, the blacklist, devices. */
export function HomeSection({ site, can, failure, onSiteChanged }: SectionProps) {
  const { t } = useT('dashboard');
  const blacklist = useQuery({
    queryKey: ['blacklist.status'],
    queryFn: () => call('blacklist.status', {}),
    enabled: can('users:read'),
  });
  if (!can('site:read')) return <Text>{t('noSite')}</Text>;
  if (!site) return null;
  return (
    <Stack gap="md">
      <Text c="dimmed">{t('timeZone', { zone: site.timeZone })}</Text>
      <div className="dashboard">
        {can('doors:read') ? <DoorsCard /> : null}
        {can('doors:read') ? <EventsCard /> : null}
        {can('users:read') ? <KeysCard /> : null}
        {blacklist.data ? <BlacklistPanel status={blacklist.data} /> : null}
        {can('doors:read') ? <DevicesCard /> : null}
      </div>
      {can('settings:admin') ? (
        <>
          <SiteRenameForm site={site} onSaved={onSiteChanged} failure={failure} />
          <SiteExportPanel failure={failure} />
        </>
      ) : null}
    </Stack>
  );
}
