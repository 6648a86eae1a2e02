import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { call } from '../rpc/client.js';
import { renderInConsole } from '../test-render.js';
import { adminSession, rpcError } from './auth/test-fixtures.js';
import { ChangePasswordScreen } from './change-password-screen.js';

vi.mock('../rpc/client.js', () => ({ call: vi.fn(), subscribe: vi.fn(() => () => undefined) }));
const callMock = vi.mocked(call);

beforeEach(() => callMock.mockReset());

describe('the forced password change', () => {
  it('says who is logged in, offers no navigation, and returns to login when the session ended', async () => {
    callMock.mockRejectedValueOnce(rpcError('UNAUTHENTICATED'));
    const onLoggedOut = vi.fn();
    renderInConsole(
      <ChangePasswordScreen session={adminSession} onChanged={vi.fn()} onLoggedOut={onLoggedOut} />,
    );
    expect(screen.getByRole('heading', { level: 1, name: 'Change your password' })).toBeDefined();
    expect(screen.getByText(/^Logged in as/).textContent).toBe('Logged in as Site Administrator (admin)');
    expect(screen.queryByRole('navigation')).toBeNull();

    await userEvent.type(screen.getByLabelText(/^Current password/), 'temporary passphrase 1');
    await userEvent.type(screen.getByLabelText(/^New password/), 'front desk own passphrase');
    await userEvent.type(screen.getByLabelText(/^Confirm new password/), 'front desk own passphrase');
    await userEvent.click(screen.getByRole('button', { name: 'Change password and continue' }));
    await waitFor(() => expect(onLoggedOut).toHaveBeenCalledWith('Your session has ended. Log in again.'));
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
