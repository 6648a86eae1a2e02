import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../../../app/contract/errors.js';
import { setLanguage } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import { RpcCallError } from '../../rpc/rpc-call-error.js';
import { ZonesScreen } from '../zones-screen.js';
import { callsOf, renderScreen, sectionProps, serve, thirdFloor } from './test-access.js';

vi.mock('../../rpc/client.js', () => ({ call: vi.fn(), subscribe: vi.fn(() => () => undefined) }));

beforeEach(() => {
  setLanguage('en');
  vi.mocked(call).mockReset();
});

/** Opens the edit form of Third floor and returns it. */
async function editThirdFloor() {
  renderScreen(<ZonesScreen {...sectionProps()} />);
  await userEvent.click(await screen.findByRole('button', { name: 'Edit Third floor' }));
  return screen.getByRole('form', { name: 'Edit zone Third floor' });
}

describe('the zones list and form', () => {
  it('lists each zone with its description and how many doors it holds', async () => {
    serve();
    renderScreen(<ZonesScreen {...sectionProps()} />);
    const row = await screen.findByRole('row', { name: /^Third floor/ });
    expect(row.textContent).toContain('Tenant offices');
    expect(within(row).getAllByRole('cell')[1]!.textContent).toBe('2');
    expect(screen.getByRole('table').querySelector('caption')?.textContent).toBe('2 zones');
    expect(vi.mocked(call)).toHaveBeenCalledWith('zones.list', { limit: 25, offset: 0 });
  });

  it('offers nothing to change without doors:write', async () => {
    serve();
    renderScreen(<ZonesScreen {...sectionProps(['doors:read'])} />);
    await screen.findByRole('row', { name: /^Third floor/ });
    expect(screen.queryByRole('button', { name: 'New zone' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete Third floor' })).toBeNull();
  });

  it('creates a zone, its name checked before sending, and reads the list again', async () => {
    serve({}, (_m, params) => ({ ...thirdFloor, id: 8, version: 0, ...(params as object) }));
    renderScreen(<ZonesScreen {...sectionProps()} />);
    await userEvent.click(await screen.findByRole('button', { name: 'New zone' }));
    const form = screen.getByRole('form', { name: 'New zone' });
    await userEvent.click(within(form).getByRole('button', { name: 'Create zone' }));
    expect((await within(form).findByRole('alert')).textContent).toBe('Must not be empty: give it a name.');
    expect(callsOf('zones.create')).toEqual([]);

    await userEvent.type(within(form).getByLabelText('Name'), 'Basement');
    await userEvent.click(within(form).getByRole('button', { name: 'Create zone' }));
    expect((await screen.findByRole('status')).textContent).toBe('Zone “Basement” created.');
    expect(screen.queryByRole('form')).toBeNull();
    expect(callsOf('zones.create')).toEqual([{ name: 'Basement', description: '' }]);
    await waitFor(() => expect(callsOf('zones.list').length).toBeGreaterThan(1));
  });

  it('saves an edit with the version it was opened with', async () => {
    serve({}, (_m, params) => ({ ...thirdFloor, ...(params as object), version: 5 }));
    const form = await editThirdFloor();
    expect((within(form).getByLabelText('Description (optional)') as HTMLTextAreaElement).value).toBe(
      'Tenant offices',
    );
    await userEvent.type(within(form).getByLabelText('Name'), ' east');
    await userEvent.click(within(form).getByRole('button', { name: 'Save zone' }));
    expect((await screen.findByRole('status')).textContent).toBe('Zone “Third floor east” saved.');
    expect(callsOf('zones.update')).toEqual([
      { id: 3, version: 4, name: 'Third floor east', description: 'Tenant offices' },
    ]);
  });

  it("puts the service's refusals beside their fields, a taken name beside the name", async () => {
    serve({}, () => {
      throw new RpcCallError(ErrorCode.INVALID_PARAMS, 'Invalid params', {
        issues: [{ path: 'description', message: 'must not mention the landlord' }],
      });
    });
    const form = await editThirdFloor();
    await userEvent.click(within(form).getByRole('button', { name: 'Save zone' }));
    const description = within(form).getByLabelText('Description (optional)');
    await waitFor(() => expect(description.getAttribute('aria-invalid')).toBe('true'));
    expect(within(form).getByRole('alert').textContent).toBe('Must not mention the landlord.');

    serve({}, () => {
      throw new RpcCallError(ErrorCode.CONFLICT, 'A zone named Third floor already exists');
    });
    await userEvent.click(within(form).getByRole('button', { name: 'Save zone' }));
    await waitFor(() =>
      expect(within(form).getByLabelText('Name').getAttribute('aria-invalid')).toBe('true'),
    );
    expect(
      within(form)
        .getAllByRole('alert')
        .map((a) => a.textContent),
    ).toContain('A zone named Third floor already exists. Choose another name.');
  });

  it('says above the form when someone else saved the zone first', async () => {
    serve({}, () => {
      throw new RpcCallError(ErrorCode.CONFLICT, 'Version mismatch', { currentVersion: 5 });
    });
    const form = await editThirdFloor();
    await userEvent.click(within(form).getByRole('button', { name: 'Save zone' }));
    expect((await within(form).findByRole('alert')).textContent).toMatch(/^Someone else changed this zone/);
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('asks before deleting, and says why the service refused a zone a level grants', async () => {
    serve({}, (method) => {
      if (method === 'zones.delete')
        throw new RpcCallError(ErrorCode.CONFLICT, 'Zone in use by access level Office staff', {
          reason: 'in use',
        });
    });
    renderScreen(<ZonesScreen {...sectionProps()} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Delete Third floor' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete the zone Third floor?' });
    expect(dialog.textContent).toContain('take it out of those levels first');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Delete zone' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Failed: Zone in use by access level Office staff',
    );
    expect(callsOf('zones.delete')).toEqual([{ id: 3, version: 4 }]);
  });

  it('reads in Spanish', async () => {
    setLanguage('es');
    serve();
    renderScreen(<ZonesScreen {...sectionProps()} />);
    await screen.findByRole('row', { name: /^Third floor/ });
    expect(screen.getByRole('table').querySelector('caption')?.textContent).toBe('2 zonas');
    expect(screen.getByRole('columnheader', { name: 'Puertas' })).toBeDefined();
    await userEvent.click(screen.getByRole('button', { name: 'Nueva zona' }));
    const form = screen.getByRole('form', { name: 'Nueva zona' });
    await userEvent.click(within(form).getByRole('button', { name: 'Crear zona' }));
    expect((await within(form).findByRole('alert')).textContent).toBe(
      'No puede estar vacío: póngale un nombre.',
    );
    setLanguage('en');
  });
});
