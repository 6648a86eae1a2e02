import { Badge, Paper, Table, Text, Title } from '@mantine/core';
import { useId } from 'react';
import type { RoundSummary } from '../../../../app/contract/methods/locks.js';
import { ErrorAlert } from '../../components/alert.js';
import { useT } from '../../i18n/i18n.js';
import { useFormatTime } from '../../site-time.js';
import { saidOf } from '../events/said-failure.js';

const STATE_COLOR: Record<RoundSummary['state'], string> = {
  loading: 'yellow',
  loaded: 'blue',
  synced: 'green',
  replaced: 'gray',
};

/** A round's locks by name ("Store room, Archive"), its emergency opening said apart. */
function LocksCell({ round, names }: { round: RoundSummary; names: Map<number, string> }) {
  const { t } = useT('locks');
  const name = (id: number) => names.get(id) ?? `#${id}`;
  return (
    <Table.Td>
      {round.doorIds.map(name).join(', ')}
      {round.emergencyDoorId !== null ? (
        <Text span className="locks-muted locks-warning">
          {t('rounds.emergency', { door: name(round.emergencyDoorId) })}
        </Text>
      ) : null}
    </Table.Td>
  );
}

/** What each visit of a round came to, one line per lock. */
function VisitsCell({ round }: { round: RoundSummary }) {
  const { t } = useT('locks');
  const formatTime = useFormatTime();
  if (round.visits.length === 0) return <Table.Td>{t('visits.none')}</Table.Td>;
  return (
    <Table.Td>
      <ul className="locks-reasons">
        {round.visits.map((v, i) => (
          <li key={`${v.doorId}:${i}`} className={v.outcome === 'failed' ? 'locks-warning' : undefined}>
            {t('rounds.visitLine', { door: v.doorName, outcome: t(`visits.outcomes.${v.outcome}`) })}
            {v.error ? ` (${v.error})` : null}
            <Text span className="locks-muted">
              {formatTime(v.visitedAt)} · {t('rounds.audit', { count: v.auditImported })}
            </Text>
          </li>
        ))}
      </ul>
    </Table.Td>
  );
}

/** The rounds loaded lately, newest first, each with its locks, state and what its visits came to. */
export function RoundsHistory({
  rounds,
  error,
  names,
}: {
  /** Undefined while loading. */
  rounds: readonly RoundSummary[] | undefined;
  error: unknown;
  /** The offline doors' names, by id. */
  names: Map<number, string>;
}) {
  const { t } = useT('locks');
  const heading = useId();
  const formatTime = useFormatTime();
  return (
    <Paper component="section" withBorder p="md" aria-labelledby={heading}>
      <Title order={2} size="h3" id={heading} mb="sm">
        {t('rounds.title')}
      </Title>
      <ErrorAlert mb="sm">{saidOf(error)}</ErrorAlert>
      {rounds === undefined ? (
        error ? null : (
          <Text size="sm">{t('rounds.loading')}</Text>
        )
      ) : rounds.length === 0 ? (
        <Text size="sm">{t('rounds.none')}</Text>
      ) : (
        <div className="locks-table-wrap" tabIndex={0} role="group" aria-label={t('rounds.caption')}>
          <Table captionSide="top">
            <Table.Caption>{t('rounds.caption')}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('rounds.round')}</Table.Th>
                <Table.Th scope="col">{t('rounds.created')}</Table.Th>
                <Table.Th scope="col">{t('rounds.by')}</Table.Th>
                <Table.Th scope="col">{t('rounds.ppd')}</Table.Th>
                <Table.Th scope="col">{t('rounds.state')}</Table.Th>
                <Table.Th scope="col">{t('rounds.locks')}</Table.Th>
                <Table.Th scope="col">{t('rounds.visits')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rounds.map((r) => (
                <Table.Tr key={r.roundId}>
                  <Table.Th scope="row">
                    <code className="locks-id">{r.roundId}</code>
                  </Table.Th>
                  <Table.Td className="locks-nowrap">{formatTime(r.createdAt)}</Table.Td>
                  <Table.Td>{r.createdBy}</Table.Td>
                  <Table.Td className="locks-nowrap">
                    <code>{r.ppdSerial}</code>
                  </Table.Td>
                  <Table.Td className="locks-nowrap">
                    <Badge color={STATE_COLOR[r.state]} variant="dot">
                      {t(`rounds.states.${r.state}`)}
                    </Badge>
                  </Table.Td>
                  <LocksCell round={r} names={names} />
                  <VisitsCell round={r} />
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
    </Paper>
  );
}
