import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../../../app/contract/errors.js';
import { permissions } from '../../../../app/contract/permissions.js';
import { setLanguage } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import { RpcCallError } from '../../rpc/rpc-call-error.js';
import { RolesScreen } from '../roles-screen.js';
import { administrator, renderScreen, sectionProps, serve, tenant } from './test-fixtures.js';

vi.mock('../../rpc/client.js', () => ({ call: vi.fn(), subscribe: vi.fn(() => () => undefined) }));
const rpc = vi.mocked(call);

beforeEach(() => {
  setLanguage('en');
  rpc.mockReset();
});

/** Opens the new-role form. */
async function newRole() {
  await userEvent.click(await screen.findByRole('button', { name: 'New role' }));
  return screen.getByRole('form', { name: 'New role' });
}

describe('the roles list', () => {
  it('says what each role grants and where, built-in roles read-only', async () => {
    serve({ roles: [administrator, tenant] });
    renderScreen(<RolesScreen {...sectionProps()} />);
    const row = await screen.findByRole('row', { name: /^Tenant reception/ });
    expect(row.textContent).toContain('Only zones 3, 4');
    expect(row.textContent).toContain('Custom');
    expect(within(row).getByRole('button', { name: 'Edit Tenant reception' })).toBeDefined();
    const builtin = screen.getByRole('row', { name: /^administrator/ });
    expect(builtin.textContent).toContain('Read-only');
    expect(builtin.textContent).toContain('Whole site');
    expect(within(builtin).queryByRole('button')).toBeNull();
    expect(screen.getByRole('table').querySelector('caption')?.textContent).toBe('2 roles');
  });

  it('offers nothing to change without operators:admin', async () => {
    serve({ roles: [administrator, tenant] });
    renderScreen(<RolesScreen {...sectionProps(['operators:read'])} />);
    await screen.findByRole('row', { name: /^Tenant reception/ });
    expect(screen.queryByRole('button', { name: 'New role' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Edit Tenant reception' })).toBeNull();
    expect(screen.queryByText('Read-only')).toBeNull();
  });

  it('asks before deleting, and deletes', async () => {
    serve({ roles: [tenant] }, () => ({ deleted: true }));
    renderScreen(<RolesScreen {...sectionProps()} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Delete Tenant reception' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete the role Tenant reception?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(rpc).not.toHaveBeenCalledWith('roles.delete', expect.anything());
    await userEvent.click(screen.getByRole('button', { name: 'Delete Tenant reception' }));
    await userEvent.click(screen.getByRole('button', { name: 'Delete role' }));
    expect((await screen.findByRole('status')).textContent).toBe('Role “Tenant reception” deleted.');
    expect(rpc).toHaveBeenCalledWith('roles.delete', { id: 101, version: 2 });
  });
});

describe('the role form', () => {
  it('creates a role with some permissions, limited to some zones', async () => {
    serve({ roles: [administrator] }, (_m, params) => ({ ...tenant, ...(params as object) }));
    // Everything but programming locks: that permission cannot be granted.
    renderScreen(<RolesScreen {...sectionProps(permissions.filter((p) => p !== 'ppd:use'))} />);
    const form = await newRole();
    const ppd = within(form).getByRole('checkbox', { name: /^ppd:use / });
    expect((ppd as HTMLInputElement).disabled).toBe(true);
    expect(ppd.getAttribute('aria-describedby')).toBeTruthy();
    await userEvent.type(within(form).getByLabelText('Name'), 'Tenant reception');
    await userEvent.click(within(form).getByRole('checkbox', { name: /^users:read / }));
    await userEvent.click(within(form).getByRole('checkbox', { name: /^users:write / }));
    expect(within(form).queryByLabelText('Zone ids (optional)')).toBeNull();
    await userEvent.click(within(form).getByRole('radio', { name: 'Only some zones and doors' }));
    await userEvent.type(within(form).getByLabelText('Zone ids (optional)'), '3, 4');
    await userEvent.click(within(form).getByRole('button', { name: 'Create role' }));
    expect((await screen.findByRole('status')).textContent).toBe('Role “Tenant reception” created.');
    expect(rpc).toHaveBeenCalledWith('roles.create', {
      name: 'Tenant reception',
      description: '',
      permissions: ['users:read', 'users:write'],
      partition: { zoneIds: [3, 4], doorIds: [] },
    });
    // The list is read again after the change.
    await waitFor(() => expect(rpc.mock.calls.filter(([m]) => m === 'roles.list')).toHaveLength(2));
  });

  it('refuses ids that are not numbers, and no zone nor door, beside the field', async () => {
    serve({ roles: [] });
    renderScreen(<RolesScreen {...sectionProps()} />);
    const form = await newRole();
    await userEvent.click(within(form).getByRole('radio', { name: 'Only some zones and doors' }));
    await userEvent.click(within(form).getByRole('button', { name: 'Create role' }));
    // Every problem at once: the empty name and the empty partition.
    await within(form).findByText('Must not be empty: give it a name.');
    const zones = within(form).getByLabelText('Zone ids (optional)');
    expect(zones.getAttribute('aria-invalid')).toBe('true');
    expect(within(form).getByText('Give at least one zone or door, or choose the whole site.')).toBeDefined();

    await userEvent.type(within(form).getByLabelText('Name'), 'Tenant');
    await userEvent.type(zones, '3, three');
    await userEvent.type(within(form).getByLabelText('Door ids (optional)'), '-1');
    await userEvent.click(within(form).getByRole('button', { name: 'Create role' }));
    await within(form).findByText('Type zone numbers separated by commas, such as 3, 4.');
    expect(within(form).getByText('Type door numbers separated by commas, such as 12, 15.')).toBeDefined();
    expect(rpc).not.toHaveBeenCalledWith('roles.create', expect.anything());
  });

  it("puts the service's refusal beside the field it names", async () => {
    serve({ roles: [] }, () => {
      throw new RpcCallError(ErrorCode.INVALID_PARAMS, 'Invalid params', {
        issues: [{ path: 'partition.doorIds.0', message: 'door 99 does not exist' }],
      });
    });
    renderScreen(<RolesScreen {...sectionProps()} />);
    const form = await newRole();
    await userEvent.type(within(form).getByLabelText('Name'), 'Tenant');
    await userEvent.click(within(form).getByRole('radio', { name: 'Only some zones and doors' }));
    await userEvent.type(within(form).getByLabelText('Door ids (optional)'), '99');
    await userEvent.click(within(form).getByRole('button', { name: 'Create role' }));
    const doors = within(form).getByLabelText('Door ids (optional)');
    await waitFor(() => expect(doors.getAttribute('aria-invalid')).toBe('true'));
    expect(within(form).getByRole('alert').textContent).toBe('Door 99 does not exist.');
  });

  it('refuses a name already taken beside the name', async () => {
    serve({ roles: [] }, () => {
      throw new RpcCallError(ErrorCode.CONFLICT, 'a role named “Tenant” already exists');
    });
    renderScreen(<RolesScreen {...sectionProps()} />);
    const form = await newRole();
    await userEvent.type(within(form).getByLabelText('Name'), 'Tenant');
    await userEvent.click(within(form).getByRole('button', { name: 'Create role' }));
    expect((await within(form).findByRole('alert')).textContent).toBe(
      'A role named “Tenant” already exists. Choose another name.',
    );
  });

  it('saving over someone else’s change shows their version, and saves it the next time', async () => {
    const lists = { roles: [tenant] };
    serve(lists, (method, params) => {
      if ((params as { version: number }).version === 2) {
        // Someone else renamed it meanwhile.
        lists.roles = [{ ...tenant, description: 'Their words', version: 3 }];
        throw new RpcCallError(ErrorCode.CONFLICT, 'Version mismatch', { currentVersion: 3 });
      }
      return { ...tenant, ...(params as object) };
    });
    renderScreen(<RolesScreen {...sectionProps()} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Edit Tenant reception' }));
    const form = screen.getByRole('form', { name: 'Edit role Tenant reception' });
    expect((within(form).getByLabelText('Zone ids (optional)') as HTMLInputElement).value).toBe('3, 4');
    const description = within(form).getByLabelText('Description (optional)');
    await userEvent.clear(description);
    await userEvent.type(description, 'Mine');
    await userEvent.click(within(form).getByRole('button', { name: 'Save role' }));
    expect((await within(form).findByRole('alert')).textContent).toMatch(
      /^Someone else changed this role while you were editing/,
    );
    await waitFor(() => expect((description as HTMLTextAreaElement).value).toBe('Their words'));
    await userEvent.click(within(form).getByRole('button', { name: 'Save role' }));
    expect((await screen.findByRole('status')).textContent).toBe('Role “Tenant reception” saved.');
    expect(rpc).toHaveBeenCalledWith('roles.update', expect.objectContaining({ id: 101, version: 3 }));
  });

  it('reads in Spanish', async () => {
    setLanguage('es');
    serve({ roles: [tenant] });
    renderScreen(<RolesScreen {...sectionProps()} />);
    const row = await screen.findByRole('row', { name: /^Tenant reception/ });
    expect(row.textContent).toContain('Solo zonas 3, 4');
    expect(row.textContent).toContain('Personalizado');
    await userEvent.click(screen.getByRole('button', { name: 'Nuevo rol' }));
    const form = screen.getByRole('form', { name: 'Nuevo rol' });
    expect(within(form).getByRole('checkbox', { name: 'users:read Ver titulares de tarjeta' })).toBeDefined();
    await userEvent.click(within(form).getByRole('radio', { name: 'Solo algunas zonas y puertas' }));
    await userEvent.click(within(form).getByRole('button', { name: 'Crear rol' }));
    await within(form).findByText('Indique al menos una zona o puerta, o elija toda la instalación.');
    setLanguage('en');
  });
});
