import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../../../app/contract/errors.js';
import { setLanguage } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import { RpcCallError } from '../../rpc/rpc-call-error.js';
import { UserForm } from '../user-form.js';
import { ada, failure, renderUsers } from './test-users.js';

vi.mock('../../rpc/client.js', () => ({ call: vi.fn(), subscribe: vi.fn(() => () => undefined) }));
const rpc = vi.mocked(call);

const levels = [
  { id: 1, name: 'Lobby' },
  { id: 2, name: 'Office staff' },
];

/** Opens the form as the users screen would: in Auckland, on `user` or a new one. */
function openForm({ user, choices }: { user?: typeof ada; choices?: typeof levels } = {}) {
  const onSaved = vi.fn();
  renderUsers(
    <UserForm
      user={user}
      levels={choices}
      timeZone="Pacific/Auckland"
      failure={failure}
      onSaved={onSaved}
      onClose={() => undefined}
    />,
  );
  const form = screen.getByRole('form', { name: user ? 'Edit user Ada Lovelace' : 'New user' });
  return { form, onSaved, field: (label: string) => within(form).getByLabelText(label, { exact: true }) };
}

beforeEach(() => {
  setLanguage('en');
  rpc.mockReset();
  rpc.mockImplementation((async (_method: string, params: object) => ({ ...ada, ...params })) as typeof call);
});

