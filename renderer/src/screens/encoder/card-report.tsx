import { Alert, Anchor, Button, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { Fragment, useId } from 'react';
import { Link } from 'react-router';
import type { CardReport } from '../../../../app/contract/methods/encoder.js';
import { useT } from '../../i18n/i18n.js';
import { useFormatTime } from '../../site-time.js';

type Access = NonNullable<CardReport['access']>;
type Right = Access['rights'][number];
type AuditRecord = CardReport['audit'][number];

const FLAGS = ['pinRequired', 'office', 'privacyOverride', 'extendedOpening'] as const;

/** The rights a card carries, with the site's names for them now ("deleted" where there is none). */
function Rights({ rights }: { rights: readonly Right[] }) {
  const { t } = useT('encoder');
  if (!rights.length) return <Text size="sm">{t('result.noRights')}</Text>;
  const named = (name: string | null, id: number) => name ?? t('result.deleted', { id });
  return (
    <Table.ScrollContainer minWidth={420}>
      <Table captionSide="top">
        <Table.Caption>{t('result.rights', { count: rights.length })}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('result.kind')}</Table.Th>
            <Table.Th scope="col">{t('result.place')}</Table.Th>
            <Table.Th scope="col">{t('result.period')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rights.map((r) => (
            <Table.Tr key={`${r.kind}-${r.id}-${r.periodId}`}>
              <Table.Td>{t(`result.kinds.${r.kind}`)}</Table.Td>
              <Table.Th scope="row" className={r.name === null ? 'encoder-deleted' : undefined}>
                {named(r.name, r.id)}
              </Table.Th>
              <Table.Td className={r.periodName === null ? 'encoder-deleted' : undefined}>
                {named(r.periodName, r.periodId)}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** What offline locks wrote on the card, oldest first, in the site's time zone and the events' words. */
function AuditRecords({ records }: { records: readonly AuditRecord[] }) {
  const { t } = useT('encoder');
  const { t: tEvents } = useT('events');
  const formatTime = useFormatTime();
  if (!records.length) return <Text size="sm">{t('result.noAudit')}</Text>;
  const reason = (r: string | null) =>
    r ? tEvents(`reasons.${r}` as 'reasons.expired', { defaultValue: r }) : '—';
  return (
    <Table.ScrollContainer minWidth={480}>
      <Table captionSide="top">
        <Table.Caption>{t('result.audit', { count: records.length })}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('result.time')}</Table.Th>
            <Table.Th scope="col">{t('result.door')}</Table.Th>
            <Table.Th scope="col">{t('result.outcome')}</Table.Th>
            <Table.Th scope="col">{t('result.reason')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {records.map((r, i) => (
            <Table.Tr key={i} className={r.event === 'denied' ? 'encoder-refused' : undefined}>
              <Table.Td className="encoder-time">{formatTime(r.at)}</Table.Td>
              <Table.Td className={r.doorName === null ? 'encoder-deleted' : undefined}>
                {r.doorName ?? t('result.deleted', { id: r.doorId })}
              </Table.Td>
              <Table.Td>{t(`result.events.${r.event}`)}</Table.Td>
              <Table.Td>{r.event === 'denied' ? reason(r.reason) : '—'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/**
 * What a card holds, beside what the database says of its key: holder, key and its status, validity,
 * flags, rights, whether it is up to date (Update when not), the blacklist entries it carries and its
 * audit records. A blank card, another system's card and one holding no key say so plainly.
 */
export function CardReportView({
  report,
  gone,
  canUpdate,
  onUpdate,
}: {
  report: CardReport;
  /** The card read is no longer on the encoder. */
  gone: boolean;
  /** Update may run now (the card is on a ready encoder, nothing else runs). */
  canUpdate: boolean;
  onUpdate: () => void;
}) {
  const { t } = useT('encoder');
  const { t: tUsers } = useT('users');
  const formatTime = useFormatTime();
  const heading = useId();
  const { access, key } = report;
  const when = (iso: string | null, none: string) => (iso ? formatTime(iso) : none);

  return (
    <Paper component="section" withBorder p="md" aria-labelledby={heading}>
      <Title order={2} size="h3" id={heading} mb="sm">
        {t('result.title')}
      </Title>
      <Stack gap="md">
        <dl className="encoder-facts">
          <dt>{t('result.uid')}</dt>
          <dd>
            <code>{report.uid}</code>
          </dd>
        </dl>
        {gone ? <Text size="sm">{t('result.gone')}</Text> : null}
        {report.kind === 'blank' ? <Alert color="blue">{t('result.blank')}</Alert> : null}
        {report.kind === 'foreign' ? <Alert color="yellow">{t('result.foreign')}</Alert> : null}
        {report.kind === 'lintel' && !access ? <Alert color="blue">{t('result.empty')}</Alert> : null}
        {report.kind === 'lintel' && access ? (
          <>
            <dl className="encoder-facts">
              <dt>{t('result.holder')}</dt>
              <dd>
                {report.holder ? (
                  <Anchor component={Link} to={`/users?user=${report.holder.id}`}>
                    {report.holder.name}
                  </Anchor>
                ) : (
                  t('result.nobody')
                )}
              </dd>
              <dt>{t('result.key')}</dt>
              <dd>{key ? <code>{key.uid}</code> : t('result.keyUnknown')}</dd>
              {key ? (
                <>
                  <dt>{t('result.keyStatus')}</dt>
                  <dd>{tUsers(`keys.statuses.${key.status}`)}</dd>
                </>
              ) : null}
              <dt>{t('result.validFrom')}</dt>
              <dd>{when(access.validFrom, t('result.noLimit'))}</dd>
              <dt>{t('result.validUntil')}</dt>
              <dd>{when(access.validUntil, t('result.noLimit'))}</dd>
              <dt>{t('result.revalidateBy')}</dt>
              <dd>{when(access.revalidateBy, t('result.noRevalidation'))}</dd>
              <dt>{t('result.issuedAt')}</dt>
              <dd>{formatTime(access.issuedAt)}</dd>
            </dl>
            <section aria-label={t('result.flags')}>
              <Title order={3} size="h5" mb="xs">
                {t('result.flags')}
              </Title>
              <dl className="encoder-facts">
                {FLAGS.map((f) => (
                  <Fragment key={f}>
                    <dt>{t(`result.flag.${f}`)}</dt>
                    <dd>{access.flags[f] ? t('result.yes') : t('result.no')}</dd>
                  </Fragment>
                ))}
              </dl>
            </section>
            <Rights rights={access.rights} />
            {report.upToDate ? (
              <Text size="sm">{t('result.upToDate')}</Text>
            ) : (
              <Alert color="yellow">
                <Group justify="space-between" gap="sm">
                  <Text size="sm">{t('result.outdated')}</Text>
                  <Button size="xs" disabled={!canUpdate} onClick={onUpdate}>
                    {t('result.update')}
                  </Button>
                </Group>
              </Alert>
            )}
          </>
        ) : null}
        {report.kind === 'lintel' ? (
          <dl className="encoder-facts">
            <dt>{t('result.blacklist')}</dt>
            <dd>
              {report.blacklist.entries
                ? t('result.blacklistCount', {
                    count: report.blacklist.entries,
                    seq: report.blacklist.highestSeq,
                  })
                : t('result.blacklistNone')}
            </dd>
          </dl>
        ) : null}
        {report.kind === 'lintel' && report.formatVersion !== undefined && report.keyVersion !== undefined ? (
          <Text size="xs" className="encoder-muted">
            {t('result.format', { format: report.formatVersion, keys: report.keyVersion })}
          </Text>
        ) : null}
        {report.kind === 'lintel' ? <AuditRecords records={report.audit} /> : null}
      </Stack>
    </Paper>
  );
}
