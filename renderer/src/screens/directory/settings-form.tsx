import { zodResolver } from '@hookform/resolvers/zod';
import { Button, Group, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { FormProvider, useForm, type FieldPath, type Resolver } from 'react-hook-form';
import { ErrorAlert, Notice } from '../../components/alert.js';
import type { ParamsOf } from '../../../../app/contract/index.js';
import type { Role } from '../../../../app/contract/methods/operators.js';
import type { DirectorySettings, DirectoryTestReport } from '../../../../app/contract/methods/directory.js';
import type { Permission } from '../../../../app/contract/permissions.js';
import { isRpcError } from '../../error-text.js';
import { asSentence, placeIssues } from '../../forms/form-words.js';
import { useT } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import { useFormatTime } from '../../site-time.js';
import {
  DirectorySaveForm,
  DirectoryTestForm,
  directoryFieldPaths,
  draftOf,
  type DirectoryDraft,
  type DirectoryFormOutput,
} from '../directory-form.js';
import { AccountsSection } from './accounts-section.js';
import { ConnectionSection } from './connection-section.js';
import { CheckField, TextField } from './fields.js';
import { GroupMappings } from './group-mappings.js';
import { settingsQuery } from './queries.js';
import { TestReport } from './test-report.js';
import './directory.css';

type Action = DirectoryFormOutput['kind'];
type SaveParams = Omit<ParamsOf<'directory.update'>, 'version'>;

// Each button checks the form by its own method's params: Test needs no account settings when there
// is no user base, and only Test takes a probe username.
const resolvers = {
  save: zodResolver(DirectorySaveForm),
  test: zodResolver(DirectoryTestForm),
} as Record<Action, Resolver<DirectoryDraft, unknown, DirectoryFormOutput>>;

/**
 * The directory settings, filled from what is stored. The form remembers the version it was filled
 * from: saving over someone else's change fails with CONFLICT, and the form then keeps what was typed
 * and takes their version, so the next save replaces theirs knowingly.
 */
export function DirectorySettingsForm({
  settings,
  roles,
  readsRoles,
  can,
  failure,
}: {
  settings: DirectorySettings;
  roles: readonly Role[];
  readsRoles: boolean;
  can: (p: Permission) => boolean;
  failure: (err: unknown) => string | undefined;
}) {
  const { t } = useT('directory');
  const formatTime = useFormatTime();
  const queryClient = useQueryClient();
  const [base, setBase] = useState(settings);
  const [notice, setNotice] = useState<string>();
  const [formError, setFormError] = useState<string>();
  const [report, setReport] = useState<DirectoryTestReport>();
  // Which button sent the form; the resolver reads it when the form is checked (and re-checked).
  const action = useRef<Action>('save');
  const form = useForm<DirectoryDraft, unknown, DirectoryFormOutput>({
    resolver: (values, context, options) => resolvers[action.current](values, context, options),
    defaultValues: draftOf(settings),
  });
  const { getValues, setError, handleSubmit, reset } = form;

  const save = useMutation({
    mutationFn: ({ version, params }: { version: number; params: SaveParams }) =>
      call('directory.update', { version, ...params }),
  });
  const test = useMutation({
    mutationFn: (params: ParamsOf<'directory.testConnection'>) => call('directory.testConnection', params),
  });
  const busy = save.isPending || test.isPending;

  /** Puts the service's refusals beside their fields; false when it was not that kind of error. */
  function refused(err: unknown): boolean {
    const placed = placeIssues(err, directoryFieldPaths(getValues('operators.groupRoles').length));
    if (!placed) return false;
    for (const [field, message] of placed.fields)
      setError(
        (field === 'operators.groupRoles' ? 'operators.groupRoles.root' : field) as FieldPath<DirectoryDraft>,
        { type: 'server', message: asSentence(message) },
      );
    setFormError(
      placed.rest.length
        ? t('checkThese', { list: placed.rest.map((i) => `${i.path}: ${i.message}`).join('; ') })
        : t('invalid'),
    );
    return true;
  }

  async function saveFailed(err: unknown) {
    if (!isRpcError(err, 'CONFLICT') || typeof err.data.currentVersion !== 'number') {
      if (!refused(err)) setFormError(failure(err));
      return;
    }
    // The form keeps what was typed; the next save is made knowingly over the other change.
    try {
      const fresh = await queryClient.fetchQuery({ ...settingsQuery, staleTime: 0 });
      setBase(fresh);
      setFormError(t('conflict'));
    } catch (reloadErr) {
      setFormError(failure(reloadErr));
    }
  }

  const send = handleSubmit((out) => {
    if (out.kind === 'test')
      test.mutate(out.params, {
        onSuccess: setReport,
        onError: (err) => {
          if (!refused(err)) setFormError(failure(err));
        },
      });
    else
      save.mutate(
        { version: base.version, params: out.params },
        {
          onSuccess: (saved) => {
            queryClient.setQueryData(settingsQuery.queryKey, saved);
            setBase(saved);
            // A typed password goes: the field says again whether one is stored.
            reset(draftOf(saved, getValues('probeUsername')));
            setNotice(saved.enabled ? t('savedOn') : t('savedOff'));
          },
          onError: (err) => void saveFailed(err),
        },
      );
  });

  function run(kind: Action, e?: FormEvent<HTMLFormElement>) {
    action.current = kind;
    setNotice(undefined);
    setFormError(undefined);
    if (kind === 'test') setReport(undefined);
    void send(e);
  }

  return (
    <FormProvider {...form}>
      <form
        className="dir-settings"
        onSubmit={(e) => run('save', e)}
        noValidate
        aria-busy={busy}
        aria-label={t('formLabel')}
      >
        <Stack gap="lg">
          <Text size="sm" c="dimmed">
            {t('intro')}{' '}
            {base.updatedAt ? t('lastSaved', { time: formatTime(base.updatedAt) }) : t('notSaved')}
          </Text>
          <ErrorAlert>{formError}</ErrorAlert>
          <Notice>{notice}</Notice>
          <CheckField name="enabled" label={t('enabled')} hint={t('enabledHint')} />
          <ConnectionSection passwordStored={base.bindPasswordSet} />
          <AccountsSection />
          <GroupMappings roles={roles} readsRoles={readsRoles} can={can} />
          <Stack gap="sm">
            <Title order={2} size="h3">
              {t('test.heading')}
            </Title>
            <TextField name="probeUsername" label={t('test.probe')} hint={t('test.probeHint')} />
            <Group>
              <Button variant="default" onClick={() => run('test')} disabled={busy}>
                {test.isPending ? t('test.running') : t('test.run')}
              </Button>
              <Button type="submit" disabled={busy}>
                {save.isPending ? t('saving') : t('save')}
              </Button>
            </Group>
          </Stack>
        </Stack>
      </form>
      {/* Outside the form, so the report may use the screen's full width. */}
      <div aria-live="polite">{report ? <TestReport report={report} /> : null}</div>
    </FormProvider>
  );
}
