import { Button, Group, NativeSelect, Paper, Stack, TextInput, Title } from '@mantine/core';
import { zodResolver } from '@hookform/resolvers/zod';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { ErrorAlert } from '../../components/alert.js';
import { useT } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import type { Choice } from '../../use-access-choices.js';

/** The bulk form: every field optional, at least one change (users.bulkUpdate says the same). */
const BulkForm = z
  .object({
    department: z.string().trim().max(100),
    validUntil: z.string(),
    add: z.string(),
    remove: z.string(),
  })
  .refine((f) => f.department || f.validUntil || f.add || f.remove, {
    message: 'nothing',
    path: ['department'],
  })
  .refine((f) => !f.add || f.add !== f.remove, { message: 'same', path: ['remove'] });
type BulkForm = z.infer<typeof BulkForm>;

/** A date-time field's value (local, minutes) as the instant the service expects. */
const instant = (local: string) => new Date(local).toISOString();

/**
 * Changes the selected users at once: department, end of validity, one access level given or taken.
 * users.bulkUpdate applies it to all of them or none, audited as one entry.
 */
export function BulkEditPanel({
  ids,
  levels,
  failure,
  onDone,
  onClose,
}: {
  ids: readonly number[];
  levels: readonly Choice[] | undefined;
  failure: (err: unknown) => string | undefined;
  onDone: (count: number) => void;
  onClose: () => void;
}) {
  const { t } = useT('users');
  const form = useForm<BulkForm>({
    resolver: zodResolver(BulkForm),
    defaultValues: { department: '', validUntil: '', add: '', remove: '' },
  });
  const { errors, isSubmitting } = form.formState;
  const levelChoices = [
    { value: '', label: t('bulk.none') },
    ...(levels ?? []).map((l) => ({ value: String(l.id), label: l.name })),
  ];

  const submit = form.handleSubmit(async (f) => {
    try {
      const r = await call('users.bulkUpdate', {
        ids: [...ids],
        changes: {
          ...(f.department ? { department: f.department } : {}),
          ...(f.validUntil ? { validUntil: instant(f.validUntil) } : {}),
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
          {errors.root?.message ? <ErrorAlert>{errors.root.message}</ErrorAlert> : null}
          <TextInput
            label={t('bulk.department')}
            {...form.register('department')}
            error={errors.department?.message === 'nothing' ? t('bulk.nothing') : errors.department?.message}
          />
          <TextInput type="datetime-local" label={t('bulk.validUntil')} {...form.register('validUntil')} />
          {levels ? (
            <Group grow>
              <NativeSelect label={t('bulk.addLevel')} data={levelChoices} {...form.register('add')} />
              <NativeSelect
                label={t('bulk.removeLevel')}
                data={levelChoices}
                {...form.register('remove')}
                error={errors.remove ? t('bulk.same') : undefined}
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
