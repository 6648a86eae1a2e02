import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AccessEvent } from '../../../../app/contract/methods/events.js';
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
    if (method === 'events.exportCsv') return rpc.exported;
    if (method === 'doors.list' || method === 'users.list') return { items: [], total: 0 };
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

/** The screen with a cache of its own, so no test sees another's answers. */
function renderScreen(over: Partial<SectionProps> = {}) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return renderInConsole(
    <QueryClientProvider client={client}>
      <EventsScreen {...props(over)} />
    </QueryClientProvider>,
  );
}

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
    expect(screen.queryByText('Key cancelled')).toBeNull();

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
    expect(screen.queryByText('Key cancelled')).toBeNull();
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
    expect(rpc.calls.at(-1)).toEqual({ method: 'events.exportCsv', params: { kinds: ['access-granted'] } });
    expect(created).toHaveLength(1);
    expect(await created[0]!.text()).toBe(rpc.exported.csv);
    expect(click).toHaveBeenCalledOnce();
  });
});
