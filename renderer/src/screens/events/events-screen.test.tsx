import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useLocation } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../../../app/contract/errors.js';
import type { AccessEvent } from '../../../../app/contract/methods/events.js';
import type { OperationProgress } from '../../../../app/contract/methods/operations.js';
import { RpcCallError } from '../../rpc/rpc-call-error.js';
import { event } from './test-events.js';
import type { SectionProps } from '../../section.js';
import { renderInConsole } from '../../test-render.js';
import { EventsScreen } from '../events-screen.js';

// The RPC boundary: events.list answers from `stored` as the service would (filters, newest first);
// subscribe hands the live listener to the test.
const rpc = vi.hoisted(() => ({
  stored: [] as AccessEvent[],
  calls: [] as { method: string; params: Record<string, unknown> }[],
  listeners: new Map<string, (e: { at: string; payload: unknown }) => void>(),
  exported: { csv: '\uFEFFat,kind\r\n', rows: 1, truncated: false, timeZone: 'Europe/Madrid' },
  /** When set, events.exportCsv waits for the test to settle it. */
  hold: undefined as { resolve: (v: unknown) => void; reject: (e: unknown) => void } | undefined,
  holding: false,
  cancelAnswer: true,
}));

vi.mock('../../rpc/client.js', () => ({
  call: vi.fn(async (method: string, params: Record<string, unknown>) => {
    rpc.calls.push({ method, params });
    if (method === 'events.list') {
      const kinds = params.kinds as string[] | undefined;
      const events = rpc.stored
        .filter((e) => !kinds || kinds.includes(e.kind))
        .sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || b.id - a.id);
      return { events };
    }
    if (method === 'events.exportCsv')
      return rpc.holding ? new Promise((resolve, reject) => (rpc.hold = { resolve, reject })) : rpc.exported;
    if (method === 'operations.cancel') return { cancelled: rpc.cancelAnswer };
    if (method === 'doors.list' || method === 'users.list') return { items: [], total: 0 };
    if (method === 'users.get') return { id: params.id, firstName: 'Grace', lastName: 'Hopper' };
    if (method === 'keys.list')
      return {
        items: [
          { id: 70, uid: '04A2B3C4' },
          { id: 71, uid: '04A2B3C5' },
        ].filter((k) => k.uid.includes(String(params.search ?? ''))),
        total: 2,
      };
    throw new Error(`unexpected call ${method}`);
  }),
  subscribe: vi.fn((topic: string, cb: (e: { at: string; payload: unknown }) => void) => {
    rpc.listeners.set(topic, cb);
    return () => rpc.listeners.delete(topic);
  }),
}));

const cancelled = event(9, '2030-01-01T09:00:00.000Z', {
  kind: 'configuration',
  doorId: null,
  doorName: null,
  reason: 'key-cancelled',
  source: 'console',
  detail: { operator: 'admin', uid: '04A2B3C4', blacklistSeq: 1 },
});

function props(over: Partial<SectionProps> = {}): SectionProps {
  return {
    session: {} as SectionProps['session'],
    site: { name: 'Harbour Office', timeZone: 'Europe/Madrid', version: 1 } as SectionProps['site'],
    can: () => true,
    failure: () => 'failed',
    onSiteChanged: () => undefined,
    onSessionRenewed: () => undefined,
    ...over,
  };
}

/** Shows the router's query string, so a test can read what the screen put in the address. */
function Address() {
  return <output data-testid="address">{useLocation().search}</output>;
}
const address = () => screen.getByTestId('address').textContent;

/** The screen with a cache of its own, so no test sees another's answers; `route` is its address. */
function renderScreen(over: Partial<SectionProps> = {}, route = '/') {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return renderInConsole(
    <QueryClientProvider client={client}>
      <EventsScreen {...props(over)} />
      <Address />
    </QueryClientProvider>,
    route,
  );
}

