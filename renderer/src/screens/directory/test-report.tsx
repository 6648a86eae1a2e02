import { Alert, Code, Stack, Table } from '@mantine/core';
import type { DirectoryTestReport } from '../../../../app/contract/methods/directory.js';
import { useT } from '../../i18n/i18n.js';

/**
 * What a connection test found, stage by stage. The failed stage is named in the sentence above and
 * marked in its row in words ("Failed"), not by colour alone.
 */
export function TestReport({ report }: { report: DirectoryTestReport }) {
  const { t } = useT('directory');
  const failed = report.failedStage;
  return (
    <Stack gap="sm">
      {report.ok ? (
        <Alert role="status" color="green">
          {t('test.ok')}
        </Alert>
      ) : (
        <Alert role="alert" color="red">
          {failed ? t('test.failedAt', { stage: t(`stages.${failed}`) }) : t('test.failed')}
        </Alert>
      )}
      <Table className="dir-steps" captionSide="top">
        <Table.Caption>{t('test.caption')}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('test.step')}</Table.Th>
            <Table.Th scope="col">{t('test.result')}</Table.Th>
            <Table.Th scope="col">{t('test.time')}</Table.Th>
            <Table.Th scope="col">{t('test.details')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {report.steps.map((s, i) => (
            <Table.Tr key={`${s.stage}-${i}`} className={s.ok ? undefined : 'failed'}>
              <Table.Th scope="row">
                <Code>{s.stage}</Code> {t(`stages.${s.stage}`)}
              </Table.Th>
              <Table.Td>{s.ok ? t('test.stepOk') : <strong>{t('test.stepFailed')}</strong>}</Table.Td>
              <Table.Td className="dir-ms">{t('test.ms', { ms: Math.round(s.ms) })}</Table.Td>
              <Table.Td>{s.message}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