describe('the user form', () => {
  it('creates a user with validity days read in the site’s time zone, a PIN and a level', async () => {
    const { form, onSaved, field } = openForm({ choices: levels });
    await userEvent.type(field('First name (optional)'), 'Ada');
    await userEvent.type(field('Last name'), ' Lovelace ');
    await userEvent.type(field('Department (optional)'), 'Engineering');
    fireEvent.change(field('Valid from (optional)'), { target: { value: '2027-03-01' } });
    fireEvent.change(field('Valid until (optional)'), { target: { value: '2027-03-31' } });
    await userEvent.type(field('PIN (optional)'), '4711');
    await userEvent.click(within(form).getByRole('checkbox', { name: 'Office staff' }));
    await userEvent.click(within(form).getByRole('button', { name: 'Create user' }));
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(expect.objectContaining({ id: 7 }), true));
    expect(rpc).toHaveBeenCalledWith('users.create', {
      firstName: 'Ada',
      lastName: 'Lovelace',
      department: 'Engineering',
      privileges: { office: false, privacyOverride: false, extendedOpening: false },
      notes: '',
      // The first day from its midnight in Auckland, the last up to the next midnight there.
      validFrom: '2027-02-28T11:00:00.000Z',
      validUntil: '2027-03-31T11:00:00.000Z',
      accessLevelIds: [2],
      pin: '4711',
    });
  });

  it('refuses beside each field what the contract refuses, before sending anything', async () => {
    const { form, field } = openForm({ choices: levels });
    await userEvent.type(field('PIN (optional)'), '12ab');
    fireEvent.change(field('Valid from (optional)'), { target: { value: '2027-03-02' } });
    fireEvent.change(field('Valid until (optional)'), { target: { value: '2027-03-01' } });
    await userEvent.click(within(form).getByRole('button', { name: 'Create user' }));
    const alerts = await within(form).findAllByRole('alert');
    expect(alerts.map((a) => a.textContent)).toEqual([
      'Must not be empty: type the last name.',
      'The last valid day cannot come before the first: change one of them.',
      'Type 4 to 8 digits, nothing else.',
    ]);
    expect(rpc).not.toHaveBeenCalled();
  });

  it('edits a user as they are, keeping the PIN and clearing the identifier', async () => {
    const { form, onSaved, field } = openForm({ user: ada, choices: levels });
    expect((field('Valid from (optional)') as HTMLInputElement).value).toBe('2027-03-01');
    expect((field('Valid until (optional)') as HTMLInputElement).value).toBe('2027-03-31');
    expect(within(form).getByText(/A PIN is set/)).toBeDefined();
    expect((within(form).getByRole('checkbox', { name: 'Office staff' }) as HTMLInputElement).checked).toBe(
      true,
    );
    await userEvent.clear(field('Identifier (optional)'));
    await userEvent.click(within(form).getByRole('button', { name: 'Save user' }));
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(expect.anything(), false));
    const [method, params] = rpc.mock.calls[0]!;
    expect(method).toBe('users.update');
    expect(params).toMatchObject({
      id: 7,
      version: 4,
      identifier: null,
      validFrom: ada.validFrom,
      validUntil: ada.validUntil,
      accessLevelIds: [2],
      privileges: ada.privileges,
    });
    expect(params).not.toHaveProperty('pin');
  });

  it('removes the PIN when asked, and leaves the levels alone when the operator cannot read them', async () => {
    const { form, onSaved, field } = openForm({ user: ada });
    expect(within(form).getByText(/cannot read access levels/)).toBeDefined();
    await userEvent.click(within(form).getByRole('checkbox', { name: 'Remove the PIN' }));
    expect((field('New PIN (optional)') as HTMLInputElement).disabled).toBe(true);
    await userEvent.click(within(form).getByRole('button', { name: 'Save user' }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const params = rpc.mock.calls[0]![1];
    expect(params).toMatchObject({ pin: null });
    expect(params).not.toHaveProperty('accessLevelIds');
  });

  it('puts the service’s refusals beside their fields, a taken identifier too', async () => {
    const { form, field } = openForm({ user: ada, choices: levels });
    rpc.mockRejectedValueOnce(
      new RpcCallError(ErrorCode.INVALID_PARAMS, 'Invalid params', {
        issues: [
          { path: 'department', message: 'must be a department of the site' },
          { path: 'color', message: 'is not a field' },
        ],
      }),
    );
    await userEvent.click(within(form).getByRole('button', { name: 'Save user' }));
    await waitFor(() =>
      expect(field('Department (optional)').getAttribute('aria-describedby')).toMatch(/error/),
    );
    expect(within(form).getByText('Must be a department of the site.')).toBeDefined();
    expect(within(form).getByText('Check these: color: is not a field.')).toBeDefined();

    rpc.mockRejectedValueOnce(
      new RpcCallError(ErrorCode.CONFLICT, 'Another user already has the identifier E-1001', {
        reason: 'identifier taken',
        field: 'identifier',
      }),
    );
    await userEvent.click(within(form).getByRole('button', { name: 'Save user' }));
    expect(
      await within(form).findByText(
        'Another user already has the identifier E-1001. Use another identifier.',
      ),
    ).toBeDefined();
  });

  it('says so above the form when someone else saved the user first', async () => {
    const { form } = openForm({ user: ada, choices: levels });
    rpc.mockRejectedValueOnce(
      new RpcCallError(ErrorCode.CONFLICT, 'The user changed since version 4', {
        reason: 'stale',
        currentVersion: 5,
      }),
    );
    await userEvent.click(within(form).getByRole('button', { name: 'Save user' }));
    expect((await within(form).findByRole('alert')).textContent).toMatch(
      /^Someone else changed this user while you were editing/,
    );
  });

  it('speaks Spanish, its own problems included', async () => {
    setLanguage('es');
    renderUsers(
      <UserForm
        levels={levels}
        timeZone="Europe/Madrid"
        failure={failure}
        onSaved={vi.fn()}
        onClose={vi.fn()}
      />,
    );
    const form = screen.getByRole('form', { name: 'Nuevo usuario' });
    expect(within(form).getByRole('group', { name: /Europe\/Madrid/ })).toBeDefined();
    await userEvent.click(within(form).getByRole('button', { name: 'Crear usuario' }));
    expect((await within(form).findByRole('alert')).textContent).toBe(
      'No puede estar vacío: escriba los apellidos.',
    );
    expect(within(form).getByLabelText('Apellidos')).toBeDefined();
    setLanguage('en');
  });
});
