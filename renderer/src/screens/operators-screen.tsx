import { Alert, Button, Group, Stack, Text } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorAlert } from '../components/alert.js';
import { CopyField } from '../components/copy-field.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { OperatorCreateForm } from './operator-create-form.js';
import { OperatorPanel } from './operator-panel.js';
import { OperatorTable } from './operators/operator-table.js';
import './operators/operators.css';
import { readFailure, worded } from './operators/read-failure.js';

/** What is open above the list: nothing, the form for a new operator, or one operator (by id). */
type Opened = { kind: 'none' } | { kind: 'new' } | { kind: 'operator'; id: number };

/** A notice above the list, and the temporary password of an operator just created (shown once). */
interface Notice {
  text: string;
  temporary?: { username: string; password: string };
}

/** Operators: the list for anyone with operators:read; creating and managing with operators:admin. */
export function OperatorsScreen({ session, can, failure }: SectionProps) {
  const { t } = useT('operators');
  const admin = can('operators:admin');
  const queryClient = useQueryClient();
  const [opened, setOpened] = useState<Opened>({ kind: 'none' });
  const [notice, setNotice] = useState<Notice>();

  const operators = useQuery({
    queryKey: ['operators.list', {}],
    queryFn: worded(() => call('operators.list', {}), failure),
  });
  const roles = useQuery({
    queryKey: ['roles.list', {}],
    queryFn: worded(() => call('roles.list', {}), failure),
  });
  const readError = readFailure(operators.error) ?? readFailure(roles.error);

  /** Closes what is open and says what changed (the lists were invalidated by the change). */
  const done = (text: string, temporary?: Notice['temporary']) => {
    setOpened({ kind: 'none' });
    setNotice({ text, ...(temporary ? { temporary } : {}) });
  };
  const refresh = () => {
    setNotice(undefined);
    void queryClient.invalidateQueries({ queryKey: ['operators.list'] });
    void queryClient.invalidateQueries({ queryKey: ['roles.list'] });
  };

  const managed = opened.kind === 'operator' ? operators.data?.find((o) => o.id === opened.id) : undefined;
  return (
    <Stack gap={0} className="ops-screen">
      <Group mb="sm" gap="sm">
        {admin ? (
          <Button
            onClick={() => {
              setNotice(undefined);
              setOpened({ kind: 'new' });
            }}
          >
            {t('operators.new')}
          </Button>
        ) : null}
        <Button variant="default" onClick={refresh}>
          {t('operators.refresh')}
        </Button>
      </Group>
      <ErrorAlert mb="sm">{readError}</ErrorAlert>
      {notice ? (
        <Stack gap="xs" mb="sm">
          <Alert color="green" role="status">
            {notice.text}
          </Alert>
          {notice.temporary ? (
            <CopyField
              label={t('panel.temporary', { username: notice.temporary.username })}
              value={notice.temporary.password}
              hint={t('panel.temporaryHint')}
            />
          ) : null}
        </Stack>
      ) : null}

      {opened.kind === 'new' ? (
        <OperatorCreateForm
          roles={roles.data ?? []}
          can={can}
          failure={failure}
          onCreated={(o, password) =>
            done(t('operators.created', { name: o.username }), { username: o.username, password })
          }
          onClose={() => setOpened({ kind: 'none' })}
        />
      ) : null}
      {managed ? (
        <OperatorPanel
          key={managed.id}
          operator={managed}
          roles={roles.data ?? []}
          session={session}
          can={can}
          failure={failure}
          reload={() => operators.refetch().then((r) => r.data)}
          onDeleted={(o) => done(t('operators.deleted', { name: o.username }))}
          onClose={() => setOpened({ kind: 'none' })}
        />
      ) : null}

      {operators.data ? (
        <OperatorTable
          operators={operators.data}
          admin={admin}
          openId={managed?.id}
          onManage={(o) => {
            setNotice(undefined);
            setOpened({ kind: 'operator', id: o.id });
          }}
        />
      ) : operators.isPending ? (
        <Text size="sm">{t('operators.loading')}</Text>
      ) : null}
    </Stack>
  );
}