/** The params of the last events.list call. */
const lastList = () => rpc.calls.filter((c) => c.method === 'events.list').at(-1)?.params;

/** Delivers a live events.appended message, as the transport would. */
function arrive(...events: AccessEvent[]) {
  act(() => rpc.listeners.get('events.appended')!({ at: new Date().toISOString(), payload: events }));
}

const bodyRows = () => within(screen.getByRole('table')).getAllByRole('row').slice(1);

beforeEach(() => {
  rpc.stored = [
    event(1, '2026-11-02T08:00:00.000Z'),
    event(2, '2026-11-03T09:00:00.000Z', { kind: 'access-denied', reason: 'blacklisted' }),
  ];
  rpc.calls = [];
  rpc.listeners.clear();
  rpc.hold = undefined;
  rpc.holding = false;
  rpc.cancelAnswer = true;
});
afterEach(() => vi.restoreAllMocks());

describe('the events screen', () => {
  it('lists the events newest first, in the site time zone, and says it is live', async () => {
    renderScreen();
    await screen.findByRole('table', { name: '2 events, newest first' });
    const rows = bodyRows();
    expect(rows[0]!.textContent).toContain('Access denied');
    expect(rows[0]!.textContent).toContain('Key blacklisted');
    // 09:00 UTC is 10:00 in Madrid in November.
    expect(rows[0]!.textContent).toContain('10:00:00');
    expect(rows[1]!.textContent).toContain('Access granted');
    expect(screen.getByText('Live')).toBeDefined();
  });

  it('puts a live event that matches the filters at the top, once', async () => {
    renderScreen();
    await screen.findByRole('table', { name: '2 events, newest first' });
    arrive(cancelled);
    arrive(cancelled);
    await screen.findByRole('table', { name: '3 events, newest first' });
    const rows = bodyRows();
    expect(rows).toHaveLength(3);
    expect(rows[0]!.textContent).toContain('Configuration');
    expect(rows[0]!.textContent).toContain('Key cancelled');
    expect(rows[0]!.textContent).toContain('04A2B3C4');
    expect(rows[0]!.textContent).toContain('by admin');
    expect(rows[0]!.className).toContain('event-live');
    expect(screen.getByText('1 new event arrived while you were looking.')).toBeDefined();
    // Only the first page was read: the event came live.
    expect(rpc.calls.filter((c) => c.method === 'events.list')).toHaveLength(1);
  });

  it('leaves out a live event the filters do not select, and shows it once they do', async () => {
    renderScreen();
    await screen.findByRole('table', { name: '2 events, newest first' });
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Kind' }), 'access-denied');
    await screen.findByRole('table', { name: '1 event, newest first' });
    expect(rpc.calls.at(-1)).toEqual({
      method: 'events.list',
      params: { kinds: ['access-denied'], limit: 100 },
    });
    arrive(cancelled);
    const denied = event(10, '2030-01-01T09:05:00.000Z', { kind: 'access-denied', reason: 'wrong-pin' });
    arrive(denied);
    await screen.findByRole('table', { name: '2 events, newest first' });
    expect(bodyRows()[0]!.textContent).toContain('Wrong PIN');
    expect(within(screen.getByRole('table')).queryByText('Key cancelled')).toBeNull();

    // The event that did not match was kept: back to all kinds, it is there (and read once more).
    rpc.stored.push(denied);
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Kind' }), '');
    await screen.findByRole('table', { name: '4 events, newest first' });
    expect(bodyRows().map((r) => r.getAttribute('data-event-id'))).toEqual(['10', '9', '2', '1']);
  });

  it('is not live when the time range has ended, and filters by time in the site zone', async () => {
    renderScreen();
    await screen.findByRole('table', { name: '2 events, newest first' });
    const to = screen.getByLabelText('To');
    await userEvent.type(to, '2026-11-03T12:00');
    await waitFor(() =>
      expect(rpc.calls.at(-1)?.params).toEqual({ to: '2026-11-03T11:00:00.000Z', limit: 100 }),
    );
    expect(await screen.findByText('Not live')).toBeDefined();
    arrive(cancelled);
    await screen.findByRole('table', { name: '2 events, newest first' });
    expect(within(screen.getByRole('table')).queryByText('Key cancelled')).toBeNull();
  });

  it('filters by a cardholder from their name in the list', async () => {
    renderScreen({ can: (p) => p !== 'users:read' });
    await screen.findByRole('table', { name: '2 events, newest first' });
    await userEvent.click(
      screen.getAllByRole('button', { name: 'Show only the events of Ada Lovelace' })[0]!,
    );
    await waitFor(() => expect(rpc.calls.at(-1)?.params).toEqual({ userId: 7, limit: 100 }));
  });

  it('exports the current filters as a CSV file', async () => {
    const created: Blob[] = [];
    const createObjectURL = vi.fn((b: Blob) => {
      created.push(b);
      return 'blob:events';
    });
    Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() });
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    renderScreen();
    await screen.findByRole('table', { name: '2 events, newest first' });
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Kind' }), 'access-granted');
    await userEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    await screen.findByText(/^Exported 1 event to events-\d{4}-\d{2}-\d{2}\.csv\.$/);
    expect(rpc.calls.at(-1)).toEqual({
      method: 'events.exportCsv',
      params: { kinds: ['access-granted'], operationId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    });
    expect(created).toHaveLength(1);
    expect(await created[0]!.text()).toBe(rpc.exported.csv);
    expect(click).toHaveBeenCalledOnce();
  });
});

