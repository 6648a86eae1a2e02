import { QueryClientProvider } from '@tanstack/react-query';
import type { ReactElement } from 'react';
import { vi } from 'vitest';
import type { Operator, Role } from '../../../../app/contract/methods/operators.js';
import { permissions, type Permission } from '../../../../app/contract/permissions.js';
import { createQueryClient } from '../../providers.js';
import { call } from '../../rpc/client.js';
import type { SectionProps } from '../../section.js';
import { renderInConsole } from '../../test-render.js';

// What the operators and roles tests share: an administrator's section props, roles and operators as
// the service lists them, and a stand-in service. The test files mock '../../rpc/client.js'.

const at = '2026-03-01T09:30:00.000Z';

export const administrator: Role = {
  id: 1,
  name: 'administrator',
  description: 'Everything, including operators, roles and settings.',
  builtin: true,
  permissions: [...permissions],
  partition: null,
  operatorCount: 1,
  version: 0,
};
export const operatorRole: Role = {
  id: 2,
  name: 'operator',
  description: 'Day-to-day: cardholders, keys and door commands.',
  builtin: true,
  permissions: ['site:read', 'users:read', 'users:write', 'doors:read', 'doors:command', 'keys:encode'],
  partition: null,
  operatorCount: 0,
  version: 0,
};
export const tenant: Role = {
  id: 101,
  name: 'Tenant reception',
  description: 'Cardholders of the third-floor tenant',
  builtin: false,
  permissions: ['users:read', 'users:write'],
  partition: { zoneIds: [3, 4], doorIds: [] },
  operatorCount: 0,
  version: 2,
};

export const admin: Operator = {
  id: 1,
  username: 'admin',
  displayName: 'Site Administrator',
  source: 'local',
  roles: [{ id: 1, name: 'administrator' }],
  disabled: false,
  mustChangePassword: false,
  lockedForSeconds: 0,
  lastLoginAt: at,
  passwordChangedAt: at,
  createdAt: at,
  updatedAt: at,
  version: 0,
};
export const frontdesk: Operator = {
  ...admin,
  id: 7,
  username: 'frontdesk',
  displayName: 'Front Desk',
  roles: [{ id: 2, name: 'operator' }],
  mustChangePassword: true,
  lockedForSeconds: 150,
  lastLoginAt: null,
  version: 4,
};

/** What the shell gives a section: the administrator, holding the permissions asked for. */
export function sectionProps(held: readonly Permission[] = permissions): SectionProps {
  return {
    session: { operator: { id: admin.id } } as SectionProps['session'],
    site: undefined,
    can: (p) => held.includes(p),
    failure: (err) => (err instanceof Error ? `Failed: ${err.message}` : 'Failed'),
    onSiteChanged: () => undefined,
    onSessionRenewed: () => undefined,
  };
}

/** Renders a screen as the console would, with an RPC cache of its own. */
export function renderScreen(ui: ReactElement) {
  return renderInConsole(<QueryClientProvider client={createQueryClient()}>{ui}</QueryClientProvider>);
}

/**
 * Answers calls as the service would: the lists from `lists` (read at each call, so a test can
 * change them), anything else from `other`.
 */
export function serve(
  lists: { operators?: Operator[]; roles?: Role[]; sessions?: unknown[] },
  other: (method: string, params: unknown) => unknown = () => undefined,
) {
  vi.mocked(call).mockImplementation((async (method: string, params: unknown) => {
    if (method === 'operators.list') return lists.operators ?? [];
    if (method === 'roles.list') return lists.roles ?? [];
    if (method === 'operators.sessions') return lists.sessions ?? [];
    return other(method, params);
  }) as typeof call);
}
