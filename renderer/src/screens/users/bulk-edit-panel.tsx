import { Alert, Button, Group, NativeSelect, Paper, Stack, TextInput, Title } from '@mantine/core';
import { zodResolver } from '@hookform/resolvers/zod';
import { useForm } from 'react-hook-form';
import '../../zod-config.js';
import { z } from 'zod';
import { Department } from '../../../../app/contract/methods/users.js';
import { useErrorText } from '../../forms/form-frame.js';
import { inWords, said } from '../../forms/form-words.js';
import { useT } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import type { Choice } from '../../use-access-choices.js';
import { zonedInputToUtc } from '../events/zoned-time.js';

/** The bulk form: every field optional, at least one change (users.bulkUpdate says the same). */
const BulkForm = z
  .object({
    department: inWords(Department, { too_big: 'long100', custom: 'control' }),
    validUntil: z.string(),
    add: z.string(),
    remove: z.string(),
  })
  .refine((f) => f.department || f.validUntil || f.add || f.remove, {
    message: said('nothing'),
    path: ['department'],
  })
  .refine((f) => !f.add || f.add !== f.remove, { message: said('same'), path: ['remove'] });
type BulkFormInput = z.input<typeof BulkForm>;
type BulkFormOutput = z.output<typeof BulkForm>;

/**
 * Changes the selected users at once: department, end of validity (in the site's time zone), one
 * access level given or taken. users.bulkUpdate applies it to all of them or none, audited as one entry.
 */
export function BulkEditPanel({
  ids,
  levels,
  timeZone,
  failure,
  onDone,
  onClose,
}: {
  ids: readonly number[];
  levels: readonly Choice[] | undefined;
  /** The site's time zone, which the end of validity is typed in. */
  timeZone: string | undefined;
  failure: (err: unknown) => string | undefined;
  onDone: (count: number) => void;
  onClose: () => void;
}) {
  const { t } = useT('users');
  const errorText = useErrorText('users');
  const form = useForm<BulkFormInput, unknown, BulkFormOutput>({
    resolver: zodResolver(BulkForm),
    defaultValues: { department: '', validUntil: '', add: '', remove: '' },
  });
  const { errors, isSubmitting } = form.formState;
  const levelChoices = [
    { value: '', label: t('bulk.none') },
    ...(levels ?? []).map((l) => ({ value: String(l.id), label: l.name })),
  ];

  const submit = form.handleSubmit(async (f) => {
    const validUntil = f.validUntil ? zonedInputToUtc(f.validUntil, timeZone) : undefined;
    try {
      const r = await call('users.bulkUpdate', {
        ids: [...ids],
        changes: {
          ...(f.department ? { department: f.department } : {}),
          ...(validUntil ? { validUntil } : {}),
          ...(f.add ? { addAccessLevelIds: [Number(f.add)] } : {}),
          ...(f.remove ? { removeAccessLevelIds: [Number(f.remove)] } : {}),
        },
      });
      onDone(r.updated);
    } catch (err) {
      form.setError('root', { message: failure(err) ?? '' });
    }
  });

  return (
    <Paper withBorder p="md" component="section" aria-label={t('bulk.title', { count: ids.length })}>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <Stack gap="sm">
          <Title order={2} size="h3">
            {t('bulk.title', { count: ids.length })}
          </Title>
          {errors.root?.message ? (
            <Alert color="red" role="alert">
              {errors.root.message}
            </Alert>
          ) : null}
          <TextInput
            label={t('bulk.department')}
            {...form.register('department')}
            error={errorText(errors.department?.message)}
            errorProps={{ role: 'alert' }}
          />
          <TextInput type="datetime-local" label={t('bulk.validUntil')} {...form.register('validUntil')} />
          {levels ? (
            <Group grow>
              <NativeSelect label={t('bulk.addLevel')} data={levelChoices} {...form.register('add')} />
              <NativeSelect
                label={t('bulk.removeLevel')}
                data={levelChoices}
                {...form.register('remove')}
                error={errorText(errors.remove?.message)}
                errorProps={{ role: 'alert' }}
              />
            </Group>
          ) : null}
          <Group>
            <Button type="submit" loading={isSubmitting}>
              {t('bulk.apply', { count: ids.length })}
            </Button>
            <Button variant="default" onClick={onClose}>
              {t('common:cancel')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
