import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { MethodName } from '../../../app/contract/index.js';
import { errorText } from '../error-text.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { renderInConsole } from '../test-render.js';
import { AccountScreen } from './account-screen.js';
import { adminSession, sessionRow } from './auth/test-fixtures.js';

vi.mock('../rpc/client.js', () => ({ call: vi.fn(), subscribe: vi.fn(() => () => undefined) }));
const callMock = vi.mocked(call);

let live = [sessionRow('AAAAAAAAAAAA', 'https 192.0.2.7', true), sessionRow('BBBBBBBBBBBB', 'ipc')];

beforeEach(() => {
  live = [sessionRow('AAAAAAAAAAAA', 'https 192.0.2.7', true), sessionRow('BBBBBBBBBBBB', 'ipc')];
  callMock.mockReset();
  callMock.mockImplementation(async (method: MethodName, params: unknown) => {
    if (method === 'session.list') return live as never;
    if (method === 'session.revoke') {
      const { sessionId } = params as { sessionId: string };
      live = live.filter((s) => s.id !== sessionId);
      return { revoked: true } as never;
    }
    throw new Error(`unexpected ${method}`);
  });
});

function props(over: Partial<SectionProps> = {}): SectionProps {
  return {
    session: adminSession,
    site: undefined,
    can: () => true,
    failure: errorText,
    onSiteChanged: vi.fn(),
    onSessionRenewed: vi.fn(),
    ...over,
  };
}

describe('the account screen', () => {
  it('lists the live sessions, marks this one, and revokes another', async () => {
    renderInConsole(<AccountScreen {...props()} />);
    expect(
      screen.getByText(/^Site Administrator \(admin\) · Local account · Roles: administrator$/),
    ).toBeDefined();
    const table = await screen.findByRole('table', { name: 'Your live sessions' });
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    expect(table.textContent).toContain('this session');
    // Only the other session can be revoked here; this one ends with Log out.
    const buttons = within(table).getAllByRole('button');
    expect(buttons).toHaveLength(1);
    expect(buttons[0]!.getAttribute('aria-label')).toMatch(/^Revoke the session from ipc started /);

    await userEvent.click(buttons[0]!);
    expect((await screen.findByRole('status')).textContent).toBe('The session from ipc has ended.');
    expect(callMock).toHaveBeenCalledWith('session.revoke', { sessionId: 'BBBBBBBBBBBB' });
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(2));
  });

  it('sends a directory operator to the directory for their password', async () => {
    const ldap = { ...adminSession, operator: { ...adminSession.operator, source: 'ldap' as const } };
    renderInConsole(<AccountScreen {...props({ session: ldap })} />);
    expect(screen.getByText('Your password is kept by the directory (LDAP): change it there.')).toBeDefined();
    expect(screen.queryByRole('form', { name: 'Change password' })).toBeNull();
  });
});
