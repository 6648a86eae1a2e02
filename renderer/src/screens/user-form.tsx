import type { FormEvent } from 'react';
import type { User, UserDetail } from '../../../app/contract/methods/users.js';
import { CheckboxGroup } from '../components/checkbox-group.js';
import { Field } from '../components/field.js';
import { FormPanel } from '../components/form-panel.js';
import type { FieldErrors } from '../param-issues.js';
import { call } from '../rpc/client.js';
import { explainConflict } from '../save-conflict.js';
import type { SectionProps } from '../section.js';
import type { Choice } from '../use-access-choices.js';
import { useDraft } from '../use-draft.js';
import { useFormSend } from '../use-form-send.js';

const fieldNames = [
  'firstName',
  'lastName',
  'identifier',
  'department',
  'validFrom',
  'validUntil',
  'accessLevelIds',
] as const;
type FieldName = (typeof fieldNames)[number];

/** The user as the form edits it: validity as local dates (YYYY-MM-DD), empty for none. */
interface Draft {
  firstName: string;
  lastName: string;
  identifier: string;
  department: string;
  validFrom: string;
  validUntil: string;
  accessLevelIds: number[];
}

/** A local date as YYYY-MM-DD. */
function localDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The start of a local date as the service's timestamp; `days` later for "until the end of it". */
function startOf(date: string, days = 0): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(y!, m! - 1, d! + days).toISOString();
}

function draftOf(user: User | undefined): Draft {
  return {
    firstName: user?.firstName ?? '',
    lastName: user?.lastName ?? '',
    identifier: user?.identifier ?? '',
    department: user?.department ?? '',
    validFrom: user?.validFrom ? localDate(new Date(user.validFrom)) : '',
    // Stored as the instant it ends: the last valid day is the one before.
    validUntil: user?.validUntil ? localDate(new Date(Date.parse(user.validUntil) - 1)) : '',
    accessLevelIds: user ? [...user.accessLevelIds] : [],
  };
}

/** Creates or edits a cardholder: names, identifier, department, validity and access levels. */
export function UserForm({
  user,
  levels,
  failure,
  onSaved,
  onClose,
}: Pick<SectionProps, 'failure'> & {
  /** The user to edit; none to create one. */
  user?: User | undefined;
  /** The access levels to choose from; undefined when the operator's roles cannot read them. */
  levels: readonly Choice[] | undefined;
  onSaved: (user: UserDetail, created: boolean) => void;
  onClose: () => void;
}) {
  const [draft, , set] = useDraft(() => draftOf(user));
  const { errors, setErrors, formError, setFormError, busy, send } = useFormSend<FieldName>(failure);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(undefined);
    const bad: FieldErrors<FieldName> = {};
    if (draft.validFrom && draft.validUntil && draft.validUntil < draft.validFrom)
      bad.validUntil = 'The last valid day cannot come before the first: change one of them.';
    setErrors(bad);
    if (Object.keys(bad).length) return;
    const values = {
      firstName: draft.firstName,
      lastName: draft.lastName,
      department: draft.department,
      validFrom: draft.validFrom ? startOf(draft.validFrom) : null,
      validUntil: draft.validUntil ? startOf(draft.validUntil, 1) : null,
      accessLevelIds: draft.accessLevelIds,
    };
    const identifier = draft.identifier.trim();
    await send(
      async () => {
        const saved = user
          ? await call('users.update', {
              id: user.id,
              version: user.version,
              ...values,
              identifier: identifier || null,
            })
          : await call('users.create', { ...values, ...(identifier ? { identifier } : {}) });
        onSaved(saved, !user);
      },
      {
        fields: fieldNames,
        explain: (err) =>
          explainConflict(err, 'user', setFormError, (text) =>
            setErrors({ identifier: text.replace('Choose another name.', 'Use another identifier.') }),
          ),
      },
    );
  }

  return (
    <FormPanel
      noun="user"
      name={user && `${user.firstName} ${user.lastName}`.trim()}
      busy={busy}
      error={formError}
      onSubmit={submit}
      onClose={onClose}
    >
      <Field
        label="First name"
        value={draft.firstName}
        onChange={set('firstName')}
        autoComplete="off"
        error={errors.firstName}
      />
      <Field
        label="Last name"
        value={draft.lastName}
        onChange={set('lastName')}
        autoComplete="off"
        error={errors.lastName}
        required
      />
      <Field
        label="Identifier"
        value={draft.identifier}
        onChange={set('identifier')}
        autoComplete="off"
        hint="A badge or employee number, unique in the site."
        error={errors.identifier}
      />
      <Field
        label="Department"
        value={draft.department}
        onChange={set('department')}
        autoComplete="off"
        error={errors.department}
      />
      <Field
        label="Valid from"
        type="date"
        value={draft.validFrom}
        onChange={set('validFrom')}
        hint="Empty: valid now."
        error={errors.validFrom}
      />
      <Field
        label="Valid until"
        type="date"
        value={draft.validUntil}
        onChange={set('validUntil')}
        hint="The last valid day, included. Empty: no end."
        error={errors.validUntil}
      />
      <CheckboxGroup
        legend="Access levels"
        columns
        selected={draft.accessLevelIds}
        onChange={set('accessLevelIds')}
        hint={
          !levels
            ? 'Your roles cannot read access levels (doors:read), so the user keeps the ones they hold.'
            : levels.length
              ? undefined
              : 'No access levels yet: create them under Access levels.'
        }
        error={errors.accessLevelIds}
        options={(levels ?? []).map((l) => ({ value: l.id, label: l.name }))}
      />
    </FormPanel>
  );
}
