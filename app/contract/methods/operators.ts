import { z } from 'zod';
import { method, needs } from '../method.js';
import { Partition, Permission } from '../permissions.js';
import { Description, DisplayName, Password, Timestamp, Username, Version } from '../schemas.js';
import { OperatorSource, RoleRef, SessionId, SessionListing } from './session.js';

const Id = z.number().int().positive();

/** An operator as an administrator sees them. */
export const Operator = z.object({
  id: Id,
  username: z.string(),
  displayName: z.string(),
  source: OperatorSource,
  roles: z.array(RoleRef),
  disabled: z.boolean(),
  mustChangePassword: z.boolean(),
  lockedForSeconds: z
    .number()
    .int()
    .nonnegative()
    .describe('how long logins to this account are held back after failures (0: not locked)'),
  lastLoginAt: Timestamp.nullable(),
  passwordChangedAt: Timestamp.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: Version,
});
/** An operator as an administrator sees them. */
export type Operator = z.infer<typeof Operator>;

/** A role (operator group): permissions, optionally limited to some zones and doors. */
export const Role = z.object({
  id: Id,
  name: z.string(),
  description: z.string(),
  builtin: z.boolean().describe('built-in roles cannot be changed or deleted'),
  permissions: z.array(Permission),
  partition: Partition,
  operatorCount: z.number().int().nonnegative(),
  version: Version,
});
/** A role as listed. */
export type Role = z.infer<typeof Role>;

const RoleIds = z
  .array(Id)
  .min(1, 'give at least one role')
  .max(50)
  .refine((ids) => new Set(ids).size === ids.length, 'must not repeat a role');

/** Operators and roles. An operator can never create, change or grant more than they hold themselves. */
export const operatorMethods = {
  'operators.list': method({
    summary: 'Lists every operator with their roles, state and lockout.',
    params: z.strictObject({}),
    result: z.array(Operator),
    access: needs('operators:read'),
    effect: 'read',
    example: {},
  }),
  'operators.create': method({
    summary:
      'Creates a local operator with a temporary password they must change at first login; the roles must not exceed the caller’s.',
    params: z.strictObject({
      username: Username,
      displayName: DisplayName.optional(),
      roleIds: RoleIds,
      password: Password.describe('temporary: the operator must change it at first login'),
    }),
    result: Operator,
    access: needs('operators:admin'),
    effect: 'write',
    example: {
      username: 'frontdesk',
      displayName: 'Front desk',
      roleIds: [2],
      password: 'temporary passphrase 1',
    },
  }),
  'operators.update': method({
    summary:
      'Changes an operator’s name, roles or disabled state; a change of roles or disabling ends their sessions.',
    params: z
      .strictObject({
        id: Id,
        version: Version,
        displayName: DisplayName.optional(),
        roleIds: RoleIds.optional(),
        disabled: z.boolean().optional(),
      })
      .refine(
        (p) => p.displayName !== undefined || p.roleIds !== undefined || p.disabled !== undefined,
        'give displayName, roleIds or disabled',
      ),
    result: Operator,
    access: needs('operators:admin'),
    effect: 'write',
    example: { id: 2, version: 0, displayName: 'Front desk (day)' },
  }),
  'operators.delete': method({
    summary: 'Deletes an operator; the audit log keeps their name on what they did.',
    params: z.strictObject({ id: Id, version: Version }),
    result: z.object({ deleted: z.literal(true) }),
    access: needs('operators:admin'),
    effect: 'write',
    example: { id: 2, version: 0 },
  }),
  'operators.resetPassword': method({
    summary:
      'Sets a temporary password for a local operator (generated when left out and returned once); ends their sessions.',
    params: z.strictObject({ id: Id, password: Password.optional() }),
    result: z.object({
      temporaryPassword: z.string().optional().describe('only when generated; shown once, never stored'),
    }),
    access: needs('operators:admin'),
    effect: 'write',
    example: { id: 2 },
  }),
  'operators.unlock': method({
    summary: 'Clears the login back-off of an operator locked out by failed attempts.',
    params: z.strictObject({ id: Id }),
    result: Operator,
    access: needs('operators:admin'),
    effect: 'write',
    example: { id: 2 },
  }),
  'operators.sessions': method({
    summary: 'Lists an operator’s live sessions.',
    params: z.strictObject({ id: Id }),
    result: z.array(SessionListing),
    access: needs('operators:admin'),
    effect: 'read',
    example: { id: 2 },
  }),
  'operators.revokeSessions': method({
    summary: 'Ends one (sessionId) or all of an operator’s sessions.',
    params: z.strictObject({ id: Id, sessionId: SessionId.optional() }),
    result: z.object({ revoked: z.number().int().nonnegative() }),
    access: needs('operators:admin'),
    effect: 'write',
    example: { id: 2 },
  }),

  'roles.list': method({
    summary: 'Lists the built-in and custom roles with their permissions and partitions.',
    params: z.strictObject({}),
    result: z.array(Role),
    access: needs('operators:read'),
    effect: 'read',
    example: {},
  }),
  'roles.create': method({
    summary: 'Creates a custom role; its permissions and partition must not exceed the caller’s.',
    params: z.strictObject({
      name: DisplayName,
      description: Description.default(''),
      permissions: z.array(Permission).max(100),
      partition: Partition.default(null),
    }),
    result: Role,
    access: needs('operators:admin'),
    effect: 'write',
    example: {
      name: 'Tenant 3rd floor',
      description: 'Cardholders of the third-floor tenant',
      permissions: ['users:read', 'users:write'],
      partition: { zoneIds: [3], doorIds: [] },
    },
  }),
  'roles.update': method({
    summary:
      'Changes a custom role; the new permissions and partition must not exceed the caller’s. Takes effect at the next call of every holder.',
    params: z.strictObject({
      id: Id,
      version: Version,
      name: DisplayName.optional(),
      description: Description.optional(),
      permissions: z.array(Permission).max(100).optional(),
      partition: Partition.optional(),
    }),
    result: Role,
    access: needs('operators:admin'),
    effect: 'write',
    example: { id: 101, version: 0, description: 'Updated' },
  }),
  'roles.delete': method({
    summary: 'Deletes a custom role that no operator holds and no directory group maps to.',
    params: z.strictObject({ id: Id, version: Version }),
    result: z.object({ deleted: z.literal(true) }),
    access: needs('operators:admin'),
    effect: 'write',
    example: { id: 101, version: 0 },
  }),
};
