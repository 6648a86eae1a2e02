import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Permission } from '../../../../app/contract/permissions.js';
import { setLanguage } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import type { SectionProps } from '../../section.js';
import { UsersScreen } from '../users-screen.js';
import { ada, failure, keyOf, renderUsers } from './test-users.js';

vi.mock('../../rpc/client.js', () => ({ call: vi.fn(), subscribe: vi.fn(() => () => undefined) }));
const rpc = vi.mocked(call);

const blacklist = {
  entries: 1,
  capacity: 4096,
  latestSeq: 1,
  compactable: 0,
  forecast: { perDay: 0, fullInDays: null },
};

/** Answers as a site holding Ada alone would; writes echo what they were sent. */
function serve() {
  rpc.mockImplementation((async (method: string, params: object) => {
    switch (method) {
      case 'users.list':
        return { items: [ada], total: 1 };
      case 'accessLevels.list':
        return { items: [{ id: 2, name: 'Office staff' }], total: 1 };
      case 'blacklist.status':
        return blacklist;
      case 'keys.list':
        return { items: [keyOf(11, '04A2B3C4')], total: 1 };
      case 'events.list':
        return { events: [] };
      case 'users.bulkUpdate':
        return { updated: 1 };
      default:
        return { ...ada, ...params, id: 8 };
    }
  }) as typeof call);
}

function props(granted: Permission[]): SectionProps {
  return {
    session: {} as SectionProps['session'],
    site: { timeZone: 'Pacific/Auckland' } as SectionProps['site'],
    can: (p) => granted.includes(p),
    failure,
    onSiteChanged: () => undefined,
    onSessionRenewed: () => undefined,
  };
}

// happy-dom lays nothing out: give every element the size of a 600 px tall viewport, which is what the
// users table's virtualizer measures.
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'offsetHeight', { configurable: true, get: () => 600 });
  Object.defineProperty(HTMLElement.prototype, 'offsetWidth', { configurable: true, get: () => 1000 });
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 600 });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 1000 });
  HTMLElement.prototype.getBoundingClientRect = () => new DOMRect(0, 0, 1000, 600);
});

beforeEach(() => {
  setLanguage('en');
  rpc.mockReset();
  serve();
});

describe('the users screen', () => {
  it('opens a user with their form, keys and recent events', async () => {
    renderUsers(<UsersScreen {...props(['users:read', 'users:write', 'keys:encode', 'doors:read'])} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Ada Lovelace' }));
    expect(screen.getByRole('form', { name: 'Edit user Ada Lovelace' })).toBeDefined();
    const keys = screen.getByRole('region', { name: 'Keys of Ada Lovelace' });
    expect(await within(keys).findByRole('button', { name: 'Cancel key 04A2B3C4' })).toBeDefined();
    const recent = screen.getByRole('region', { name: 'Recent events' });
    expect(await within(recent).findByText('No events for this user yet.')).toBeDefined();
    expect(rpc).toHaveBeenCalledWith('events.list', { userId: 7, limit: 10 });
  });

  it('enrols a fingerprint from the open user, then shows them read again', async () => {
    const served = rpc.getMockImplementation()!;
    rpc.mockImplementation((async (method: string, params: object) => {
      if (method === 'doors.list') return { items: [{ id: 3, name: 'Main entrance' }], total: 1 };
      if (method === 'users.enrollFingerprint') return { quality: 72 };
      if (method === 'users.get') return { ...ada, fingerprintEnrolled: true, version: 5, keys: [] };
      return served(method as 'users.list', params as never);
    }) as typeof call);
    renderUsers(<UsersScreen {...props(['users:read', 'users:write', 'doors:read'])} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Ada Lovelace' }));
    expect(screen.getByText('Fingerprint: not enrolled')).toBeDefined();
    await userEvent.click(screen.getByRole('button', { name: 'Enrol fingerprint' }));
    const region = screen.getByRole('region', { name: 'Enrol a fingerprint for Ada Lovelace' });
    await userEvent.click(within(region).getByLabelText('Door', { selector: 'input' }));
    await userEvent.click(await screen.findByRole('option', { name: 'Main entrance', hidden: true }));
    await userEvent.click(within(region).getByRole('button', { name: 'Start enrolment' }));
    expect(await screen.findByText('Fingerprint enrolled (quality 72)')).toBeDefined();
    expect(rpc).toHaveBeenCalledWith('users.enrollFingerprint', { userId: 7, doorId: 3, timeoutSeconds: 30 });
    expect(await screen.findByText('Fingerprint: enrolled')).toBeDefined();
    expect(rpc).toHaveBeenCalledWith('users.get', { id: 7 });
    expect(screen.getByRole('button', { name: 'Clear fingerprint' })).toBeDefined();
  });

  it('shows no recent events to an operator who may not read them', async () => {
    renderUsers(<UsersScreen {...props(['users:read'])} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Ada Lovelace' }));
    expect(screen.getByRole('region', { name: 'Keys of Ada Lovelace' })).toBeDefined();
    // Nothing to change about their fingerprint without users:write, but its state shows.
    expect(screen.getByText('Fingerprint: not enrolled')).toBeDefined();
    expect(screen.queryByRole('button', { name: 'Enrol fingerprint' })).toBeNull();
    expect(screen.queryByRole('region', { name: 'Recent events' })).toBeNull();
    expect(rpc).not.toHaveBeenCalledWith('events.list', expect.anything());
  });

  it('says a user was created, and reads the list again', async () => {
    renderUsers(<UsersScreen {...props(['users:read', 'users:write', 'doors:read'])} />);
    await userEvent.click(await screen.findByRole('button', { name: 'New user' }));
    const form = screen.getByRole('form', { name: 'New user' });
    await userEvent.type(within(form).getByLabelText('Last name'), 'Hopper');
    await userEvent.click(within(form).getByRole('button', { name: 'Create user' }));
    expect((await screen.findByRole('status')).textContent).toBe('User “Hopper” created.');
    expect(screen.queryByRole('form', { name: 'New user' })).toBeNull();
    await waitFor(() => expect(rpc.mock.calls.filter(([m]) => m === 'users.list').length).toBeGreaterThan(1));
  });

  it('changes the selected users at once, asking for at least one change', async () => {
    renderUsers(<UsersScreen {...props(['users:read', 'users:write', 'doors:read'])} />);
    await userEvent.click(await screen.findByRole('checkbox', { name: 'Select Ada Lovelace' }));
    await userEvent.click(screen.getByRole('button', { name: 'Edit selected' }));
    const panel = screen.getByRole('region', { name: 'Change 1 users' });
    await userEvent.click(within(panel).getByRole('button', { name: 'Apply to 1 users' }));
    expect((await within(panel).findByRole('alert')).textContent).toBe('Choose at least one change.');
    expect(rpc).not.toHaveBeenCalledWith('users.bulkUpdate', expect.anything());

    await userEvent.selectOptions(within(panel).getByLabelText('Give access level'), 'Office staff');
    await userEvent.click(within(panel).getByRole('button', { name: 'Apply to 1 users' }));
    expect((await screen.findByRole('status')).textContent).toBe('1 user changed.');
    expect(rpc).toHaveBeenCalledWith('users.bulkUpdate', { ids: [7], changes: { addAccessLevelIds: [2] } });
  });
});
