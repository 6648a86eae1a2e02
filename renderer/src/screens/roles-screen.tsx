import { Button, Group, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorAlert, Notice } from '../components/alert.js';
import type { Role } from '../../../app/contract/methods/operators.js';
import { useConfirm } from '../components/confirm-dialog.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { readFailure, worded } from './operators/read-failure.js';
import { RoleTable } from './operators/role-table.js';
import './operators/operators.css';
import { RoleForm } from './role-form.js';

/** What is open above the list: nothing, the form for a new role, or one role (by id). */
type Opened = { kind: 'none' } | { kind: 'new' } | { kind: 'role'; id: number };

/** Roles: built-in ones read-only; custom ones created, edited and deleted with operators:admin. */
export function RolesScreen({ can, failure }: SectionProps) {
  const { t } = useT('operators');
  const admin = can('operators:admin');
  const queryClient = useQueryClient();
  const [opened, setOpened] = useState<Opened>({ kind: 'none' });
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<string>();
  const [dialog, confirm] = useConfirm();

  const roles = useQuery({
    queryKey: ['roles.list', {}],
    queryFn: worded(() => call('roles.list', {}), failure),
  });
  const readError = readFailure(roles.error);

  const deletion = useMutation({
    mutationFn: (role: Role) => call('roles.delete', { id: role.id, version: role.version }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['roles.list'] }),
  });

  async function remove(role: Role) {
    const yes = await confirm({
      title: t('roles.deleteTitle', { name: role.name }),
      message: t('roles.deleteMessage'),
      confirmLabel: t('roles.deleteConfirm'),
      danger: true,
    });
    if (!yes) return;
    setError(undefined);
    setNotice(undefined);
    try {
      await deletion.mutateAsync(role);
      if (opened.kind === 'role' && opened.id === role.id) setOpened({ kind: 'none' });
      setNotice(t('roles.deleted', { name: role.name }));
    } catch (err) {
      setError(failure(err));
    }
  }

  const editing = opened.kind === 'role' ? roles.data?.find((r) => r.id === opened.id) : undefined;
  const shownError = error ?? readError;
  return (
    <div className="ops-screen">
      {dialog}
      {admin ? (
        <Group mb="sm">
          <Button
            onClick={() => {
              setNotice(undefined);
              setOpened({ kind: 'new' });
            }}
          >
            {t('roles.new')}
          </Button>
        </Group>
      ) : null}
      <Text size="sm" c="dimmed" mb="sm">
        {t('roles.hint')}
      </Text>
      <ErrorAlert mb="sm">{shownError}</ErrorAlert>
      <Notice mb="sm">{notice}</Notice>
      {opened.kind === 'new' || editing ? (
        <RoleForm
          key={editing?.id ?? 'new'}
          role={editing}
          can={can}
          failure={failure}
          reload={() => roles.refetch().then((r) => r.data)}
          onSaved={(r, created) => {
            setOpened({ kind: 'none' });
            setNotice(t(created ? 'roles.created' : 'roles.saved', { name: r.name }));
          }}
          onClose={() => setOpened({ kind: 'none' })}
        />
      ) : null}
      {roles.data ? (
        <RoleTable
          roles={roles.data}
          admin={admin}
          busy={deletion.isPending}
          openId={editing?.id}
          onEdit={(r) => {
            setNotice(undefined);
            setOpened({ kind: 'role', id: r.id });
          }}
          onDelete={(r) => void remove(r)}
        />
      ) : roles.isPending ? (
        <Text size="sm">{t('roles.loading')}</Text>
      ) : null}
    </div>
  );
}
