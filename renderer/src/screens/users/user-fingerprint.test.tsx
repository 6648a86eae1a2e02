import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../../../app/contract/errors.js';
import type { Permission } from '../../../../app/contract/permissions.js';
import { setLanguage } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import { RpcCallError } from '../../rpc/rpc-call-error.js';
import { UserForm } from '../user-form.js';
import { ada, failure, renderUsers } from './test-users.js';
import { UserFingerprint } from './user-fingerprint.js';

vi.mock('../../rpc/client.js', () => ({ call: vi.fn(), subscribe: vi.fn() }));
const rpc = vi.mocked(call);

const can = (granted: Permission[]) => (p: Permission) => granted.includes(p);
const doors = [
  { id: 3, name: 'Main entrance' },
  { id: 9, name: 'Loading bay' },
];

/** Answers doors.list with the doors, and users.enrollFingerprint with `enrol`. */
function answer(enrol: () => Promise<unknown>) {
  rpc.mockImplementation((async (method: string) => {
    if (method === 'doors.list') return { items: doors, total: doors.length };
    if (method === 'users.enrollFingerprint') return enrol();
    throw new Error(method);
  }) as typeof call);
}

/** Opens the enrol region, chooses the door and starts; returns the region. */
async function enrolAt(door: string) {
  await userEvent.click(screen.getByRole('button', { name: 'Enrol fingerprint' }));
  const region = screen.getByRole('region', { name: 'Enrol a fingerprint for Ada Lovelace' });
  const input = within(region).getByLabelText('Door', { selector: 'input' });
  await userEvent.click(input);
  await userEvent.click(await screen.findByRole('option', { name: door, hidden: true }));
  await userEvent.click(within(region).getByRole('button', { name: 'Start enrolment' }));
  return region;
}

beforeEach(() => {
  setLanguage('en');
  rpc.mockReset();
});

describe("a user's fingerprint", () => {
  it('enrols at the chosen online door, says what to do while waiting, then the quality', async () => {
    let answerWith: (v: { quality: number }) => void = () => undefined;
    answer(() => new Promise((resolve) => (answerWith = resolve)));
    const onChanged = vi.fn();
    renderUsers(
      <UserFingerprint
        user={ada}
        can={can(['users:write', 'doors:read'])}
        failure={failure}
        onChanged={onChanged}
      />,
    );
    // Not enrolled: nothing to clear.
    expect(screen.queryByRole('button', { name: 'Clear fingerprint' })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Enrol fingerprint' }));
    const region = screen.getByRole('region', { name: 'Enrol a fingerprint for Ada Lovelace' });
    // A door must be chosen first.
    await userEvent.click(within(region).getByRole('button', { name: 'Start enrolment' }));
    expect(within(region).getByRole('alert').textContent).toBe(
      'Choose the door where the user presents the finger.',
    );
    await userEvent.click(within(region).getByLabelText('Door', { selector: 'input' }));
    await userEvent.click(await screen.findByRole('option', { name: 'Loading bay', hidden: true }));
    // Only online doors are offered.
    expect(rpc).toHaveBeenCalledWith('doors.list', { kind: 'online', sort: 'name', limit: 50 });
    await userEvent.click(within(region).getByRole('button', { name: 'Start enrolment' }));

    expect(rpc).toHaveBeenCalledWith('users.enrollFingerprint', { userId: 7, doorId: 9, timeoutSeconds: 30 });
    expect((await within(region).findByRole('status')).textContent).toBe(
      'Present the finger on the reader at Loading bay now (up to 30 s)',
    );
    expect(onChanged).not.toHaveBeenCalled();
    act(() => answerWith({ quality: 87 }));
    await waitFor(() =>
      expect(screen.getByRole('status').textContent).toBe('Fingerprint enrolled (quality 87)'),
    );
    expect(onChanged).toHaveBeenCalled();
    expect(screen.queryByRole('region', { name: 'Enrol a fingerprint for Ada Lovelace' })).toBeNull();
  });

  it.each([
    ['no-finger', 'No finger was read at Main entrance in time: try again and keep the finger on the sensor'],
    ['not-online', 'Main entrance has no control unit online: pair one under Gateways and control units'],
    ['unreachable', 'The control unit of Main entrance did not answer: check it is online'],
  ])('says what to do when the enrolment is UNAVAILABLE (%s)', async (reason, said) => {
    answer(() =>
      Promise.reject(new RpcCallError(ErrorCode.UNAVAILABLE, 'Fingerprint enrolment failed', { reason })),
    );
    const onChanged = vi.fn();
    renderUsers(
      <UserFingerprint
        user={ada}
        can={can(['users:write', 'doors:read'])}
        failure={failure}
        onChanged={onChanged}
      />,
    );
    const region = await enrolAt('Main entrance');
    expect((await screen.findByRole('alert')).textContent).toBe(said);
    expect(rpc).toHaveBeenCalledWith('users.enrollFingerprint', { userId: 7, doorId: 3, timeoutSeconds: 30 });
    expect(onChanged).not.toHaveBeenCalled();
    // The region stays open to try again.
    expect(region.isConnected).toBe(true);
    expect(within(region).queryByRole('status')).toBeNull();
  });

  it('clears an enrolled fingerprint only once the operator confirms', async () => {
    rpc.mockImplementation((async (method: string) => {
      if (method === 'users.clearFingerprint') return { cleared: true };
      throw new Error(method);
    }) as typeof call);
    const onChanged = vi.fn();
    renderUsers(
      <UserFingerprint
        user={{ ...ada, fingerprintEnrolled: true }}
        can={can(['users:write'])}
        failure={failure}
        onChanged={onChanged}
      />,
    );
    await userEvent.click(screen.getByRole('button', { name: 'Clear fingerprint' }));
    const dialog = screen.getByRole('dialog', { name: 'Clear the fingerprint of Ada Lovelace?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(rpc).not.toHaveBeenCalled();

    await userEvent.click(screen.getByRole('button', { name: 'Clear fingerprint' }));
    const again = screen.getByRole('dialog', { name: 'Clear the fingerprint of Ada Lovelace?' });
    await userEvent.click(within(again).getByRole('button', { name: 'Clear fingerprint' }));
    expect((await screen.findByRole('status')).textContent).toBe('Fingerprint of Ada Lovelace cleared.');
    expect(rpc).toHaveBeenCalledWith('users.clearFingerprint', { userId: 7 });
    await waitFor(() => expect(onChanged).toHaveBeenCalled());
  });

  it('shows the state beside the PIN in the user’s form, in Spanish too', () => {
    const { unmount } = renderUsers(
      <UserForm
        user={{ ...ada, fingerprintEnrolled: true }}
        levels={[]}
        timeZone="Pacific/Auckland"
        failure={failure}
        onSaved={vi.fn()}
        onClose={vi.fn()}
      />,
    );
    expect(screen.getByText('Fingerprint: enrolled')).toBeDefined();
    unmount();
    setLanguage('es');
    renderUsers(
      <UserForm
        user={ada}
        levels={[]}
        timeZone="Pacific/Auckland"
        failure={failure}
        onSaved={vi.fn()}
        onClose={vi.fn()}
      />,
    );
    expect(screen.getByText('Huella: no registrada')).toBeDefined();
    setLanguage('en');
  });
});
