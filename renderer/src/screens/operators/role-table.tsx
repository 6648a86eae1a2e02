import { Button, Code, Group, Table, Text, VisuallyHidden } from '@mantine/core';
import type { Role } from '../../../../app/contract/methods/operators.js';
import { useT } from '../../i18n/i18n.js';
import { usePartitionText } from './words.js';

/**
 * Every role, built-in and custom: what it grants and where, and how many operators hold it. For an
 * administrator, custom roles have Edit and Delete; built-in ones say they are read-only.
 */
export function RoleTable({
  roles,
  admin,
  busy,
  openId,
  onEdit,
  onDelete,
}: {
  roles: readonly Role[];
  /** Whether the operator may change roles (operators:admin). */
  admin: boolean;
  /** A deletion is on its way. */
  busy: boolean;
  /** The role open in the form, marked as the current row. */
  openId: number | undefined;
  onEdit: (role: Role) => void;
  onDelete: (role: Role) => void;
}) {
  const { t } = useT('operators');
  const partitionText = usePartitionText();
  return (
    <div className="ops-table-wrap">
      <Table captionSide="top" highlightOnHover>
        <Table.Caption>{t('roles.caption', { count: roles.length })}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('list.name', { ns: 'common' })}</Table.Th>
            <Table.Th scope="col">{t('roles.kind')}</Table.Th>
            <Table.Th scope="col">{t('roles.permissions')}</Table.Th>
            <Table.Th scope="col">{t('roles.appliesTo')}</Table.Th>
            <Table.Th scope="col">{t('roles.operators')}</Table.Th>
            {admin ? (
              <Table.Th scope="col">
                <VisuallyHidden>{t('list.actions', { ns: 'common' })}</VisuallyHidden>
              </Table.Th>
            ) : null}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {roles.map((r) => (
            <Table.Tr key={r.id} aria-current={openId === r.id ? 'true' : undefined}>
              <Table.Th scope="row">
                {r.name}
                {r.description ? (
                  <Text span className="ops-cell-hint">
                    {r.description}
                  </Text>
                ) : null}
              </Table.Th>
              <Table.Td>{r.builtin ? t('roles.builtin') : t('roles.custom')}</Table.Td>
              <Table.Td>
                {r.permissions.length ? (
                  <ul className="ops-tags">
                    {r.permissions.map((p) => (
                      <li key={p}>
                        <Code>{p}</Code>
                      </li>
                    ))}
                  </ul>
                ) : (
                  t('roles.none')
                )}
              </Table.Td>
              <Table.Td>{partitionText(r.partition)}</Table.Td>
              <Table.Td ta="end">{r.operatorCount}</Table.Td>
              {admin ? (
                <Table.Td className="ops-actions">
                  {r.builtin ? (
                    <Text size="sm" c="dimmed" span>
                      {t('roles.readOnly')}
                    </Text>
                  ) : (
                    <Group gap="xs" wrap="nowrap">
                      <Button
                        size="compact-sm"
                        variant="default"
                        aria-label={t('list.editNamed', { ns: 'common', name: r.name })}
                        onClick={() => onEdit(r)}
                      >
                        {t('edit', { ns: 'common' })}
                      </Button>
                      <Button
                        size="compact-sm"
                        variant="default"
                        color="red"
                        aria-label={t('list.deleteNamed', { ns: 'common', name: r.name })}
                        disabled={busy}
                        onClick={() => onDelete(r)}
                      >
                        {t('delete', { ns: 'common' })}
                      </Button>
                    </Group>
                  )}
                </Table.Td>
              ) : null}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}
