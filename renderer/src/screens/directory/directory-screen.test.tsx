import { QueryClientProvider } from '@tanstack/react-query';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../../../app/contract/errors.js';
import type { DirectorySettings, DirectoryTestReport } from '../../../../app/contract/methods/directory.js';
import type { Role } from '../../../../app/contract/methods/operators.js';
import type { Permission } from '../../../../app/contract/permissions.js';
import { setLanguage } from '../../i18n/i18n.js';
import { createQueryClient } from '../../providers.js';
import { call } from '../../rpc/client.js';
import { RpcCallError } from '../../rpc/rpc-call-error.js';
import type { SectionProps } from '../../section.js';
import { renderInConsole } from '../../test-render.js';
import { DirectoryScreen } from '../directory-screen.js';

vi.mock('../../rpc/client.js', () => ({ call: vi.fn(), subscribe: vi.fn(() => () => undefined) }));
const rpc = vi.mocked(call);

const at = '2026-03-01T09:30:00.000Z';

/** What a site that has never saved directory settings answers. */
const unsaved: DirectorySettings = {
  enabled: false,
  connection: null,
  operators: null,
  bindPasswordSet: false,
  version: 0,
  updatedAt: null,
};

/** Saved settings, with a password stored and one group mapped to the administrator role. */
const stored: DirectorySettings = {
  enabled: true,
  connection: {
    url: 'ldaps://ldap.example.org',
    startTls: false,
    allowPlain: false,
    bindDn: 'cn=lintel,ou=services,dc=example,dc=org',
    timeoutSeconds: 5,
  },
  operators: {
    userBase: 'ou=people,dc=example,dc=org',
    userFilter: '(&(objectClass=inetOrgPerson)(uid={username}))',
    displayNameAttribute: 'cn',
    groups: { kind: 'memberOf', attribute: 'memberOf' },
    groupRoles: [{ groupDn: 'cn=admins,ou=groups,dc=example,dc=org', roleIds: [1] }],
  },
  bindPasswordSet: true,
  version: 4,
  updatedAt: at,
};

const role = (id: number, name: string, permissions: Permission[]): Role => ({
  id,
  name,
  description: '',
  builtin: true,
  permissions,
  partition: null,
  operatorCount: 0,
  version: 0,
});
const roles = [role(1, 'administrator', ['settings:admin']), role(2, 'operator', ['users:read'])];

/** What the shell gives a section, with the permissions asked for. */
function sectionProps(
  permissions: Permission[] = ['settings:admin', 'operators:read', 'users:read'],
): SectionProps {
  return {
    session: {} as SectionProps['session'],
    site: undefined,
    can: (p) => permissions.includes(p),
    failure: (err) => (err instanceof Error ? `Failed: ${err.message}` : 'Failed'),
    onSiteChanged: () => undefined,
    onSessionRenewed: () => undefined,
  };
}

/** Answers the reads with these settings and the roles above, and other calls as given. */
function serve(
  settings: DirectorySettings,
  other: (method: string, params: unknown) => unknown = () => undefined,
) {
  rpc.mockImplementation((async (method: string, params: unknown) => {
    if (method === 'directory.get') return settings;
    if (method === 'roles.list') return roles;
    return other(method, params);
  }) as typeof call);
}

/** Renders the screen with an RPC cache of its own, and waits for the form. */
async function renderScreen(props = sectionProps()) {
  renderInConsole(
    <QueryClientProvider client={createQueryClient()}>
      <DirectoryScreen {...props} />
    </QueryClientProvider>,
  );
  return screen.findByRole('form', { name: 'Directory settings' });
}

const paramsOf = (method: string) => rpc.mock.calls.filter(([m]) => m === method).map(([, p]) => p);

/** Fills the connection of a test directory reached without TLS. */
async function fillPlainConnection(form: HTMLElement) {
  const f = within(form);
  await userEvent.type(f.getByLabelText('Server URL'), 'ldap://127.0.0.1:1');
  await userEvent.click(f.getByLabelText('Allow an unencrypted connection'));
  await userEvent.type(f.getByLabelText('Bind DN'), 'cn=lintel,ou=services,dc=example,dc=org');
  await userEvent.type(f.getByLabelText('Bind password (optional)'), 'service-account-password');
}

