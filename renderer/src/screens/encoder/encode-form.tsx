import { zodResolver } from '@hookform/resolvers/zod';
import { Button, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useId, useMemo } from 'react';
import { Controller, useForm } from 'react-hook-form';
import '../../zod-config.js';
import { z } from 'zod';
import { useErrorText } from '../../forms/form-frame.js';
import { said } from '../../forms/form-words.js';
import { TextField } from '../../forms/text-field.js';
import { useT } from '../../i18n/i18n.js';
import { dayOf, startOfDay } from '../users/validity-days.js';
import type { CardParams } from './use-card-operation.js';
import { SearchSelect } from '../../components/search-select.js';
import { findHolders, type Holder } from './holders.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The encode form: a cardholder, an optional last valid day (site time) and optional revalidation hours. */
function encodeSchema(today: string) {
  return z.object({
    user: z
      .custom<Holder | null>()
      .refine((u) => u !== null && u !== undefined, said('user'))
      .transform((u) => u as Holder),
    until: z
      .string()
      .trim()
      .refine((s) => !s || DAY.test(s), said('day'))
      // Days written as YYYY-MM-DD compare as text.
      .refine((s) => !DAY.test(s) || s >= today, said('past')),
    hours: z
      .string()
      .trim()
      .refine((s) => !s || (/^\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 8_760), said('hours'))
      .transform((s) => (s ? Number(s) : undefined)),
  });
}
type EncodeInput = z.input<ReturnType<typeof encodeSchema>>;
type EncodeOutput = z.output<ReturnType<typeof encodeSchema>>;

/**
 * Encodes a key for a user onto the card on the encoder: the cardholder (searched over users.list, or
 * preselected from `#/encoder?user=ID`), an optional last valid day in the site's time zone and optional
 * revalidation hours. `onEncode` runs the card operation and says whether it succeeded; the form is
 * cleared for the next card when it did.
 */
export function EncodeForm({
  preselected,
  timeZone,
  canSearch,
  canEncode,
  onEncode,
}: {
  preselected: Holder | null;
  timeZone: string | undefined;
  /** The operator may search users (users:read). */
  canSearch: boolean;
  /** A card is on a ready encoder and nothing else runs. */
  canEncode: boolean;
  onEncode: (params: CardParams<'encoder.encode'>, holder: Holder) => Promise<boolean>;
}) {
  const { t } = useT('encoder');
  const errorText = useErrorText('encoder');
  const heading = useId();
  const today = dayOf(new Date().toISOString(), timeZone);
  const schema = useMemo(() => encodeSchema(today), [today]);
  const form = useForm<EncodeInput, unknown, EncodeOutput>({
    resolver: zodResolver(schema),
    defaultValues: { user: preselected, until: '', hours: '' },
  });
  const { control, handleSubmit, reset, formState } = form;

  const submit = handleSubmit(async ({ user, until, hours }) => {
    const ok = await onEncode(
      {
        userId: user.id,
        ...(until ? { expiresAt: startOfDay(until, timeZone, 1) } : {}),
        ...(hours ? { revalidationHours: hours } : {}),
      },
      user,
    );
    if (ok) reset({ user: null, until: '', hours: '' });
  });

  return (
    <form
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-labelledby={heading}
      aria-busy={formState.isSubmitting}
    >
      <Stack gap="sm">
        <Title order={3} size="h4" id={heading}>
          {t('encode.title')}
        </Title>
        <Controller
          control={control}
          name="user"
          render={({ field, fieldState }) => (
            <SearchSelect
              queryKey="users.list"
              find={findHolders}
              maw="24rem"
              label={t('encode.user')}
              placeholder={t('encode.userPlaceholder')}
              nothingFound={t('encode.nothingFound')}
              value={field.value ?? null}
              onChange={field.onChange}
              onBlur={field.onBlur}
              error={errorText(fieldState.error?.message)}
              canSearch={canSearch}
            />
          )}
        />
        {canSearch ? null : (
          <Text size="sm" className="encoder-muted">
            {t('encode.noUsersRead')}
          </Text>
        )}
        <Group align="flex-start" gap="md">
          <Controller
            control={control}
            name="until"
            render={({ field, fieldState }) => (
              <TextInput
                {...field}
                type="date"
                min={today}
                label={t('encode.until')}
                description={t('encode.untilHint')}
                error={errorText(fieldState.error?.message)}
                errorProps={{ role: 'alert' }}
                w="20rem"
              />
            )}
          />
          <TextField
            control={control}
            name="hours"
            ns="encoder"
            label={t('encode.hours')}
            description={t('encode.hoursHint')}
            inputMode="numeric"
            autoComplete="off"
            w="20rem"
          />
        </Group>
        <Group>
          <Button type="submit" disabled={!canEncode || formState.isSubmitting}>
            {t('encode.submit')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
