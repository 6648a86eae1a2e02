import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../../../app/contract/errors.js';
import type { Permission } from '../../../../app/contract/permissions.js';
import { setLanguage } from '../../i18n/i18n.js';
import { call, subscribe } from '../../rpc/client.js';
import { RpcCallError } from '../../rpc/rpc-call-error.js';
import { UserImportPanel } from '../user-import-panel.js';
import { UserKeys } from '../user-keys.js';
import { RecentEvents } from './recent-events.js';
import { ada, eventOf, failure, keyOf, renderUsers } from './test-users.js';

vi.mock('../../rpc/client.js', () => ({ call: vi.fn(), subscribe: vi.fn() }));
const rpc = vi.mocked(call);

/** The live-event listeners the panels subscribed, by topic. */
const listeners = new Map<string, (e: { at: string; payload: unknown }) => void>();
/** Delivers a live event to whoever subscribed to its topic. */
function emit(topic: string, payload: unknown) {
  act(() => listeners.get(topic)?.({ at: new Date().toISOString(), payload }));
}

beforeEach(() => {
  setLanguage('en');
  rpc.mockReset();
  listeners.clear();
  vi.mocked(subscribe).mockImplementation(((
    topic: string,
    cb: (e: { at: string; payload: unknown }) => void,
  ) => {
    listeners.set(topic, cb);
    return () => listeners.delete(topic);
  }) as typeof subscribe);
});

const can = (granted: Permission[]) => (p: Permission) => granted.includes(p);

