import { Radio, Stack, Title } from '@mantine/core';
import { Controller, useFormContext, useWatch } from 'react-hook-form';
import { useT } from '../../i18n/i18n.js';
import type { DirectoryDraft } from '../directory-form.js';
import { TextField } from './fields.js';

/** Where operator accounts are found, and how their groups are: from an attribute or by a search. */
export function AccountsSection() {
  const { t } = useT('directory');
  const { control } = useFormContext<DirectoryDraft>();
  const kind = useWatch<DirectoryDraft, 'operators.groups.kind'>({ name: 'operators.groups.kind' });
  return (
    <>
      <Stack gap="sm">
        <Title order={2} size="h3">
          {t('accounts.heading')}
        </Title>
        <TextField
          name="operators.userBase"
          label={t('accounts.userBase')}
          hint={t('accounts.userBaseHint')}
          placeholder="ou=people,dc=example,dc=org"
          required
        />
        <TextField
          name="operators.userFilter"
          label={t('accounts.userFilter')}
          hint={t('accounts.userFilterHint')}
          required
        />
        <TextField
          name="operators.displayNameAttribute"
          label={t('accounts.displayName')}
          hint={t('accounts.displayNameHint')}
          required
        />
      </Stack>
      <Stack gap="sm">
        <Title order={2} size="h3">
          {t('groups.heading')}
        </Title>
        <Controller
          control={control}
          name="operators.groups.kind"
          render={({ field }) => (
            <Radio.Group
              name={field.name}
              value={field.value}
              onChange={(v) => field.onChange(v)}
              label={t('groups.how')}
            >
              <Stack gap="xs" mt="xs">
                <Radio value="memberOf" label={t('groups.memberOf')} description={t('groups.memberOfHint')} />
                <Radio value="search" label={t('groups.search')} />
              </Stack>
            </Radio.Group>
          )}
        />
        {/* Indented under the choice they belong to; the other kind's values are kept, not sent. */}
        <Stack gap="sm" className="dir-indent">
          {kind === 'memberOf' ? (
            <TextField name="operators.groups.attribute" label={t('groups.attribute')} required />
          ) : (
            <>
              <TextField
                name="operators.groups.groupBase"
                label={t('groups.groupBase')}
                placeholder="ou=groups,dc=example,dc=org"
                required
              />
              <TextField
                name="operators.groups.groupFilter"
                label={t('groups.groupFilter')}
                hint={t('groups.groupFilterHint')}
                required
              />
            </>
          )}
        </Stack>
      </Stack>
    </>
  );
}
