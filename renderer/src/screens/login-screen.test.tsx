import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { call } from '../rpc/client.js';
import { renderInConsole } from '../test-render.js';
import { adminSession, rpcError } from './auth/test-fixtures.js';
import { LoginScreen } from './login-screen.js';

vi.mock('../rpc/client.js', () => ({ call: vi.fn(), subscribe: vi.fn(() => () => undefined) }));
const callMock = vi.mocked(call);

beforeEach(() => callMock.mockReset());

describe('the login screen', () => {
  it('shows the service refusing the password above the form and empties the password', async () => {
    callMock.mockRejectedValueOnce(rpcError('INVALID_CREDENTIALS', 'Invalid username or password'));
    const onLoggedIn = vi.fn();
    renderInConsole(<LoginScreen siteName="Harbour Office" username="admin" onLoggedIn={onLoggedIn} />);
    expect(screen.getByRole('heading', { level: 1, name: 'Log in' })).toBeDefined();
    expect((screen.getByLabelText(/^Username/) as HTMLInputElement).value).toBe('admin');

    const password = screen.getByLabelText(/^Password/) as HTMLInputElement;
    await userEvent.type(password, 'not the password');
    await userEvent.click(screen.getByRole('button', { name: 'Log in' }));

    expect((await screen.findByRole('alert')).textContent).toBe('Unknown username or wrong password.');
    expect(callMock).toHaveBeenCalledWith('session.login', {
      username: 'admin',
      password: 'not the password',
    });
    await waitFor(() => expect(password.value).toBe(''));
    expect(onLoggedIn).not.toHaveBeenCalled();
  });

  it('asks for both fields before calling', async () => {
    renderInConsole(<LoginScreen siteName="Harbour Office" onLoggedIn={vi.fn()} />);
    await userEvent.click(screen.getByRole('button', { name: 'Log in' }));
    const errors = await screen.findAllByRole('alert');
    expect(errors.map((e) => e.textContent)).toEqual(['Fill this in.', 'Fill this in.']);
    expect(screen.getByLabelText(/^Username/).getAttribute('aria-invalid')).toBe('true');
    expect(callMock).not.toHaveBeenCalled();
  });

  it('hands over the session without the token', async () => {
    callMock.mockResolvedValueOnce({ ...adminSession, token: 'secret' });
    const onLoggedIn = vi.fn();
    renderInConsole(<LoginScreen siteName="" notice="You have logged out." onLoggedIn={onLoggedIn} />);
    expect(screen.getByRole('status').textContent).toBe('You have logged out.');
    await userEvent.type(screen.getByLabelText(/^Username/), ' admin ');
    await userEvent.type(screen.getByLabelText(/^Password/), 'correct horse battery staple');
    await userEvent.click(screen.getByRole('button', { name: 'Log in' }));
    await waitFor(() => expect(onLoggedIn).toHaveBeenCalledWith(adminSession));
    expect(callMock).toHaveBeenCalledWith('session.login', {
      username: 'admin',
      password: 'correct horse battery staple',
    });
  });
});
