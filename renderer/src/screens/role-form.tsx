import { zodResolver } from '@hookform/resolvers/zod';
import { Checkbox, Code, Radio, Stack } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Controller, useForm, useWatch } from 'react-hook-form';
import type { Role } from '../../../app/contract/methods/operators.js';
import type { Permission } from '../../../app/contract/permissions.js';
import { isRpcError } from '../error-text.js';
import { DescriptionField, FormFrame, NameField, useErrorText, useSaveFailure } from '../forms/form-frame.js';
import { TextField } from '../forms/text-field.js';
import { useT } from '../i18n/i18n.js';
import { permissionList, usePermissionLabel } from '../permission-labels.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { RoleForm as RoleSchema, type RoleFormInput, type RoleFormOutput } from './operators/form-schemas.js';

/** The role as the form holds it: ids as typed, so a half-typed list is not lost. */
function draftOf(role: Role | undefined): RoleFormInput {
  return {
    name: role?.name ?? '',
    description: role?.description ?? '',
    permissions: role ? [...role.permissions] : [],
    scope: role?.partition ? 'some' : 'site',
    partition: {
      zoneIds: role?.partition?.zoneIds.join(', ') ?? '',
      doorIds: role?.partition?.doorIds.join(', ') ?? '',
    },
  };
}

/** The contract paths the role form shows a field for. */
const FIELDS = ['name', 'description', 'permissions', 'partition.zoneIds', 'partition.doorIds'];

/**
 * Creates or edits a custom role: its permissions (only those the caller holds can be granted) and
 * where they apply. Zone and door pickers come with the access model; until then, ids are typed.
 * Saving over someone else's change is refused (the version read goes with the update), and the form
 * then shows their version.
 */
export function RoleForm({
  role,
  can,
  failure,
  reload,
  onSaved,
  onClose,
}: Pick<SectionProps, 'can' | 'failure'> & {
  /** The role to edit; none to create one. */
  role?: Role | undefined;
  /** Reads the roles again; resolves to the fresh list (undefined when that failed). */
  reload: () => Promise<Role[] | undefined>;
  onSaved: (role: Role, created: boolean) => void;
  onClose: () => void;
}) {
  const { t } = useT('operators');
  const errorText = useErrorText('operators');
  const permissionLabel = usePermissionLabel();
  const queryClient = useQueryClient();
  // The version the form was filled from: a stale save brings the newer one in.
  const [base, setBase] = useState(role);
  const { control, reset, setError, handleSubmit, formState } = useForm<
    RoleFormInput,
    unknown,
    RoleFormOutput
  >({ resolver: zodResolver(RoleSchema), defaultValues: draftOf(role) });

  const save = useMutation({
    mutationFn: (values: RoleFormOutput) =>
      base
        ? call('roles.update', { id: base.id, version: base.version, ...values })
        : call('roles.create', values),
    // Operators show their roles' names: both lists read again.
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ['roles.list'] }),
        queryClient.invalidateQueries({ queryKey: ['operators.list'] }),
      ]),
  });

  const { formError, setFormError, fail } = useSaveFailure(
    (field, message) => setError(field as 'name', { type: 'server', message }),
    { ns: 'operators', noun: 'roles' },
    () => FIELDS,
    failure,
  );

  const submit = handleSubmit(async (values) => {
    setFormError(undefined);
    try {
      onSaved(await save.mutateAsync(values), !base);
    } catch (err) {
      if (base && isRpcError(err, 'CONFLICT') && typeof err.data.currentVersion === 'number') {
        const fresh = (await reload())?.find((r) => r.id === base.id);
        if (fresh) {
          setBase(fresh);
          reset(draftOf(fresh));
        }
      }
      fail(err);
    }
  });

  const scope = useWatch({ control, name: 'scope' });
  const title = base ? t('roleForm.editTitle', { name: base.name }) : t('roleForm.newTitle');
  return (
    <FormFrame
      title={title}
      submitLabel={base ? t('roleForm.save') : t('roleForm.create')}
      busy={formState.isSubmitting}
      error={formError}
      onSubmit={(e) => void submit(e)}
      onClose={onClose}
    >
      <Controller control={control} name="name" render={NameField} />
      <Controller control={control} name="description" render={DescriptionField} />
      <Controller
        control={control}
        name="permissions"
        render={({ field, fieldState }) => (
          <Checkbox.Group
            label={t('roleForm.permissions')}
            value={field.value}
            onChange={(v) => field.onChange(v as Permission[])}
            error={errorText(fieldState.error?.message)}
            errorProps={{ role: 'alert' }}
          >
            <div className="ops-permissions">
              {permissionList.map((p) => (
                <Checkbox
                  key={p}
                  value={p}
                  label={
                    <>
                      <Code>{p}</Code> {permissionLabel(p)}
                    </>
                  }
                  // Nobody grants more than they hold; the service refuses it too.
                  disabled={!can(p)}
                  description={can(p) ? undefined : t('roleForm.notHeld')}
                  mt="xs"
                />
              ))}
            </div>
          </Checkbox.Group>
        )}
      />
      <Controller
        control={control}
        name="scope"
        render={({ field }) => (
          <Radio.Group label={t('roleForm.appliesTo')} value={field.value} onChange={field.onChange}>
            <Stack gap="xs" mt="xs">
              <Radio value="site" label={t('roleForm.wholeSite')} />
              <Radio value="some" label={t('roleForm.some')} description={t('roleForm.someHint')} />
            </Stack>
          </Radio.Group>
        )}
      />
      {scope === 'some' ? (
        <Stack gap="sm" pl="xl">
          <TextField
            control={control}
            name="partition.zoneIds"
            ns="operators"
            label={t('roleForm.zoneIds')}
            description={t('roleForm.zoneIdsHint')}
            autoComplete="off"
            maw="24rem"
          />
          <TextField
            control={control}
            name="partition.doorIds"
            ns="operators"
            label={t('roleForm.doorIds')}
            description={t('roleForm.doorIdsHint')}
            autoComplete="off"
            maw="24rem"
          />
        </Stack>
      ) : null}
    </FormFrame>
  );
}
