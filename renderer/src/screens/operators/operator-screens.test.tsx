import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../../../app/contract/errors.js';
import type { Role } from '../../../../app/contract/methods/operators.js';
import { setLanguage } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import { RpcCallError } from '../../rpc/rpc-call-error.js';
import { OperatorsScreen } from '../operators-screen.js';
import {
  admin,
  administrator,
  frontdesk,
  operatorRole,
  renderScreen,
  sectionProps,
  serve,
} from './test-fixtures.js';

vi.mock('../../rpc/client.js', () => ({ call: vi.fn(), subscribe: vi.fn(() => () => undefined) }));
const rpc = vi.mocked(call);

const roles: Role[] = [administrator, operatorRole];
const session = {
  id: 'AAAAAAAAAAAAAAAAAAAA',
  createdAt: '2026-03-02T08:00:00.000Z',
  lastSeenAt: '2026-03-02T09:00:00.000Z',
  expiresAt: '2026-03-02T20:00:00.000Z',
  source: 'https 192.0.2.7',
  current: false,
};

beforeEach(() => {
  setLanguage('en');
  rpc.mockReset();
});

/** Opens the panel of an operator. */
async function manage(username: string) {
  await userEvent.click(await screen.findByRole('button', { name: `Manage ${username}` }));
  return screen.getByRole('region', { name: `Operator ${username}` });
}

