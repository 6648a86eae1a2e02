import { Checkbox, Stack } from '@mantine/core';
import type { Role } from '../../../app/contract/methods/operators.js';
import type { Permission } from '../../../app/contract/permissions.js';
import { useT } from '../i18n/i18n.js';

/** Whether the caller may hand a role out: nobody grants more than they hold. */
export function canGrant(role: Pick<Role, 'permissions'>, can: (p: Permission) => boolean): boolean {
  return role.permissions.every(can);
}

/**
 * Chooses roles (for an operator or a directory group), one checkbox each under one label; roles
 * that grant more than the caller holds are shown but locked. `error` and `hint` are shown as given
 * (the caller words them).
 */
export function RolePicker({
  legend,
  roles,
  selected,
  onChange,
  can,
  error,
  hint,
  onBlur,
}: {
  /** The group's label; "Roles" by default. */
  legend?: string;
  roles: readonly Role[];
  selected: readonly number[];
  onChange: (ids: number[]) => void;
  can: (p: Permission) => boolean;
  error?: string | undefined;
  hint?: string | undefined;
  onBlur?: () => void;
}) {
  const { t } = useT('operators');
  return (
    <Checkbox.Group
      label={legend ?? t('rolePicker.legend')}
      description={hint}
      error={error}
      errorProps={{ role: 'alert' }}
      value={selected.map(String)}
      onChange={(values) => onChange(values.map(Number))}
      onBlur={onBlur}
    >
      <Stack gap="xs" mt="xs">
        {roles.map((r) => {
          const grantable = canGrant(r, can);
          return (
            <Checkbox
              key={r.id}
              value={String(r.id)}
              label={r.name}
              description={grantable ? r.description || undefined : t('rolePicker.locked')}
              disabled={!grantable}
            />
          );
        })}
      </Stack>
    </Checkbox.Group>
  );
}
