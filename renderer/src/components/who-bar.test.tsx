import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { call } from '../rpc/client.js';
import { rpcError } from '../screens/auth/test-fixtures.js';
import { renderInConsole } from '../test-render.js';
import { WhoBar } from './who-bar.js';

vi.mock('../rpc/client.js', () => ({ call: vi.fn(), subscribe: vi.fn(() => () => undefined) }));
const callMock = vi.mocked(call);

beforeEach(() => callMock.mockReset());

describe('the who bar', () => {
  it.each([
    ['logs out', () => Promise.resolve({ loggedOut: true as const })],
    ['counts an already ended session as logged out', () => Promise.reject(rpcError('UNAUTHENTICATED'))],
  ])('%s', async (_, answer) => {
    callMock.mockImplementationOnce(answer);
    const onLoggedOut = vi.fn();
    renderInConsole(
      <WhoBar onLoggedOut={onLoggedOut} onError={vi.fn()}>
        Admin
      </WhoBar>,
    );
    await userEvent.click(screen.getByRole('button', { name: 'Log out' }));
    await waitFor(() => expect(onLoggedOut).toHaveBeenCalledWith('You have logged out.'));
    expect(callMock).toHaveBeenCalledWith('session.logout', {});
  });

  it('says why logging out failed, and the session carries on', async () => {
    callMock.mockRejectedValueOnce(rpcError('UNAVAILABLE', 'Cannot reach the Lintel service'));
    const onLoggedOut = vi.fn();
    const onError = vi.fn();
    renderInConsole(
      <WhoBar onLoggedOut={onLoggedOut} onError={onError}>
        Admin
      </WhoBar>,
    );
    await userEvent.click(screen.getByRole('button', { name: 'Log out' }));
    await waitFor(() =>
      expect(onError).toHaveBeenCalledWith(
        'Cannot reach the Lintel service. Check that it is running, then try again.',
      ),
    );
    expect(onLoggedOut).not.toHaveBeenCalled();
  });
});