describe('the operators list', () => {
  it('names each row by username and says its state in words', async () => {
    serve({ operators: [admin, frontdesk], roles });
    renderScreen(<OperatorsScreen {...sectionProps()} />);
    const row = await screen.findByRole('row', { name: /^frontdesk/ });
    for (const said of ['Front Desk', 'Local', 'operator', 'Locked for 3 minutes', 'Must change password'])
      expect(row.textContent).toContain(said);
    expect(screen.getByRole('row', { name: /^admin / }).textContent).toContain('Active');
    expect(screen.getByRole('table').querySelector('caption')?.textContent).toBe('2 operators');
  });

  it('offers nothing to change without operators:admin', async () => {
    serve({ operators: [admin, frontdesk], roles });
    renderScreen(<OperatorsScreen {...sectionProps(['operators:read'])} />);
    await screen.findByRole('row', { name: /^frontdesk/ });
    expect(screen.queryByRole('button', { name: 'New operator' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Manage frontdesk' })).toBeNull();
  });
});

describe('creating an operator', () => {
  it('refuses what is missing beside each field before asking the service', async () => {
    serve({ operators: [admin], roles });
    renderScreen(<OperatorsScreen {...sectionProps()} />);
    await userEvent.click(await screen.findByRole('button', { name: 'New operator' }));
    const form = screen.getByRole('form', { name: 'New operator' });
    await userEvent.type(within(form).getByLabelText('Username', { exact: true }), 'front desk');
    await userEvent.click(within(form).getByRole('button', { name: 'Create operator' }));
    await within(form).findByText('Use only letters, digits and . _ @ -');
    expect(within(form).getByText('Choose at least one role.')).toBeDefined();
    expect(within(form).getByText('Type a temporary password, or generate one.')).toBeDefined();
    expect(rpc).not.toHaveBeenCalledWith('operators.create', expect.anything());
  });

  it('shows the temporary password once, with the notice, after creating', async () => {
    serve({ operators: [admin], roles }, (_m, params) => ({
      ...frontdesk,
      lockedForSeconds: 0,
      username: (params as { username: string }).username,
    }));
    // An operator manager who holds what the operator role grants, and nothing of settings or audit.
    const held = [...operatorRole.permissions, 'operators:read', 'operators:admin'] as const;
    renderScreen(<OperatorsScreen {...sectionProps(held)} />);
    await userEvent.click(await screen.findByRole('button', { name: 'New operator' }));
    const form = screen.getByRole('form', { name: 'New operator' });
    await userEvent.type(within(form).getByLabelText('Username', { exact: true }), 'frontdesk');
    await userEvent.type(within(form).getByLabelText(/^Display name \(optional\)/), 'Front Desk');
    // The administrator role grants more than is held here: it cannot be handed out.
    const locked = within(form).getByRole('checkbox', { name: 'administrator' }) as HTMLInputElement;
    expect(locked.disabled).toBe(true);
    await userEvent.click(within(form).getByRole('checkbox', { name: 'operator' }));
    await userEvent.click(within(form).getByRole('button', { name: 'Generate a password' }));
    const password = (within(form).getByLabelText(/^Temporary password/) as HTMLInputElement).value;
    expect(password).toMatch(/^\w{4}-\w{4}-\w{4}-\w{4}$/);
    await userEvent.click(within(form).getByRole('button', { name: 'Create operator' }));

    await screen.findByText(/^Operator “frontdesk” created\. Give them the temporary password/);
    expect(rpc).toHaveBeenCalledWith('operators.create', {
      username: 'frontdesk',
      displayName: 'Front Desk',
      roleIds: [2],
      password,
    });
    expect(screen.queryByRole('form')).toBeNull();
    const shown = screen.getByLabelText(/^Temporary password for frontdesk/) as HTMLInputElement;
    expect(shown.value).toBe(password);
    expect(shown.readOnly).toBe(true);

    // Once: opening anything else takes it away for good.
    await userEvent.click(screen.getByRole('button', { name: 'Manage admin' }));
    expect(screen.queryByDisplayValue(password)).toBeNull();
  });

  it('puts a weak password and a taken username beside their fields', async () => {
    let answer = new RpcCallError(ErrorCode.WEAK_PASSWORD, 'the password is too short');
    serve({ operators: [admin], roles: [operatorRole] }, () => {
      throw answer;
    });
    renderScreen(<OperatorsScreen {...sectionProps()} />);
    await userEvent.click(await screen.findByRole('button', { name: 'New operator' }));
    const form = screen.getByRole('form', { name: 'New operator' });
    const username = within(form).getByLabelText('Username', { exact: true });
    const password = within(form).getByLabelText(/^Temporary password/);
    await userEvent.type(username, 'admin');
    await userEvent.click(within(form).getByRole('checkbox', { name: 'operator' }));
    await userEvent.type(password, 'short');
    await userEvent.click(within(form).getByRole('button', { name: 'Create operator' }));
    await within(form).findByText('The password is too short. Choose a longer one, or generate one.');
    expect(password.getAttribute('aria-invalid')).toBe('true');

    answer = new RpcCallError(ErrorCode.CONFLICT, 'username “admin” is taken');
    await userEvent.click(within(form).getByRole('button', { name: 'Create operator' }));
    await within(form).findByText('Username “admin” is taken. Choose another username.');
    expect(username.getAttribute('aria-invalid')).toBe('true');
  });
});

describe('the operator panel', () => {
  it('resets the password after asking, and shows the generated one once', async () => {
    serve({ operators: [admin, frontdesk], roles, sessions: [session] }, (method) =>
      method === 'operators.resetPassword' ? { temporaryPassword: 'abcd-efgh-jkmn-pqrs' } : undefined,
    );
    renderScreen(<OperatorsScreen {...sectionProps()} />);
    const panel = await manage('frontdesk');
    await userEvent.click(within(panel).getByRole('button', { name: 'Reset password' }));
    const dialog = screen.getByRole('dialog', { name: 'Reset the password of frontdesk?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(rpc).not.toHaveBeenCalledWith('operators.resetPassword', expect.anything());

    await userEvent.click(within(panel).getByRole('button', { name: 'Reset password' }));
    await userEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Reset password' }));
    const shown = (await within(panel).findByLabelText(
      /^Temporary password for frontdesk/,
    )) as HTMLInputElement;
    expect(shown.value).toBe('abcd-efgh-jkmn-pqrs');
    expect(rpc).toHaveBeenCalledWith('operators.resetPassword', { id: 7 });
    // Their sessions ended: read again.
    await waitFor(() => expect(rpc.mock.calls.filter(([m]) => m === 'operators.sessions')).toHaveLength(2));
  });

  it('lists their sessions, and ends them all only after asking', async () => {
    serve({ operators: [admin, frontdesk], roles, sessions: [session] }, () => ({ revoked: 1 }));
    renderScreen(<OperatorsScreen {...sectionProps()} />);
    const panel = await manage('frontdesk');
    const table = await within(panel).findByRole('table', { name: 'Live sessions of frontdesk' });
    expect(table.textContent).toContain('https 192.0.2.7');
    await userEvent.click(within(panel).getByRole('button', { name: 'End all sessions' }));
    await userEvent.click(
      within(screen.getByRole('dialog')).getByRole('button', { name: 'End all sessions' }),
    );
    expect((await within(panel).findByRole('status')).textContent).toBe('1 session ended.');
    expect(rpc).toHaveBeenCalledWith('operators.revokeSessions', { id: 7 });
  });

  it('sends only what changed, and says when their sessions ended', async () => {
    serve({ operators: [admin, frontdesk], roles }, () => ({ ...frontdesk, version: 5 }));
    renderScreen(<OperatorsScreen {...sectionProps()} />);
    const panel = await manage('frontdesk');
    const form = within(panel).getByRole('form', { name: 'Edit frontdesk' });
    await userEvent.click(within(form).getByRole('button', { name: 'Save changes' }));
    expect((await within(panel).findByRole('status')).textContent).toBe(
      'Nothing to save: the form shows what is stored.',
    );
    await userEvent.click(within(form).getByRole('checkbox', { name: 'operator' }));
    await userEvent.click(within(form).getByRole('button', { name: 'Save changes' }));
    await within(form).findByText('Choose at least one role.');
    await userEvent.click(within(form).getByRole('checkbox', { name: 'administrator' }));
    await userEvent.click(within(form).getByRole('checkbox', { name: 'Disabled' }));
    await userEvent.click(within(form).getByRole('button', { name: 'Save changes' }));
    await within(panel).findByText(/^Saved\. Their sessions have ended/);
    expect(rpc).toHaveBeenCalledWith('operators.update', { id: 7, version: 4, roleIds: [1], disabled: true });
  });

  it('shows the newer version when someone else changed the operator meanwhile', async () => {
    const lists = { operators: [admin, frontdesk], roles };
    serve(lists, () => {
      lists.operators = [admin, { ...frontdesk, displayName: 'Reception', version: 5 }];
      throw new RpcCallError(ErrorCode.CONFLICT, 'Version mismatch', { currentVersion: 5 });
    });
    renderScreen(<OperatorsScreen {...sectionProps()} />);
    const panel = await manage('frontdesk');
    const form = within(panel).getByRole('form', { name: 'Edit frontdesk' });
    const name = within(form).getByLabelText('Display name') as HTMLInputElement;
    await userEvent.clear(name);
    await userEvent.type(name, 'Front office');
    await userEvent.click(within(form).getByRole('button', { name: 'Save changes' }));
    expect((await within(form).findByRole('alert')).textContent).toMatch(
      /^Someone else changed this operator while you were editing/,
    );
    await waitFor(() => expect(name.value).toBe('Reception'));
  });

  it('reads in Spanish', async () => {
    setLanguage('es');
    serve({ operators: [admin, frontdesk], roles });
    renderScreen(<OperatorsScreen {...sectionProps()} />);
    const row = await screen.findByRole('row', { name: /^frontdesk/ });
    expect(row.textContent).toContain('Bloqueado durante 3 minutos');
    expect(row.textContent).toContain('Debe cambiar la contraseña');
    await userEvent.click(screen.getByRole('button', { name: 'Nuevo operador' }));
    const form = screen.getByRole('form', { name: 'Nuevo operador' });
    await userEvent.click(within(form).getByRole('button', { name: 'Crear operador' }));
    await within(form).findByText('Escriba un usuario.');
    expect(within(form).getByText('Elija al menos un rol.')).toBeDefined();
    setLanguage('en');
  });
});
