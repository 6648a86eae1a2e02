import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../../../app/contract/errors.js';
import { setLanguage } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import { RpcCallError } from '../../rpc/rpc-call-error.js';
import { AccessLevelsScreen } from '../access-levels-screen.js';
import { callsOf, officeStaff, renderScreen, sectionProps, serve } from './test-access.js';

vi.mock('../../rpc/client.js', () => ({ call: vi.fn(), subscribe: vi.fn(() => () => undefined) }));

beforeEach(() => {
  setLanguage('en');
  vi.mocked(call).mockReset();
});

/** Opens a form (New access level, or Edit of a level) and returns it. */
async function openForm(button: string, title: string) {
  renderScreen(<AccessLevelsScreen {...sectionProps()} />);
  await userEvent.click(await screen.findByRole('button', { name: button }));
  return screen.findByRole('form', { name: title });
}

const answer = (_m: string, params: unknown) => ({ ...officeStaff, ...(params as object), version: 10 });

describe('the access levels list and form', () => {
  it('says each level’s rights in words, by name, and how many hold it', async () => {
    serve();
    renderScreen(<AccessLevelsScreen {...sectionProps()} />);
    const row = await screen.findByRole('row', { name: /^Office staff/ });
    await waitFor(() =>
      expect(row.textContent).toContain(
        'Zone Third floor during Office hours; Door Main entrance during Nights',
      ),
    );
    expect(row.textContent).toContain('Day staff');
    expect(within(row).getAllByRole('cell')[1]!.textContent).toBe('12');
  });

  it('adds and removes rights, refuses an unfinished or repeated one, then creates the level', async () => {
    serve({}, answer);
    const form = await openForm('New access level', 'New access level');
    expect(form.textContent).toContain('None yet: holders open nothing.');
    await userEvent.type(within(form).getByLabelText('Name'), 'Cleaners');
    const add = within(form).getByRole('button', { name: 'Add a right' });
    await userEvent.click(add);
    await userEvent.click(add);
    await userEvent.click(add);
    const right = (n: number) => within(form).getByRole('group', { name: `Right ${n}` });
    await userEvent.click(within(form).getByRole('button', { name: 'Remove Right 3' }));
    expect(within(form).queryByRole('group', { name: 'Right 3' })).toBeNull();

    await userEvent.selectOptions(within(right(1)).getByLabelText('Zone or door'), 'Zone: Third floor');
    await userEvent.selectOptions(within(right(1)).getByLabelText('Time period'), 'Nights');
    await userEvent.click(within(form).getByRole('button', { name: 'Create access level' }));
    expect((await within(right(2)).findAllByRole('alert')).map((a) => a.textContent)).toEqual([
      'Choose the zone or door this right opens.',
      'Choose when this right applies.',
    ]);
    await userEvent.selectOptions(within(right(2)).getByLabelText('Zone or door'), 'Zone: Third floor');
    await userEvent.selectOptions(within(right(2)).getByLabelText('Time period'), 'Nights');
    await userEvent.click(within(form).getByRole('button', { name: 'Create access level' }));
    await waitFor(() =>
      expect(within(right(2)).getByRole('alert').textContent).toBe(
        'The same as right 1: remove one of them.',
      ),
    );
    expect(callsOf('accessLevels.create')).toEqual([]);

    await userEvent.selectOptions(within(right(2)).getByLabelText('Zone or door'), 'Door: Main entrance');
    await userEvent.click(within(form).getByRole('button', { name: 'Create access level' }));
    expect((await screen.findByRole('status')).textContent).toBe('Access level “Cleaners” created.');
    expect(callsOf('accessLevels.create')).toEqual([
      {
        name: 'Cleaners',
        description: '',
        rights: [
          { zoneId: 3, periodId: 2 },
          { doorId: 7, periodId: 2 },
        ],
      },
    ]);
  });

  it('saves an edit with its version, without the right taken away', async () => {
    serve({}, answer);
    const form = await openForm('Edit Office staff', 'Edit access level Office staff');
    const right = (n: number) => within(form).getByRole('group', { name: `Right ${n}` });
    expect((within(right(1)).getByLabelText('Zone or door') as HTMLSelectElement).value).toBe('zone:3');
    expect((within(right(2)).getByLabelText('Zone or door') as HTMLSelectElement).value).toBe('door:7');
    await userEvent.click(within(form).getByRole('button', { name: 'Remove Right 1' }));
    await userEvent.click(within(form).getByRole('button', { name: 'Save access level' }));
    expect((await screen.findByRole('status')).textContent).toBe('Access level “Office staff” saved.');
    expect(callsOf('accessLevels.update')).toEqual([
      {
        id: 5,
        version: 9,
        name: 'Office staff',
        description: 'Day staff',
        rights: [{ doorId: 7, periodId: 2 }],
      },
    ]);
  });

  it("puts the service's refusals beside the right they name, a stale version above the form", async () => {
    serve({}, () => {
      throw new RpcCallError(ErrorCode.INVALID_PARAMS, 'Invalid params', {
        issues: [
          { path: 'rights.1.doorId', message: 'door 7 is outside your partition' },
          { path: 'rights.0.periodId', message: 'is not a time period you may use' },
        ],
      });
    });
    const form = await openForm('Edit Office staff', 'Edit access level Office staff');
    await userEvent.click(within(form).getByRole('button', { name: 'Save access level' }));
    const right = (n: number) => within(form).getByRole('group', { name: `Right ${n}` });
    expect((await within(right(2)).findByRole('alert')).textContent).toBe(
      'Door 7 is outside your partition.',
    );
    expect(within(right(2)).getByLabelText('Zone or door').getAttribute('aria-invalid')).toBe('true');
    expect(within(right(1)).getByRole('alert').textContent).toBe('Is not a time period you may use.');
    expect(within(right(1)).getByLabelText('Time period').getAttribute('aria-invalid')).toBe('true');

    serve({}, () => {
      throw new RpcCallError(ErrorCode.CONFLICT, 'Version mismatch', { currentVersion: 10 });
    });
    await userEvent.click(within(form).getByRole('button', { name: 'Save access level' }));
    await waitFor(() =>
      expect(within(form).getAllByRole('alert')[0]!.textContent).toMatch(
        /^Someone else changed this access level/,
      ),
    );
  });

  it('asks before deleting, and says why the service refused a level cardholders hold', async () => {
    serve({}, (method) => {
      if (method === 'accessLevels.delete')
        throw new RpcCallError(ErrorCode.CONFLICT, 'Access level held by 12 cardholders', {
          reason: 'in use',
        });
    });
    renderScreen(<AccessLevelsScreen {...sectionProps()} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Delete Office staff' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete the access level Office staff?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Delete access level' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Failed: Access level held by 12 cardholders',
    );
    expect(callsOf('accessLevels.delete')).toEqual([{ id: 5, version: 9 }]);
  });

  it('reads in Spanish', async () => {
    setLanguage('es');
    serve();
    renderScreen(<AccessLevelsScreen {...sectionProps()} />);
    const row = await screen.findByRole('row', { name: /^Office staff/ });
    await waitFor(() => expect(row.textContent).toContain('Zona Third floor durante Office hours'));
    await userEvent.click(screen.getByRole('button', { name: 'Nuevo nivel de acceso' }));
    const form = await screen.findByRole('form', { name: 'Nuevo nivel de acceso' });
    await userEvent.click(within(form).getByRole('button', { name: 'Añadir un permiso' }));
    const right = within(form).getByRole('group', { name: 'Permiso 1' });
    expect(within(right).getByRole('option', { name: 'Zona: Third floor' })).toBeDefined();
    setLanguage('en');
  });
});
