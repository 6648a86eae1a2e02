import '../../zod-config.js';
import { z } from 'zod';
import { Password, Username } from '../../../../app/contract/schemas.js';
import { Permission, type Partition } from '../../../../app/contract/permissions.js';
import { Description, Name, inWords, said } from '../../forms/form-words.js';
import { parseIdList } from '../../format.js';

// The operators screens' zod schemas: the contract's own rules for each field, its refusals worded
// under the operators namespace's `errors`, and what a form needs on top (ids as typed, a role chosen).

/** At least one role: the contract refuses an operator with none. */
const RoleIds = z.array(z.number().int().positive()).min(1, said('chooseRole'));

/** A display name that may be left empty (then not sent: the service uses the username). */
const OptionalName = z
  .string()
  .transform((s) => (s.trim() ? s : undefined))
  .pipe(Name.optional());

/** Creating a local operator: the params of operators.create. */
export const OperatorCreateForm = z
  .object({
    username: inWords(Username, {
      too_small: 'usernameEmpty',
      too_big: 'usernameLong',
      invalid_format: 'usernameChars',
    }),
    displayName: OptionalName,
    roleIds: RoleIds,
    password: inWords(Password, { too_small: 'passwordEmpty', too_big: 'passwordLong' }),
  })
  .transform(({ displayName, ...rest }) => ({ ...rest, ...(displayName ? { displayName } : {}) }));
/** What the create form holds. */
export type OperatorCreateInput = z.input<typeof OperatorCreateForm>;
/** What it sends. */
export type OperatorCreateOutput = z.output<typeof OperatorCreateForm>;

/** Editing an operator: what operators.update may change. */
export const OperatorEditForm = z.object({
  displayName: Name,
  roleIds: RoleIds,
  disabled: z.boolean(),
});
/** What the edit form holds. */
export type OperatorEditInput = z.input<typeof OperatorEditForm>;
/** What it sends (only what changed goes with the update). */
export type OperatorEditOutput = z.output<typeof OperatorEditForm>;

/** The role form's zone or door ids as typed, when the role applies to some zones and doors only. */
const idsOf = (value: unknown, field: 'zoneIds' | 'doorIds'): number[] | undefined => {
  const role = value as { scope?: unknown; partition?: Record<string, unknown> } | undefined;
  const text = role?.partition?.[field];
  return typeof text === 'string' ? parseIdList(text) : undefined;
};
const limited = (value: unknown) => (value as { scope?: unknown } | undefined)?.scope === 'some';

/**
 * A custom role: name, description, permissions, and where they apply. The zone and door ids sit
 * under `partition` as in the contract, so the service's refusals of them land beside their fields;
 * they are read only when the role applies to some zones and doors, and checked (`when`) even while
 * another field is wrong, so every problem shows at once.
 */
export const RoleForm = z
  .object({
    name: Name,
    description: Description,
    permissions: z.array(Permission),
    scope: z.enum(['site', 'some']),
    partition: z.object({ zoneIds: z.string(), doorIds: z.string() }),
  })
  .refine((r) => r.scope === 'site' || idsOf(r, 'zoneIds') !== undefined, {
    path: ['partition', 'zoneIds'],
    message: said('zoneIds'),
    when: ({ value }) => limited(value),
  })
  .refine((r) => r.scope === 'site' || idsOf(r, 'doorIds') !== undefined, {
    path: ['partition', 'doorIds'],
    message: said('doorIds'),
    when: ({ value }) => limited(value),
  })
  .refine(
    (r) => {
      const zones = idsOf(r, 'zoneIds');
      const doors = idsOf(r, 'doorIds');
      return r.scope === 'site' || !zones || !doors || zones.length + doors.length > 0;
    },
    {
      path: ['partition', 'zoneIds'],
      message: said('partitionEmpty'),
      when: ({ value }) => limited(value),
    },
  )
  .transform(({ scope, partition, ...role }) => ({
    ...role,
    partition: (scope === 'site'
      ? null
      : {
          zoneIds: idsOf({ partition }, 'zoneIds')!,
          doorIds: idsOf({ partition }, 'doorIds')!,
        }) as Partition,
  }));
/** What the role form holds. */
export type RoleFormInput = z.input<typeof RoleForm>;
/** What it sends: the params of roles.create (and, with id and version, of update). */
export type RoleFormOutput = z.output<typeof RoleForm>;
