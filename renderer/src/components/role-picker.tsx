import type { Role } from '../../../app/contract/methods/operators.js';
import type { Permission } from '../../../app/contract/permissions.js';
import { CheckboxGroup } from './checkbox-group.js';

/** Whether the caller may hand a role out: nobody grants more than they hold. */
export function canGrant(role: Pick<Role, 'permissions'>, can: (p: Permission) => boolean): boolean {
  return role.permissions.every(can);
}

/** Chooses roles (for an operator or a directory group); roles that grant more than the caller holds are shown but locked. */
export function RolePicker({
  legend = 'Roles',
  roles,
  selected,
  onChange,
  can,
  error,
  hint,
}: {
  legend?: string;
  roles: readonly Role[];
  selected: readonly number[];
  onChange: (ids: number[]) => void;
  can: (p: Permission) => boolean;
  error?: string | undefined;
  hint?: string | undefined;
}) {
  return (
    <CheckboxGroup
      legend={legend}
      hint={hint}
      error={error}
      selected={selected}
      onChange={onChange}
      options={roles.map((r) => {
        const grantable = canGrant(r, can);
        return {
          value: r.id,
          label: r.name,
          hint: grantable
            ? r.description || undefined
            : 'Grants more than your own roles: you cannot hand it out.',
          disabled: !grantable,
        };
      })}
    />
  );
}
