import { zodResolver } from '@hookform/resolvers/zod';
import { Button, Group, Stack } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import '../../zod-config.js';
import { z } from 'zod';
import { ErrorAlert } from '../../components/alert.js';
import type { Key } from '../../../../app/contract/methods/users.js';
import { isRpcError } from '../../error-text.js';
import { asSentence, placeIssues, said } from '../../forms/form-words.js';
import { TextField } from '../../forms/text-field.js';
import { useT } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';

/** The issue form: the card's UID as typed (spaces, colons and dashes allowed) and optional hours. */
const IssueForm = z.object({
  uid: z
    .string()
    .transform((s) => s.replace(/[\s:-]/g, '').toUpperCase())
    .pipe(z.string().regex(/^(?:[0-9A-F]{8}|[0-9A-F]{14})$/, said('uidFormat'))),
  revalidationHours: z
    .string()
    .trim()
    .refine((s) => !s || (/^\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 8_760), said('hours'))
    .transform((s) => (s ? Number(s) : undefined)),
});
type IssueFormInput = z.input<typeof IssueForm>;
type IssueFormOutput = z.output<typeof IssueForm>;

/** The contract paths of keys.issue the form shows a field for. */
const FIELDS = ['uid', 'revalidationHours'];

/** Issues a key (a card by its UID) to one user, optionally one an update point must refresh. */
export function IssueKeyForm({
  userId,
  name,
  failure,
  onIssued,
}: {
  userId: number;
  /** The user's name, for the form's label. */
  name: string;
  failure: (err: unknown) => string | undefined;
  onIssued: (key: Key) => void;
}) {
  const { t } = useT('users');
  const queryClient = useQueryClient();
  const [formError, setFormError] = useState<string>();
  const form = useForm<IssueFormInput, unknown, IssueFormOutput>({
    resolver: zodResolver(IssueForm),
    defaultValues: { uid: '', revalidationHours: '' },
  });
  const { control, setError, handleSubmit, reset, formState } = form;

  const issue = useMutation({
    mutationFn: ({ uid, revalidationHours }: IssueFormOutput) =>
      call('keys.issue', { userId, uid, ...(revalidationHours ? { revalidationHours } : {}) }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['keys.list'] }),
  });

  const submit = handleSubmit(async (values) => {
    setFormError(undefined);
    try {
      const key = await issue.mutateAsync(values);
      reset();
      onIssued(key);
    } catch (err) {
      const placed = placeIssues(err, FIELDS);
      if (placed) {
        for (const [field, message] of placed.fields)
          setError(field as 'uid', { type: 'server', message: asSentence(message) });
        if (placed.rest.length) setFormError(placed.rest.map((i) => `${i.path}: ${i.message}`).join('; '));
      } else if (isRpcError(err, 'CONFLICT')) {
        // The card is another live key: the service says which, beside the UID.
        setError('uid', { type: 'server', message: asSentence(err.message) });
      } else setFormError(failure(err));
    }
  });

  return (
    <form
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-busy={formState.isSubmitting}
      aria-label={t('keys.issueForm', { name })}
    >
      <Stack gap="sm">
        <ErrorAlert>{formError}</ErrorAlert>
        <Group align="flex-start" gap="md">
          <TextField
            control={control}
            name="uid"
            ns="users"
            label={t('keys.uidLabel')}
            description={t('keys.uidHint')}
            required
            autoComplete="off"
            spellCheck={false}
            w="20rem"
          />
          <TextField
            control={control}
            name="revalidationHours"
            ns="users"
            label={t('keys.hours')}
            description={t('keys.hoursHint')}
            inputMode="numeric"
            autoComplete="off"
            w="20rem"
          />
        </Group>
        <Group>
          <Button type="submit" disabled={formState.isSubmitting}>
            {formState.isSubmitting ? t('keys.issuing') : t('keys.issue')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
