import { useState, type FormEvent } from 'react';
import type { Role } from '../../../app/contract/methods/operators.js';
import type { Partition, Permission } from '../../../app/contract/permissions.js';
import { ErrorAlert } from '../components/alert.js';
import { CheckboxGroup } from '../components/checkbox-group.js';
import { Field } from '../components/field.js';
import { NameFields } from '../components/name-fields.js';
import { Panel } from '../components/panel.js';
import { RadioGroup } from '../components/radio-group.js';
import { isRpcError } from '../error-text.js';
import { parseIdList, sentence } from '../format.js';
import type { FieldErrors } from '../param-issues.js';
import { permissionLabels, permissionList } from '../permission-labels.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { useDraft } from '../use-draft.js';
import { useFormSend } from '../use-form-send.js';

/** The form's fields by their contract paths, so that the service's complaints land beside them. */
const fieldNames = ['name', 'description', 'permissions', 'partition.zoneIds', 'partition.doorIds'] as const;
type FieldName = (typeof fieldNames)[number];

/** The role as the form edits it: ids as typed, so a half-typed list is not lost. */
interface Draft {
  name: string;
  description: string;
  permissions: Permission[];
  scope: 'site' | 'some';
  zoneIds: string;
  doorIds: string;
}

function draftOf(role: Role | undefined): Draft {
  return {
    name: role?.name ?? '',
    description: role?.description ?? '',
    permissions: role ? [...role.permissions] : [],
    scope: role?.partition ? 'some' : 'site',
    zoneIds: role?.partition?.zoneIds.join(', ') ?? '',
    doorIds: role?.partition?.doorIds.join(', ') ?? '',
  };
}

/**
 * Creates or edits a custom role: its permissions (only those the caller holds can be granted) and
 * where they apply. Zone and door pickers come with the access model; until then, ids are typed.
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
  reload: () => Promise<Role[] | undefined>;
  onSaved: (role: Role, created: boolean) => void;
  onClose: () => void;
}) {
  const [base, setBase] = useState(role);
  const [draft, setDraft, set] = useDraft(() => draftOf(role));
  const { errors, setErrors, formError, setFormError, busy, send } = useFormSend<FieldName>(failure);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(undefined);
    let partition: Partition = null;
    if (draft.scope === 'some') {
      const zoneIds = parseIdList(draft.zoneIds);
      const doorIds = parseIdList(draft.doorIds);
      const bad: FieldErrors<FieldName> = {};
      if (!zoneIds) bad['partition.zoneIds'] = 'Type zone numbers separated by commas, such as 3, 4.';
      if (!doorIds) bad['partition.doorIds'] = 'Type door numbers separated by commas, such as 12, 15.';
      if (zoneIds && doorIds && zoneIds.length + doorIds.length === 0)
        bad['partition.zoneIds'] = 'Give at least one zone or door, or choose the whole site.';
      setErrors(bad);
      if (Object.keys(bad).length || !zoneIds || !doorIds) return;
      partition = { zoneIds, doorIds };
    } else {
      setErrors({});
    }
    const values = {
      name: draft.name,
      description: draft.description,
      permissions: draft.permissions,
      partition,
    };
    await send(
      async () => {
        const saved = base
          ? await call('roles.update', { id: base.id, version: base.version, ...values })
          : await call('roles.create', values);
        onSaved(saved, !base);
      },
      {
        fields: fieldNames,
        explain: async (err) => {
          if (base && isRpcError(err, 'CONFLICT') && typeof err.data.currentVersion === 'number') {
            const fresh = (await reload())?.find((r) => r.id === base.id);
            if (fresh) {
              setBase(fresh);
              setDraft(draftOf(fresh));
            }
            setFormError(
              'Someone else changed this role while you were editing. The form now shows their version: ' +
                'make your change again and save.',
            );
            return true;
          }
          if (isRpcError(err, 'CONFLICT')) {
            setErrors({ name: `${sentence(err.message)} Choose another name.` });
            return true;
          }
          return false;
        },
      },
    );
  }

  const title = base ? `Edit role ${base.name}` : 'New role';
  return (
    <Panel title={title} onClose={onClose}>
      <form onSubmit={submit} noValidate aria-busy={busy} aria-label={title}>
        {formError ? <ErrorAlert>{formError}</ErrorAlert> : null}
        <NameFields draft={draft} set={set} errors={errors} />
        <CheckboxGroup
          legend="Permissions"
          columns
          selected={draft.permissions}
          onChange={set('permissions')}
          error={errors.permissions}
          options={permissionList.map((p) => ({
            value: p,
            label: (
              <>
                <code>{p}</code> {permissionLabels[p]}
              </>
            ),
            // Nobody grants more than they hold; the service refuses it too.
            disabled: !can(p),
            hint: can(p) ? undefined : 'You do not hold this permission, so you cannot grant it.',
          }))}
        />
        <RadioGroup
          legend="Applies to"
          value={draft.scope}
          onChange={set('scope')}
          options={[
            { value: 'site', label: 'The whole site' },
            {
              value: 'some',
              label: 'Only some zones and doors',
              hint: 'Door-level permissions then apply only there (a tenant’s floors in a shared building).',
            },
          ]}
        />
        {draft.scope === 'some' ? (
          <div className="indent">
            <Field
              label="Zone ids"
              value={draft.zoneIds}
              onChange={set('zoneIds')}
              autoComplete="off"
              hint="Comma-separated, such as 3, 4."
              error={errors['partition.zoneIds']}
            />
            <Field
              label="Door ids"
              value={draft.doorIds}
              onChange={set('doorIds')}
              autoComplete="off"
              hint="Comma-separated, such as 12, 15."
              error={errors['partition.doorIds']}
            />
          </div>
        ) : null}
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : base ? 'Save role' : 'Create role'}
        </button>
      </form>
    </Panel>
  );
}