describe('the events filters', () => {
  it('opens filtered by the address: a user, a reason, a kind', async () => {
    renderScreen({}, '/?user=12&reason=wrong-pin&kind=access-denied&door=oops');
    await screen.findByRole('table');
    expect(lastList()).toEqual({ kinds: ['access-denied'], userId: 12, reason: 'wrong-pin', limit: 100 });
    // The address holds the id; the name is the service's.
    await waitFor(() =>
      expect(screen.getByLabelText('Cardholder', { selector: 'input' })).toHaveProperty(
        'value',
        'Grace Hopper',
      ),
    );
    expect(screen.getByRole('combobox', { name: 'Reason' })).toHaveProperty('value', 'wrong-pin');
    expect(rpc.calls).toContainEqual({ method: 'users.get', params: { id: 12 } });
  });

  it('filters by reason and key, and keeps the filters in the address', async () => {
    renderScreen();
    await screen.findByRole('table', { name: '2 events, newest first' });
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Reason' }), 'outside-time-period');
    await waitFor(() => expect(lastList()).toEqual({ reason: 'outside-time-period', limit: 100 }));
    expect(address()).toBe('?reason=outside-time-period');
    // Every reason the engine gives is offered, in words.
    expect(screen.getByRole('option', { name: 'Outside the time period' })).toBeDefined();
    expect(screen.getByRole('option', { name: 'Fingerprint did not match' })).toBeDefined();

    await userEvent.click(screen.getByLabelText('Key', { selector: 'input' }));
    await userEvent.type(screen.getByLabelText('Key', { selector: 'input' }), 'C5');
    // The service searches the card UIDs as typed.
    await waitFor(() =>
      expect(rpc.calls).toContainEqual({
        method: 'keys.list',
        params: { search: 'C5', sort: 'issuedAt', order: 'desc', limit: 50 },
      }),
    );
    // Mantine's dropdown is still in its opening transition for happy-dom: hidden to the role query.
    await userEvent.click(await screen.findByRole('option', { name: '04A2B3C5', hidden: true }));
    await waitFor(() =>
      expect(lastList()).toEqual({ credentialId: 71, reason: 'outside-time-period', limit: 100 }),
    );
    expect(address()).toBe('?key=71&reason=outside-time-period');

    await userEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(lastList()).toEqual({ limit: 100 }));
    expect(address()).toBe('');
  });

  it('puts the cardholder chosen from the list in the address', async () => {
    renderScreen();
    await screen.findByRole('table', { name: '2 events, newest first' });
    await userEvent.click(
      screen.getAllByRole('button', { name: 'Show only the events of Ada Lovelace' })[0]!,
    );
    await waitFor(() => expect(address()).toBe('?user=7'));
    // Named as chosen: no need to ask the service.
    expect(screen.getByLabelText('Cardholder', { selector: 'input' })).toHaveProperty(
      'value',
      'Ada Lovelace',
    );
    expect(rpc.calls.some((c) => c.method === 'users.get')).toBe(false);
  });
});

