import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { errorText } from '../error-text.js';
import { call } from '../rpc/client.js';
import { renderInConsole } from '../test-render.js';
import { adminSession, rpcError } from './auth/test-fixtures.js';
import { ChangePasswordForm } from './change-password-form.js';

vi.mock('../rpc/client.js', () => ({ call: vi.fn(), subscribe: vi.fn(() => () => undefined) }));
const callMock = vi.mocked(call);

beforeEach(() => callMock.mockReset());

async function fill(current: string, next: string, confirm = next) {
  await userEvent.type(screen.getByLabelText(/^Current password/), current);
  await userEvent.type(screen.getByLabelText(/^New password/), next);
  await userEvent.type(screen.getByLabelText(/^Confirm new password/), confirm);
  await userEvent.click(screen.getByRole('button', { name: 'Change password' }));
}

function renderForm(onChanged = vi.fn()) {
  renderInConsole(<ChangePasswordForm username="admin" onChanged={onChanged} failure={errorText} />);
  return onChanged;
}

describe('the password change form', () => {
  it('refuses two different new passwords, and a new one equal to the current one', async () => {
    renderForm();
    await fill('old passphrase one', 'new passphrase two', 'new passphrase 2');
    expect((await screen.findByRole('alert')).textContent).toBe(
      'The two new passwords differ. Type the same password twice.',
    );
    await userEvent.clear(screen.getByLabelText(/^New password/));
    await userEvent.type(screen.getByLabelText(/^New password/), 'old passphrase one');
    await userEvent.clear(screen.getByLabelText(/^Confirm new password/));
    await userEvent.type(screen.getByLabelText(/^Confirm new password/), 'old passphrase one');
    await userEvent.click(screen.getByRole('button', { name: 'Change password' }));
    await waitFor(() =>
      expect(screen.getAllByRole('alert').map((a) => a.textContent)).toEqual([
        'The new password must differ from the current one.',
      ]),
    );
    expect(screen.getByLabelText(/^New password/).getAttribute('aria-invalid')).toBe('true');
    expect(callMock).not.toHaveBeenCalled();
  });

  it('says when the current password is wrong, and empties it', async () => {
    callMock.mockRejectedValueOnce(rpcError('INVALID_CREDENTIALS'));
    renderForm();
    await fill('not my password', 'new passphrase two');
    expect((await screen.findByRole('alert')).textContent).toBe(
      'That is not your current password. Type it again.',
    );
    const current = screen.getByLabelText(/^Current password/) as HTMLInputElement;
    expect(current.value).toBe('');
    expect(current.getAttribute('aria-invalid')).toBe('true');
  });

  it('puts a weak password refusal beside the new password', async () => {
    callMock.mockRejectedValueOnce(
      rpcError('WEAK_PASSWORD', 'The new password must be at least 12 characters long'),
    );
    renderForm();
    await fill('old passphrase one', 'short');
    expect((await screen.findByRole('alert')).textContent).toBe(
      'The new password must be at least 12 characters long. Choose a longer or less common password.',
    );
  });

  it('hands over the fresh session and empties the form', async () => {
    callMock.mockResolvedValueOnce(adminSession);
    const onChanged = renderForm();
    await fill('old passphrase one', 'new passphrase two');
    await waitFor(() => expect(onChanged).toHaveBeenCalledWith(adminSession));
    expect(callMock).toHaveBeenCalledWith('session.changePassword', {
      currentPassword: 'old passphrase one',
      newPassword: 'new passphrase two',
    });
    await waitFor(() =>
      expect((screen.getByLabelText(/^Confirm new password/) as HTMLInputElement).value).toBe(''),
    );
  });
});
