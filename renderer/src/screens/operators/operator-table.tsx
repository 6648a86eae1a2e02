import { Badge, Button, Group, Table, VisuallyHidden } from '@mantine/core';
import type { Operator } from '../../../../app/contract/methods/operators.js';
import { useT } from '../../i18n/i18n.js';
import { useFormatTime } from '../../site-time.js';
import { useOperatorState } from './words.js';

/**
 * Every operator: who, from where, with which roles, in what state. Rows are named by their username
 * (the row header); administrators get a Manage button per row.
 */
export function OperatorTable({
  operators,
  admin,
  openId,
  onManage,
}: {
  operators: readonly Operator[];
  /** Whether the operator may manage operators (operators:admin). */
  admin: boolean;
  /** The operator open in the panel, marked as the current row. */
  openId: number | undefined;
  onManage: (operator: Operator) => void;
}) {
  const { t } = useT('operators');
  const formatTime = useFormatTime();
  const stateOf = useOperatorState();
  return (
    <div className="ops-table-wrap">
      <Table captionSide="top" highlightOnHover>
        <Table.Caption>{t('operators.caption', { count: operators.length })}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('operators.username')}</Table.Th>
            <Table.Th scope="col">{t('operators.name')}</Table.Th>
            <Table.Th scope="col">{t('operators.source')}</Table.Th>
            <Table.Th scope="col">{t('operators.roles')}</Table.Th>
            <Table.Th scope="col">{t('operators.state')}</Table.Th>
            <Table.Th scope="col">{t('operators.lastLogin')}</Table.Th>
            {admin ? (
              <Table.Th scope="col">
                <VisuallyHidden>{t('operators.actions')}</VisuallyHidden>
              </Table.Th>
            ) : null}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {operators.map((o) => (
            <Table.Tr key={o.id} aria-current={openId === o.id ? 'true' : undefined}>
              <Table.Th scope="row">{o.username}</Table.Th>
              <Table.Td>{o.displayName}</Table.Td>
              <Table.Td>{o.source === 'ldap' ? t('operators.directory') : t('operators.local')}</Table.Td>
              <Table.Td>{o.roles.map((r) => r.name).join(', ')}</Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {stateOf(o).map((s) => (
                    <Badge key={s.text} variant="default" className={s.warn ? 'ops-warn' : undefined}>
                      {s.text}
                    </Badge>
                  ))}
                </Group>
              </Table.Td>
              <Table.Td>{formatTime(o.lastLoginAt)}</Table.Td>
              {admin ? (
                <Table.Td className="ops-actions">
                  <Button
                    size="compact-sm"
                    variant="default"
                    aria-label={t('operators.manageNamed', { name: o.username })}
                    onClick={() => onManage(o)}
                  >
                    {t('operators.manage')}
                  </Button>
                </Table.Td>
              ) : null}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}