describe("a user's keys", () => {
  it('cancels a key only once the operator confirms, then says so and reads the keys again', async () => {
    let cancelled = false;
    rpc.mockImplementation((async (method: string) => {
      if (method === 'keys.list')
        return { items: [keyOf(11, '04A2B3C4', cancelled ? 'cancelled' : 'issued')], total: 1 };
      if (method === 'keys.cancel') {
        cancelled = true;
        return keyOf(11, '04A2B3C4', 'cancelled');
      }
      throw new Error(method);
    }) as typeof call);
    const onChanged = vi.fn();
    renderUsers(
      <UserKeys
        user={ada}
        can={can(['keys:encode'])}
        failure={failure}
        onChanged={onChanged}
        onClose={vi.fn()}
      />,
    );
    const keys = screen.getByRole('region', { name: 'Keys of Ada Lovelace' });
    await userEvent.click(await within(keys).findByRole('button', { name: 'Cancel key 04A2B3C4' }));
    const dialog = screen.getByRole('dialog', { name: 'Cancel the key 04A2B3C4?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(rpc).not.toHaveBeenCalledWith('keys.cancel', expect.anything());

    await userEvent.click(within(keys).getByRole('button', { name: 'Cancel key 04A2B3C4' }));
    await userEvent.click(screen.getByRole('button', { name: 'Cancel key' }));
    expect((await within(keys).findByRole('status')).textContent).toBe(
      'Key 04A2B3C4 cancelled and blacklisted.',
    );
    expect(rpc).toHaveBeenCalledWith('keys.cancel', { id: 11, version: 1 });
    expect(onChanged).toHaveBeenCalled();
    // Read again: a cancelled key offers nothing more to do.
    await waitFor(() => expect(within(keys).getByText('Cancelled')).toBeDefined());
    expect(within(keys).queryByRole('button', { name: 'Cancel key 04A2B3C4' })).toBeNull();
  });

  it('issues a key by its UID as typed, after refusing one that is not a UID', async () => {
    rpc.mockImplementation((async (method: string, params: { uid: string }) => {
      if (method === 'keys.list') return { items: [], total: 0 };
      if (method === 'keys.issue') return keyOf(12, params.uid);
      throw new Error(method);
    }) as typeof call);
    renderUsers(
      <UserKeys
        user={ada}
        can={can(['keys:encode'])}
        failure={failure}
        onChanged={vi.fn()}
        onClose={vi.fn()}
      />,
    );
    const form = screen.getByRole('form', { name: 'Issue a key to Ada Lovelace' });
    await screen.findByText('No keys yet.');
    await userEvent.type(within(form).getByLabelText('Card UID'), '04a2b3');
    await userEvent.click(within(form).getByRole('button', { name: 'Issue key' }));
    expect((await within(form).findByRole('alert')).textContent).toMatch(/^Type the card’s UID/);
    expect(rpc).not.toHaveBeenCalledWith('keys.issue', expect.anything());

    await userEvent.type(within(form).getByLabelText('Card UID'), ':c4');
    await userEvent.click(within(form).getByRole('button', { name: 'Issue key' }));
    expect((await screen.findByRole('status')).textContent).toBe('Key 04A2B3C4 issued to Ada Lovelace.');
    expect(rpc).toHaveBeenCalledWith('keys.issue', { userId: 7, uid: '04A2B3C4' });
  });

  it('revalidates a key waiting for new data, and offers nothing to change without keys:encode', async () => {
    rpc.mockImplementation((async (method: string) => {
      if (method === 'keys.list') return { items: [keyOf(13, '0A0B0C0D', 'needs-update')], total: 1 };
      if (method === 'keys.revalidate') return keyOf(13, '0A0B0C0D');
      throw new Error(method);
    }) as typeof call);
    const { unmount } = renderUsers(
      <UserKeys
        user={ada}
        can={can(['keys:encode'])}
        failure={failure}
        onChanged={vi.fn()}
        onClose={vi.fn()}
      />,
    );
    await userEvent.click(await screen.findByRole('button', { name: 'Revalidate key 0A0B0C0D' }));
    expect((await screen.findByRole('status')).textContent).toBe('Key 0A0B0C0D revalidated.');
    expect(rpc).toHaveBeenCalledWith('keys.revalidate', { id: 13 });
    unmount();

    renderUsers(
      <UserKeys user={ada} can={can([])} failure={failure} onChanged={vi.fn()} onClose={vi.fn()} />,
    );
    await screen.findByText('Needs update');
    expect(screen.queryByRole('button', { name: /Revalidate|Cancel key/ })).toBeNull();
    expect(screen.queryByRole('form')).toBeNull();
  });
});

describe('the CSV import', () => {
  it('shows the progress of its own operation, and cancels it by its operationId', async () => {
    let refuse: (err: unknown) => void = () => undefined;
    rpc.mockImplementation(((method: string) => {
      if (method === 'users.importCsv') return new Promise((_, reject) => (refuse = reject));
      if (method === 'operations.cancel') return Promise.resolve({ cancelled: true });
      return Promise.reject(new Error(method));
    }) as typeof call);
    const onImported = vi.fn();
    renderUsers(<UserImportPanel failure={failure} onImported={onImported} onClose={vi.fn()} />);
    const panel = screen.getByRole('region', { name: 'Import users from CSV' });
    await userEvent.upload(
      within(panel).getByLabelText('CSV file'),
      new File(['lastName\nLovelace\n'], 'users.csv', { type: 'text/csv' }),
    );
    await userEvent.click(within(panel).getByRole('checkbox', { name: 'Only check the file (dry run)' }));
    await userEvent.click(within(panel).getByRole('button', { name: 'Import' }));
    await waitFor(() => expect(rpc).toHaveBeenCalledWith('users.importCsv', expect.anything()));
    const params = rpc.mock.calls[0]![1] as { operationId: string; csv: string; dryRun: boolean };
    expect(params).toMatchObject({ encoding: 'base64', mode: 'all-or-nothing', dryRun: false });
    expect(atob(params.csv)).toBe('lastName\nLovelace\n');

    // Another operation's progress is not this one's.
    emit('operation.progress', {
      operationId: crypto.randomUUID(),
      stage: 'reading',
      done: 9,
      total: 10,
      rows: 9,
    });
    expect(within(panel).getByRole('status').textContent).toBe('Sending the file…');
    emit('operation.progress', {
      operationId: params.operationId,
      method: 'users.importCsv',
      stage: 'reading',
      done: 50,
      total: 200,
      rows: 12345,
    });
    expect(within(panel).getByRole('status').textContent).toBe('Checking: 12,345 rows read (25%)');
    expect(
      within(panel).getByRole('progressbar', { name: 'Import progress' }).getAttribute('aria-valuenow'),
    ).toBe('25');

    await userEvent.click(within(panel).getByRole('button', { name: 'Cancel import' }));
    expect(rpc).toHaveBeenCalledWith('operations.cancel', { operationId: params.operationId });
    act(() => refuse(new RpcCallError(ErrorCode.CANCELLED, 'Cancelled')));
    await waitFor(() =>
      expect(within(panel).getByRole('status').textContent).toBe('Import cancelled: nothing was written.'),
    );
    expect(within(panel).queryByRole('button', { name: 'Cancel import' })).toBeNull();
    expect(listeners.has('operation.progress')).toBe(false);
    expect(onImported).not.toHaveBeenCalled();
  });

  it('lists the rows with problems after importing the valid ones', async () => {
    rpc.mockResolvedValue({
      rows: 3,
      imported: 2,
      dryRun: false,
      errorCount: 1,
      errors: [{ row: 3, field: 'validUntil', message: 'must be an ISO 8601 time' }],
    });
    const onImported = vi.fn();
    renderUsers(<UserImportPanel failure={failure} onImported={onImported} onClose={vi.fn()} />);
    const panel = screen.getByRole('region', { name: 'Import users from CSV' });
    await userEvent.upload(within(panel).getByLabelText('CSV file'), new File(['x'], 'u.csv'));
    await userEvent.click(within(panel).getByRole('radio', { name: 'Import the valid rows' }));
    expect(within(panel).getByRole('button', { name: 'Check file' })).toBeDefined();
    await userEvent.click(within(panel).getByRole('checkbox', { name: 'Only check the file (dry run)' }));
    await userEvent.click(within(panel).getByRole('button', { name: 'Import' }));
    expect((await within(panel).findByRole('status')).textContent).toBe(
      '2 of 3 rows imported; 1 have problems.',
    );
    expect(rpc).toHaveBeenCalledWith('users.importCsv', expect.objectContaining({ mode: 'valid-rows' }));
    const rows = within(panel)
      .getByRole('table', { name: 'Rows with problems' })
      .querySelectorAll('tbody tr');
    expect([...rows].map((r) => r.textContent)).toEqual(['3validUntilmust be an ISO 8601 time']);
    expect(onImported).toHaveBeenCalled();
  });
});

describe("a user's recent events", () => {
  it('lists their latest events in the site’s time zone, and adds theirs as they arrive', async () => {
    rpc.mockResolvedValue({
      events: [
        eventOf(5, '2026-03-01T09:30:00.000Z', ada.id, {
          kind: 'access-denied',
          reason: 'outside-time-period',
        }),
      ],
    });
    renderUsers(<RecentEvents user={ada} failure={failure} />);
    const panel = screen.getByRole('region', { name: 'Recent events' });
    const table = await within(panel).findByRole('table', { name: 'The latest event of Ada Lovelace' });
    // 09:30 UTC is 22:30 in Auckland (NZDT, UTC+13).
    expect(table.textContent).toMatch(/10:30\sPM|22:30/);
    expect(table.textContent).toContain('Access denied: Outside the time period');
    expect(table.textContent).toContain('Main entrance');
    expect(rpc).toHaveBeenCalledWith('events.list', { userId: 7, limit: 10 });
    // The Events screen, filtered to this user, is one link away.
    expect(within(panel).getByRole('link', { name: 'All events of Ada Lovelace' }).getAttribute('href')).toBe(
      '/events?user=7',
    );

    emit('events.appended', [
      eventOf(6, '2026-03-02T08:00:00.000Z', ada.id, {
        kind: 'configuration',
        reason: 'key-cancelled',
        doorId: null,
        doorName: null,
        detail: { uid: '04A2B3C5' },
      }),
      eventOf(7, '2026-03-02T08:00:01.000Z', 99),
    ]);
    // Once each, the other cardholder's left out.
    await waitFor(() => expect(within(panel).getAllByRole('row')).toHaveLength(3));
    const rows = within(panel).getAllByRole('row');
    expect(rows[1]!.textContent).toContain('Configuration: Key cancelled');
    expect(rows[1]!.textContent).toContain('04A2B3C5');
    expect(within(panel).getByRole('table').querySelector('caption')?.textContent).toBe(
      'The latest 2 events of Ada Lovelace, newest first',
    );
  });

  it('says when there are none, in Spanish too', async () => {
    setLanguage('es');
    rpc.mockResolvedValue({ events: [] });
    renderUsers(<RecentEvents user={ada} failure={failure} />);
    const panel = screen.getByRole('region', { name: 'Eventos recientes' });
    expect(await within(panel).findByText('Todavía no hay eventos de este usuario.')).toBeDefined();
    setLanguage('en');
  });
});