beforeEach(() => {
  setLanguage('en');
  rpc.mockReset();
});

describe('the directory settings screen', () => {
  it('fills the form from what is stored, never with the bind password', async () => {
    serve(stored);
    const form = await renderScreen();
    const f = within(form);
    expect((f.getByLabelText('Server URL') as HTMLInputElement).value).toBe('ldaps://ldap.example.org');
    expect((f.getByLabelText('Timeout (seconds)') as HTMLInputElement).value).toBe('5');
    expect((f.getByLabelText('Directory login enabled') as HTMLInputElement).checked).toBe(true);
    const password = f.getByLabelText('Bind password (optional)') as HTMLInputElement;
    expect(password.value).toBe('');
    expect(password.placeholder).toBe('stored — leave empty to keep');
    expect(
      f.getByText('A password is stored; Lintel never shows it. Type one only to replace it.'),
    ).toBeDefined();
    const mapping = f.getByRole('group', { name: 'Mapping 1' });
    expect((within(mapping).getByLabelText('Group DN') as HTMLInputElement).value).toBe(
      'cn=admins,ou=groups,dc=example,dc=org',
    );
    expect(
      (within(mapping).getByRole('checkbox', { name: 'administrator' }) as HTMLInputElement).checked,
    ).toBe(true);
    expect(
      (f.getByRole('radio', { name: 'Read an attribute of the account' }) as HTMLInputElement).checked,
    ).toBe(true);
    expect(rpc).toHaveBeenCalledWith('directory.get', {});
  });

  it('refuses a bad URL and a plain ldap:// beside their fields before sending anything', async () => {
    serve(unsaved);
    const form = await renderScreen();
    const f = within(form);
    await userEvent.type(f.getByLabelText('Server URL'), 'http://ldap.example.org');
    await userEvent.click(f.getByRole('button', { name: 'Save' }));
    const url = f.getByLabelText('Server URL');
    await waitFor(() => expect(url.getAttribute('aria-invalid')).toBe('true'));
    expect(f.getAllByRole('alert').map((a) => a.textContent)).toContain(
      'Type ldaps://host[:port], or ldap://host[:port] with StartTLS.',
    );

    await userEvent.clear(url);
    await userEvent.type(url, 'ldap://ldap.example.org');
    await userEvent.type(f.getByLabelText('Bind DN'), 'cn=lintel,dc=example,dc=org');
    await userEvent.type(f.getByLabelText('User base'), 'ou=people,dc=example,dc=org');
    await userEvent.click(f.getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(f.getAllByRole('alert').map((a) => a.textContent)).toContain(
        'An ldap:// URL needs StartTLS, or an unencrypted connection allowed for a test directory.',
      ),
    );
    expect(paramsOf('directory.update')).toEqual([]);
  });

  it("puts the service's refusal beside the mapping it names", async () => {
    serve(stored, (method) => {
      if (method === 'directory.update')
        throw new RpcCallError(ErrorCode.INVALID_PARAMS, 'Invalid params', {
          issues: [{ path: 'operators.groupRoles.0.groupDn', message: 'no such group in the directory' }],
        });
    });
    const form = await renderScreen();
    await userEvent.click(within(form).getByRole('button', { name: 'Save' }));
    const mapping = within(form).getByRole('group', { name: 'Mapping 1' });
    expect((await within(mapping).findByRole('alert')).textContent).toBe('No such group in the directory.');
    expect(within(mapping).getByLabelText('Group DN').getAttribute('aria-invalid')).toBe('true');
    expect(within(form).getAllByRole('alert')[0]!.textContent).toBe(
      'Some settings are not valid: see the marked fields.',
    );
  });

  it('tests the unsaved settings and marks the stage that failed', async () => {
    const report: DirectoryTestReport = {
      ok: false,
      failedStage: 'bind',
      steps: [
        { stage: 'dns', ok: true, ms: 1.2, message: '127.0.0.1' },
        { stage: 'tcp', ok: true, ms: 3.7, message: 'connected' },
        { stage: 'bind', ok: false, ms: 20, message: 'Invalid credentials' },
      ],
    };
    serve(unsaved, (method) => (method === 'directory.testConnection' ? report : undefined));
    const form = await renderScreen();
    await fillPlainConnection(form);
    expect(screen.getByRole('note').textContent).toMatch(/cross the network in clear/);
    await userEvent.type(within(form).getByLabelText('Probe username (optional)'), 'alice');
    await userEvent.click(within(form).getByRole('button', { name: 'Test connection' }));

    expect((await screen.findByRole('alert')).textContent).toBe(
      'The test failed at logging in to the directory. The failed step below says why; fix the settings and test again.',
    );
    const table = screen.getByRole('table', { name: 'Connection test, step by step' });
    const failed = table.querySelectorAll('tr.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.textContent).toContain('Failed');
    expect(failed[0]!.textContent).toContain('Invalid credentials');
    expect(within(table).getByRole('row', { name: /^tcp connecting/ }).textContent).toContain('OK');
    // No user base: the test stops after the bind, so no account settings go with it.
    expect(paramsOf('directory.testConnection')).toEqual([
      {
        connection: {
          url: 'ldap://127.0.0.1:1',
          startTls: false,
          allowPlain: true,
          bindDn: 'cn=lintel,ou=services,dc=example,dc=org',
          timeoutSeconds: 10,
        },
        bindPassword: 'service-account-password',
        probeUsername: 'alice',
      },
    ]);
    expect(paramsOf('directory.update')).toEqual([]);
  });

  it('says when the directory answered at every step, and tests with the account settings once there is a user base', async () => {
    serve(stored, () => ({ ok: true, steps: [{ stage: 'dns', ok: true, ms: 1, message: 'ok' }] }));
    const form = await renderScreen();
    await userEvent.click(within(form).getByRole('button', { name: 'Test connection' }));
    expect((await screen.findByRole('status')).textContent).toBe('The directory answered at every step.');
    expect(screen.getByRole('table').querySelectorAll('tr.failed')).toHaveLength(0);
    const [sent] = paramsOf('directory.testConnection') as [Record<string, unknown>];
    expect(Object.keys(sent).sort()).toEqual(['connection', 'operators']);
  });

  it('saves the form as directory.update params, the password only when typed', async () => {
    serve(unsaved, (method, params) =>
      method === 'directory.update'
        ? { ...unsaved, ...(params as object), bindPasswordSet: true, version: 1, updatedAt: at }
        : undefined,
    );
    const form = await renderScreen();
    const f = within(form);
    await userEvent.click(f.getByLabelText('Directory login enabled'));
    await fillPlainConnection(form);
    await userEvent.clear(f.getByLabelText('Timeout (seconds)'));
    await userEvent.type(f.getByLabelText('Timeout (seconds)'), '2');
    await userEvent.type(f.getByLabelText('User base'), 'ou=people,dc=example,dc=org');
    await userEvent.click(f.getByRole('radio', { name: 'Search for groups that list the account' }));
    await userEvent.type(f.getByLabelText('Group base'), 'ou=groups,dc=example,dc=org');
    await userEvent.click(f.getByRole('button', { name: 'Add a mapping' }));
    await userEvent.click(f.getByRole('button', { name: 'Add a mapping' }));
    await userEvent.click(f.getByRole('button', { name: 'Remove mapping 1' }));
    const mapping = f.getByRole('group', { name: 'Mapping 1' });
    await userEvent.type(
      within(mapping).getByLabelText('Group DN'),
      'cn=lintel-admins,ou=groups,dc=example,dc=org',
    );

    // A mapping that gives no role is refused beside its roles, in the console's words.
    await userEvent.click(f.getByRole('button', { name: 'Save' }));
    expect((await within(mapping).findByRole('alert')).textContent).toBe(
      'Choose at least one role for the group’s members.',
    );
    await userEvent.click(within(mapping).getByRole('checkbox', { name: 'administrator' }));
    await userEvent.click(f.getByRole('button', { name: 'Save' }));

    expect((await screen.findByRole('status')).textContent).toBe(
      'Directory settings saved. Directory operators can log in with them now.',
    );
    expect(paramsOf('directory.update')).toEqual([
      {
        version: 0,
        enabled: true,
        connection: {
          url: 'ldap://127.0.0.1:1',
          startTls: false,
          allowPlain: true,
          bindDn: 'cn=lintel,ou=services,dc=example,dc=org',
          timeoutSeconds: 2,
        },
        bindPassword: 'service-account-password',
        operators: {
          userBase: 'ou=people,dc=example,dc=org',
          userFilter: '(&(objectClass=inetOrgPerson)(uid={username}))',
          displayNameAttribute: 'cn',
          groups: {
            kind: 'search',
            groupBase: 'ou=groups,dc=example,dc=org',
            groupFilter: '(&(objectClass=groupOfNames)(member={dn}))',
          },
          groupRoles: [{ groupDn: 'cn=lintel-admins,ou=groups,dc=example,dc=org', roleIds: [1] }],
        },
      },
    ]);
    // The typed password is gone from the form; the field now says one is stored.
    const password = f.getByLabelText('Bind password (optional)') as HTMLInputElement;
    await waitFor(() => expect(password.value).toBe(''));
    expect(password.placeholder).toBe('stored — leave empty to keep');

    // Saved again untouched: the stored password is kept (left out) and the new version goes.
    await userEvent.click(f.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(paramsOf('directory.update')).toHaveLength(2));
    const second = paramsOf('directory.update')[1] as Record<string, unknown>;
    expect(second.version).toBe(1);
    expect('bindPassword' in second).toBe(false);
  });

  it("keeps what was typed over someone else's save, and saves over it on the next try", async () => {
    let saves = 0;
    serve(stored, (method, params) => {
      if (method !== 'directory.update') return undefined;
      if (saves++ === 0)
        throw new RpcCallError(ErrorCode.CONFLICT, 'Version mismatch', { currentVersion: 5 });
      return { ...stored, ...(params as object), version: 6 };
    });
    const form = await renderScreen();
    const f = within(form);
    rpc.mockClear();
    const base = f.getByLabelText('User base');
    await userEvent.clear(base);
    await userEvent.type(base, 'ou=staff,dc=example,dc=org');
    // The second read of the settings (after the conflict) says version 5.
    const read = rpc.getMockImplementation()!;
    rpc.mockImplementation((async (method: string, params: unknown) =>
      method === 'directory.get'
        ? { ...stored, version: 5 }
        : read(method as 'directory.get', params as never)) as typeof call);
    await userEvent.click(f.getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(f.getAllByRole('alert')[0]!.textContent).toMatch(/^Someone else saved the directory settings/),
    );
    expect((base as HTMLInputElement).value).toBe('ou=staff,dc=example,dc=org');
    await userEvent.click(f.getByRole('button', { name: 'Save' }));
    await screen.findByRole('status');
    expect(paramsOf('directory.update').map((p) => (p as { version: number }).version)).toEqual([4, 5]);
  });

  it('says why the roles cannot be listed without operators:read', async () => {
    serve(stored);
    const form = await renderScreen(sectionProps(['settings:admin']));
    expect(
      within(form).getByText('Your roles do not include seeing roles, so they cannot be listed here.'),
    ).toBeDefined();
    expect(paramsOf('roles.list')).toEqual([]);
  });

  it('says why the settings could not be read', async () => {
    rpc.mockRejectedValue(new RpcCallError(ErrorCode.FORBIDDEN, 'Not allowed', {}));
    renderInConsole(
      <QueryClientProvider client={createQueryClient()}>
        <DirectoryScreen {...sectionProps()} />
      </QueryClientProvider>,
    );
    expect((await screen.findByRole('alert')).textContent).toBe('Failed: Not allowed');
  });

  it('reads in Spanish', async () => {
    setLanguage('es');
    serve(stored, () => ({
      ok: false,
      failedStage: 'tls',
      steps: [{ stage: 'tls', ok: false, ms: 4, message: 'certificate has expired' }],
    }));
    renderInConsole(
      <QueryClientProvider client={createQueryClient()}>
        <DirectoryScreen {...sectionProps()} />
      </QueryClientProvider>,
    );
    const form = await screen.findByRole('form', { name: 'Ajustes del directorio' });
    expect(within(form).getByLabelText('URL del servidor')).toBeDefined();
    expect(within(form).getByRole('group', { name: 'Correspondencia 1' })).toBeDefined();
    await userEvent.click(within(form).getByRole('button', { name: 'Probar la conexión' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/^La prueba ha fallado al negociar TLS\./);
    expect(screen.getByRole('table', { name: 'Prueba de conexión, paso a paso' }).textContent).toContain(
      'Fallido',
    );
    setLanguage('en');
  });
});