describe('the events export', () => {
  /** Starts an export that waits; gives its operation id and the rendered screen. */
  async function startHeldExport() {
    rpc.holding = true;
    const view = renderScreen();
    await screen.findByRole('table', { name: '2 events, newest first' });
    await userEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    await waitFor(() => expect(rpc.hold).toBeDefined());
    const operationId = rpc.calls.find((c) => c.method === 'events.exportCsv')!.params.operationId as string;
    return { operationId, view };
  }

  /** Delivers an operation.progress message, as the transport would. */
  function report(p: Partial<OperationProgress> & { operationId: string }) {
    const payload = { method: 'events.exportCsv', stage: 'reading', done: 0, total: 0, ...p };
    act(() => rpc.listeners.get('operation.progress')!({ at: new Date().toISOString(), payload }));
  }

  it('shows the rows written of the total, and only its own operation’s', async () => {
    const { operationId } = await startHeldExport();
    const bar = screen.getByRole('progressbar', { name: 'Export progress' });
    expect(screen.getByText('Counting the matching events…')).toBeDefined();
    report({ operationId, done: 500, total: 2_000, rows: 500 });
    await screen.findByText(/^Writing the file: 500 of 2,000 events \(25%\)$/);
    expect(bar.getAttribute('value')).toBe('500');
    expect(bar.getAttribute('max')).toBe('2000');
    report({ operationId: crypto.randomUUID(), done: 1_900, total: 2_000 });
    expect(screen.getByText(/^Writing the file: 500 of 2,000 events/)).toBeDefined();

    Object.assign(URL, { createObjectURL: vi.fn(() => 'blob:events'), revokeObjectURL: vi.fn() });
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    act(() => rpc.hold!.resolve({ ...rpc.exported, rows: 2_000 }));
    await screen.findByText(/^Exported 2000 events to events-/);
    expect(screen.queryByRole('progressbar')).toBeNull();
  });

  it('cancels: asks the service to stop that operation and says no file was saved', async () => {
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    const { operationId } = await startHeldExport();
    report({ operationId, done: 2_000, total: 10_000 });
    await userEvent.click(screen.getByRole('button', { name: 'Cancel export' }));
    expect(rpc.calls.at(-1)).toEqual({ method: 'operations.cancel', params: { operationId } });
    act(() => rpc.hold!.reject(new RpcCallError(ErrorCode.CANCELLED, 'events.exportCsv was cancelled')));
    await screen.findByText('Export cancelled: no file was saved.');
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Cancel export' })).toBeNull();
    expect(click).not.toHaveBeenCalled();
  });

  it('says when the cancel came too late, and cancels an export the operator walks away from', async () => {
    rpc.cancelAnswer = false;
    const { operationId, view } = await startHeldExport();
    await userEvent.click(screen.getByRole('button', { name: 'Cancel export' }));
    await screen.findByText('Too late to cancel: the export had already finished.');
    rpc.calls = [];
    // Still running (the answer is on its way) until the operator leaves: nobody would receive the file.
    expect(screen.getByRole('progressbar', { name: 'Export progress' })).toBeDefined();
    view.unmount();
    expect(rpc.calls).toEqual([{ method: 'operations.cancel', params: { operationId } }]);
  });
});
