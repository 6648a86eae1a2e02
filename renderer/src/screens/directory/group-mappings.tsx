import { Button, Fieldset, Group, Stack, Text, Title } from '@mantine/core';
import { Controller, useFieldArray, useFormContext } from 'react-hook-form';
import { ErrorAlert } from '../../components/alert.js';
import type { Role } from '../../../../app/contract/methods/operators.js';
import type { Permission } from '../../../../app/contract/permissions.js';
import { RolePicker } from '../../components/role-picker.js';
import { useErrorText } from '../../forms/form-frame.js';
import { useT } from '../../i18n/i18n.js';
import type { DirectoryDraft } from '../directory-form.js';
import { TextField } from './fields.js';

/**
 * Which directory groups give which roles: one row per group, its DN and the roles its members get
 * (roles that grant more than the caller holds are shown but locked by the picker).
 */
export function GroupMappings({
  roles,
  readsRoles,
  can,
}: {
  roles: readonly Role[];
  /** Without operators:read the roles cannot be listed: the picker says why it is empty. */
  readsRoles: boolean;
  can: (p: Permission) => boolean;
}) {
  const { t } = useT('directory');
  const errorText = useErrorText('directory');
  const { control, formState } = useFormContext<DirectoryDraft>();
  const { fields, append, remove } = useFieldArray({ control, name: 'operators.groupRoles' });
  const listErrors = formState.errors.operators?.groupRoles;
  const listError = errorText(listErrors?.root?.message ?? listErrors?.message);
  return (
    <Stack gap="sm">
      <Title order={3} size="h4">
        {t('mappings.heading')}
      </Title>
      <ErrorAlert>{listError}</ErrorAlert>
      {fields.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('mappings.none')}
        </Text>
      ) : null}
      {fields.map((f, i) => (
        <Fieldset key={f.id} legend={t('mappings.mapping', { n: i + 1 })} className="dir-mapping">
          <Stack gap="sm">
            <TextField
              name={`operators.groupRoles.${i}.groupDn`}
              label={t('mappings.groupDn')}
              placeholder="cn=lintel-admins,ou=groups,dc=example,dc=org"
              required
            />
            <Controller
              control={control}
              name={`operators.groupRoles.${i}.roleIds`}
              render={({ field, fieldState }) => (
                <RolePicker
                  legend={t('mappings.roles')}
                  roles={roles}
                  selected={field.value}
                  onChange={field.onChange}
                  can={can}
                  error={errorText(fieldState.error?.message)}
                  hint={readsRoles ? undefined : t('mappings.rolesHidden')}
                />
              )}
            />
            <Group>
              <Button size="compact-sm" variant="default" onClick={() => remove(i)}>
                {t('mappings.remove', { n: i + 1 })}
              </Button>
            </Group>
          </Stack>
        </Fieldset>
      ))}
      <Group>
        <Button variant="default" onClick={() => append({ groupDn: '', roleIds: [] })}>
          {t('mappings.add')}
        </Button>
      </Group>
    </Stack>
  );
}
