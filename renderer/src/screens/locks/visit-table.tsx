import { Badge, Table } from '@mantine/core';
import type { RoundSummary } from '../../../../app/contract/methods/locks.js';
import { currentLanguage, useT } from '../../i18n/i18n.js';
import { useFormatTime } from '../../site-time.js';

/** One lock's visit as the Service imported it. */
export type Visit = RoundSummary['visits'][number];

/** The dot colour of each outcome (words beside it in the text colour: light badges fail contrast). */
const OUTCOME_COLOR: Record<Visit['outcome'], string> = {
  updated: 'green',
  collected: 'blue',
  'emergency-opened': 'yellow',
  failed: 'red',
};

/**
 * What the PPD brought back, lock by lock: the outcome, the problem when it failed (the lock's or the
 * PPD's words, which say what to do), the audit records new to the Service and when.
 */
export function VisitTable({ visits, caption }: { visits: readonly Visit[]; caption: string }) {
  const { t } = useT('locks');
  const formatTime = useFormatTime();
  const number = new Intl.NumberFormat(currentLanguage());
  return (
    <div className="locks-table-wrap" tabIndex={0} role="group" aria-label={caption}>
      <Table captionSide="top">
        <Table.Caption>{caption}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('visits.door')}</Table.Th>
            <Table.Th scope="col">{t('visits.outcome')}</Table.Th>
            <Table.Th scope="col">{t('visits.error')}</Table.Th>
            <Table.Th scope="col">{t('visits.audit')}</Table.Th>
            <Table.Th scope="col">{t('visits.visitedAt')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {visits.map((v, i) => (
            <Table.Tr key={`${v.doorId}:${v.visitedAt}:${i}`}>
              <Table.Th scope="row">{v.doorName}</Table.Th>
              <Table.Td className="locks-nowrap">
                <Badge color={OUTCOME_COLOR[v.outcome]} variant="dot">
                  {t(`visits.outcomes.${v.outcome}`)}
                </Badge>
              </Table.Td>
              <Table.Td className={v.error ? 'locks-warning' : undefined}>
                {v.error ?? t('visits.noError')}
              </Table.Td>
              <Table.Td className="num">{number.format(v.auditImported)}</Table.Td>
              <Table.Td className="locks-nowrap">{formatTime(v.visitedAt)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}
