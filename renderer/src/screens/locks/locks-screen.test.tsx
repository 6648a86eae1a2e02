import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Permission } from '../../../../app/contract/permissions.js';
import { errorText } from '../../error-text.js';
import { setLanguage } from '../../i18n/i18n.js';
import type { SectionProps } from '../../section.js';
import { SiteTimeProvider } from '../../site-time.js';
import { renderInConsole } from '../../test-render.js';
import { rpcError } from '../auth/test-fixtures.js';
import { LocksScreen } from './locks-screen.js';
import { archive, fullLock, newLock, ppdReady, roundOut, roundSynced, storeRoom } from './test-locks.js';

// The RPC boundary: each method answers from `answers`; a held call waits for the test to settle it;
// subscribe hands the live listeners to the test.
const rpc = vi.hoisted(() => ({
  calls: [] as { method: string; params: Record<string, unknown> }[],
  answers: {} as Record<string, (params: Record<string, unknown>) => unknown>,
  listeners: new Map<string, (e: { at: string; payload: unknown }) => void>(),
  held: undefined as { resolve: (v: unknown) => void; reject: (e: unknown) => void } | undefined,
}));

vi.mock('../../rpc/client.js', () => ({
  call: vi.fn(async (method: string, params: Record<string, unknown>) => {
    rpc.calls.push({ method, params });
    const answer = rpc.answers[method];
    if (!answer) throw new Error(`unexpected call ${method}`);
    return answer(params);
  }),
  subscribe: vi.fn((topic: string, cb: (e: { at: string; payload: unknown }) => void) => {
    rpc.listeners.set(topic, cb);
    return () => {
      if (rpc.listeners.get(topic) === cb) rpc.listeners.delete(topic);
    };
  }),
}));

/** Makes a method wait until the test settles it through `rpc.held`. */
const hold = () => () => new Promise((resolve, reject) => (rpc.held = { resolve, reject }));

const callsOf = (method: string) => rpc.calls.filter((c) => c.method === method).map((c) => c.params);

/** Delivers a live event, as the transport would. */
function emit(topic: string, payload: unknown) {
  act(() => rpc.listeners.get(topic)?.({ at: new Date().toISOString(), payload }));
}

function props(granted: Permission[]): SectionProps {
  return {
    session: {} as SectionProps['session'],
    site: { name: 'Harbour Office', timeZone: 'Europe/Madrid', version: 1 } as SectionProps['site'],
    can: (p) => granted.includes(p),
    failure: errorText,
    onSiteChanged: () => undefined,
    onSessionRenewed: () => undefined,
  };
}

const READER: Permission[] = ['doors:read'];
const TECHNICIAN: Permission[] = ['doors:read', 'ppd:use'];
const ADMIN: Permission[] = ['doors:read', 'ppd:use', 'ppd:emergency', 'settings:admin'];

/** The screen with a cache of its own, in Madrid's time zone. */
function renderScreen(granted: Permission[] = TECHNICIAN) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return renderInConsole(
    <QueryClientProvider client={client}>
      <SiteTimeProvider timeZone="Europe/Madrid">
        <LocksScreen {...props(granted)} />
      </SiteTimeProvider>
    </QueryClientProvider>,
    '/locks',
  );
}

/** The cells of a lock's row, as text (the door is the row's header). */
async function cellsOf(door: string) {
  const table = await screen.findByRole('table', { name: /^\d+ (offline locks?|cerraduras? autónomas?) ·/ });
  const row = await within(table).findByRole('row', { name: new RegExp(`${door}`) });
  return within(row)
    .getAllByRole('cell')
    .map((c) => c.textContent);
}

const button = (name: string | RegExp) => screen.getByRole('button', { name });
const ppdPanel = () => screen.getByRole('region', { name: 'Programming device (PPD)' });

beforeEach(() => {
  setLanguage('en');
  rpc.calls = [];
  rpc.held = undefined;
  rpc.listeners.clear();
  rpc.answers = {
    'locks.list': () => ({ locks: [storeRoom, archive, newLock, fullLock] }),
    'ppd.ports': () => ({ ports: [{ path: '/dev/ttyUSB0', manufacturer: 'FTDI' }] }),
    'ppd.rounds': () => ({ rounds: [roundSynced, roundOut] }),
    'ppd.status': () => ppdReady,
    'operations.cancel': () => ({ cancelled: true }),
  };
});

describe('the offline locks', () => {
  it('shows each lock as its last visit found it, and why it needs a visit in words', async () => {
    renderScreen(READER);
    expect(await screen.findByRole('table', { name: /^4 offline locks · 3 need a visit/ })).toBeDefined();
    expect(await cellsOf('Store room')).toEqual([
      'OL-0001firmware 2.1.0key version 1initialised Jan 10, 2030, 9:00 AM',
      'Mar 1, 2030, 10:30 AM',
      '85 %',
      'In step',
      'Up to dateentry 40 of 40' + '40 of 500 entries',
      'No visit needed',
    ]);
    const behind = await cellsOf('Archive');
    expect(behind.slice(2, 5)).toEqual([
      '12 % (low)',
      '95 s fast',
      '3 cancellations behindentry 37 of 40' + '40 of 500 entries',
    ]);
    expect(behind[5]).toBe(
      'Configuration changed: its door, time periods or calendar changed (it holds revision 10, the door is at 12).' +
        'Keys cancelled since the last visit: 3 cancellations it does not hold yet (cards spread them too, but only the PPD closes the gaps).' +
        'Clock drift: its clock has likely drifted more than a minute; the visit sets it.' +
        'Low battery: change its batteries at the visit.',
    );
    expect(await cellsOf('Plant room')).toEqual([
      'Not initialised',
      'Never visited',
      '—',
      '—',
      '—',
      'Never initialised: the visit sets up its keys and tables.',
    ]);
    const full = await cellsOf('Server room');
    expect(full[3]).toBe('4 s slow');
    expect(full[5]).toContain(
      'Blacklist full: the site’s blacklist no longer fits in this lock (it holds 64 of 64 entries). Compact the blacklist',
    );
    expect(full[5]).toContain('In round R-2030-0002, loaded in a PPD and not synced yet');

    // Looking needs doors:read only: no selection, no PPD, no rounds.
    expect(screen.queryByRole('checkbox', { name: 'Select Archive' })).toBeNull();
    expect(screen.queryByRole('region', { name: 'Programming device (PPD)' })).toBeNull();
    expect(screen.getByText(/needs the ppd:use permission/)).toBeDefined();
    expect(callsOf('ppd.rounds')).toEqual([]);
    expect(callsOf('ppd.ports')).toEqual([]);

    // The filter keeps those that need a visit.
    await userEvent.click(screen.getByRole('checkbox', { name: 'Only those that need a visit' }));
    expect(screen.queryByRole('row', { name: /Store room/ })).toBeNull();
    expect(screen.getByRole('row', { name: /Archive/ })).toBeDefined();
  });

  it('speaks Spanish too', async () => {
    setLanguage('es');
    renderScreen(READER);
    expect(
      await screen.findByRole('table', { name: /^4 cerraduras autónomas · 3 necesitan visita/ }),
    ).toBeDefined();
    expect((await cellsOf('Archive'))[3]).toBe('adelanta 95 s');
  });

  it('follows locks.changed live', async () => {
    renderScreen();
    expect((await cellsOf('Archive'))[6]).toMatch(/^Configuration changed/);
    emit('locks.changed', {
      ...archive,
      revision: 12,
      blacklistSeq: 40,
      battery: 100,
      clockDriftSeconds: 0,
      needs: [],
    });
    await waitFor(async () => expect((await cellsOf('Archive'))[6]).toBe('No visit needed'));
    expect((await cellsOf('Archive'))[3]).toBe('100 %');
    expect(screen.getByRole('table', { name: /· 2 need a visit/ })).toBeDefined();
    // A lock that became offline elsewhere joins the table.
    emit('locks.changed', { ...newLock, doorId: 15, doorName: 'Loading dock' });
    expect(await screen.findByRole('row', { name: /Loading dock/ })).toBeDefined();
  });

  it('shows nothing to select when the site has no offline locks', async () => {
    rpc.answers['locks.list'] = () => ({ locks: [] });
    renderScreen();
    expect((await screen.findByText(/No offline locks yet/)).textContent).toContain('Doors screen');
  });
});

describe('the PPD', () => {
  it('checks the PPD on a listed port or on a typed path, and says what it carries', async () => {
    rpc.answers['ppd.ports'] = () => ({ ports: [{ path: '/dev/ttyUSB0', manufacturer: 'FTDI' }] });
    rpc.answers['ppd.status'] = (p) => ({
      ...ppdReady,
      path: p.path,
      round: { roundId: 'R-2030-0003', tasks: 2, loadedBytes: 1200, totalBytes: 4800, visited: 1 },
      resultsPending: 1,
    });
    renderScreen();
    const panel = ppdPanel();
    const port = await within(panel).findByRole('combobox', { name: /^Serial port/ });
    await waitFor(() => expect((port as HTMLSelectElement).value).toBe('/dev/ttyUSB0'));
    await userEvent.click(within(panel).getByRole('button', { name: 'Check PPD' }));
    await waitFor(() => expect(callsOf('ppd.status')).toEqual([{ path: '/dev/ttyUSB0' }]));

    // A simulator's pty is not listed: typed.
    await userEvent.selectOptions(port, 'Another path…');
    await userEvent.type(within(panel).getByRole('textbox', { name: /^Port path/ }), '/dev/pts/7');
    await userEvent.click(within(panel).getByRole('button', { name: 'Check PPD' }));
    await waitFor(() =>
      expect(callsOf('ppd.status')).toEqual([{ path: '/dev/ttyUSB0' }, { path: '/dev/pts/7' }]),
    );
    const facts = within(panel).getByText('PPD-7781').closest('dl')!;
    expect(facts.textContent).toContain('PairedWith this site');
    expect(facts.textContent).toContain(
      'R-2030-0003: locks to visit 2, visited 1; 1,200 of 4,800 bytes loaded',
    );
    expect(facts.textContent).toContain('The load was cut short: load the same locks again');
    expect(facts.textContent).toContain('Results to import1Sync the PPD to import them');
    expect(facts.textContent).toContain('Battery76 %');
  });

  it('shows the Service’s words where the check failed', async () => {
    rpc.answers['ppd.status'] = () => {
      throw rpcError('UNAVAILABLE', 'No PPD answers on /dev/ttyUSB0: check the cable and that the PPD is on');
    };
    renderScreen();
    await waitFor(() => expect(callsOf('ppd.ports')).toHaveLength(1));
    await userEvent.click(within(ppdPanel()).getByRole('button', { name: 'Check PPD' }));
    expect((await within(ppdPanel()).findByRole('alert')).textContent).toBe(
      'No PPD answers on /dev/ttyUSB0: check the cable and that the PPD is on.',
    );
  });

  it('pairs an unpaired PPD after asking (settings:admin); others are told to ask', async () => {
    rpc.answers['ppd.status'] = () => ({ ...ppdReady, paired: 'unpaired' });
    rpc.answers['ppd.pair'] = (p) => ({ ...ppdReady, path: p.path });
    const first = renderScreen();
    await waitFor(() => expect(callsOf('ppd.ports')).toHaveLength(1));
    await userEvent.click(within(ppdPanel()).getByRole('button', { name: 'Check PPD' }));
    expect(await within(ppdPanel()).findByText(/not paired with any site yet/)).toBeDefined();
    expect(within(ppdPanel()).queryByRole('button', { name: 'Pair with this site' })).toBeNull();
    expect(within(ppdPanel()).getByText(/An administrator \(with settings:admin\)/)).toBeDefined();
    first.unmount();

    renderScreen(ADMIN);
    await waitFor(() => expect(callsOf('ppd.ports')).toHaveLength(2));
    await userEvent.click(within(ppdPanel()).getByRole('button', { name: 'Check PPD' }));
    await userEvent.click(await within(ppdPanel()).findByRole('button', { name: 'Pair with this site' }));
    const ask = screen.getByRole('dialog', { name: 'Pair this PPD with this site?' });
    await userEvent.click(within(ask).getByRole('button', { name: 'Pair the PPD' }));
    expect(await within(ppdPanel()).findByText('The PPD is paired with this site.')).toBeDefined();
    expect(callsOf('ppd.pair')).toEqual([{ path: '/dev/ttyUSB0' }]);
    expect(within(ppdPanel()).getByText('PPD-7781').closest('dl')!.textContent).toContain('With this site');
  });

  it('tells what to do with a PPD of another site', async () => {
    rpc.answers['ppd.status'] = () => ({ ...ppdReady, paired: 'other-site' });
    renderScreen(ADMIN);
    await waitFor(() => expect(callsOf('ppd.ports')).toHaveLength(1));
    await userEvent.click(within(ppdPanel()).getByRole('button', { name: 'Check PPD' }));
    expect(
      await within(ppdPanel()).findByText(/paired with another site: reset it on the PPD/),
    ).toBeDefined();
    expect(within(ppdPanel()).queryByRole('button', { name: 'Pair with this site' })).toBeNull();
  });
});

describe('loading a round', () => {
  it('loads the locks that need a visit, following the bytes sent', async () => {
    rpc.answers['ppd.loadRound'] = hold();
    renderScreen();
    await cellsOf('Archive');
    expect(button('Load round for 0 locks')).toHaveProperty('disabled', true);
    await userEvent.click(button('Select all that need a visit'));
    expect(screen.getByText('3 locks selected')).toBeDefined();
    expect(screen.getByRole('checkbox', { name: 'Select Store room' })).toHaveProperty('checked', false);
    await userEvent.click(screen.getByRole('checkbox', { name: 'Select Archive' }));
    expect(screen.getByText('2 locks selected')).toBeDefined();
    // Emergency openings need ppd:emergency.
    expect(screen.queryByRole('checkbox', { name: /Add an emergency opening/ })).toBeNull();

    await waitFor(() => expect(callsOf('ppd.ports')).toHaveLength(1));
    await userEvent.click(button('Load round for 2 locks'));
    await waitFor(() => expect(callsOf('ppd.loadRound')).toHaveLength(1));
    const [params] = callsOf('ppd.loadRound');
    expect(params).toEqual({ path: '/dev/ttyUSB0', doorIds: [13, 14], operationId: expect.any(String) });
    const operationId = params!.operationId;
    const progress = screen.getByRole('group', { name: 'PPD transfer progress' });
    expect(within(progress).getByRole('status').textContent).toBe('Starting. Keep the PPD connected.');
    // Another operation's progress is not ours.
    emit('operation.progress', {
      operationId: crypto.randomUUID(),
      method: 'ppd.sync',
      stage: 'reading',
      done: 1,
      total: 2,
    });
    emit('operation.progress', {
      operationId,
      method: 'ppd.loadRound',
      stage: 'reading',
      done: 2500,
      total: 10_000,
    });
    expect(within(progress).getByRole('status').textContent).toBe(
      '2.5 kB of 10 kB (25 %). Keep the PPD connected.',
    );
    expect(progress.querySelector('progress')!.value).toBe(2500);
    expect(button('Sync')).toHaveProperty('disabled', true);
    // The whole round across: the PPD commits it, too late to cancel.
    emit('operation.progress', {
      operationId,
      method: 'ppd.loadRound',
      stage: 'writing',
      done: 10_000,
      total: 10_000,
    });
    expect(within(progress).getByRole('status').textContent).toBe(
      'All 10 kB across: now being stored, which can no longer be cancelled. Keep the PPD connected.',
    );
    expect(within(progress).getByRole('button', { name: /^Cancel:/ })).toHaveProperty('disabled', true);

    act(() =>
      rpc.held!.resolve({ ...roundOut, roundId: 'R-2030-0004', doorIds: [13, 14], emergencyDoorId: null }),
    );
    expect(
      await screen.findByText(
        'Round R-2030-0004 loaded: 2 locks to visit. Take the PPD to them, then sync the PPD here.',
      ),
    ).toBeDefined();
    expect(screen.queryByRole('group', { name: 'PPD transfer progress' })).toBeNull();
    // The locks and rounds are read again, and the PPD asked what it carries now.
    await waitFor(() => expect(callsOf('locks.list').length).toBeGreaterThan(1));
    await waitFor(() => expect(callsOf('ppd.rounds').length).toBeGreaterThan(1));
    await waitFor(() => expect(callsOf('ppd.status')).toEqual([{ path: '/dev/ttyUSB0' }]));
  });

  it('cancels a load by its operationId, and says when it was too late', async () => {
    rpc.answers['ppd.loadRound'] = hold();
    renderScreen();
    await userEvent.click(await screen.findByRole('checkbox', { name: 'Select Archive' }));
    await waitFor(() => expect(callsOf('ppd.ports')).toHaveLength(1));
    await userEvent.click(button('Load round for 1 lock'));
    await waitFor(() => expect(callsOf('ppd.loadRound')).toHaveLength(1));
    const operationId = callsOf('ppd.loadRound')[0]!.operationId;
    const progress = screen.getByRole('group', { name: 'PPD transfer progress' });
    await userEvent.click(
      within(progress).getByRole('button', { name: 'Cancel: Loading the round into the PPD' }),
    );
    expect(callsOf('operations.cancel')).toEqual([{ operationId }]);
    expect(within(progress).getByRole('button', { name: /^Cancel:/ }).textContent).toBe('Cancelling…');
    act(() => rpc.held!.reject(rpcError('CANCELLED', 'Cancelled')));
    expect(await screen.findByText(/^Cancelled\. A round cut short resumes where it stopped/)).toBeDefined();

    rpc.answers['operations.cancel'] = () => ({ cancelled: false });
    await userEvent.click(button('Load round for 1 lock'));
    await waitFor(() => expect(callsOf('ppd.loadRound')).toHaveLength(2));
    await userEvent.click(screen.getByRole('button', { name: 'Cancel: Loading the round into the PPD' }));
    expect(await screen.findByText(/^Too late to cancel/)).toBeDefined();
    act(() => rpc.held!.resolve({ ...roundOut, doorIds: [12] }));
    expect(await screen.findByText(/^Round R-2030-0002 loaded: 1 lock to visit/)).toBeDefined();
  });

  it('shows the Service’s refusal where the load failed', async () => {
    rpc.answers['ppd.loadRound'] = () => {
      throw rpcError('CONFLICT', 'The PPD still holds results of round R-2030-0002: sync it first', {
        reason: 'results-pending',
      });
    };
    renderScreen();
    await userEvent.click(await screen.findByRole('checkbox', { name: 'Select Archive' }));
    await waitFor(() => expect(callsOf('ppd.ports')).toHaveLength(1));
    await userEvent.click(button('Load round for 1 lock'));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'The PPD still holds results of round R-2030-0002: sync it first.',
    );
  });

  it('adds an emergency opening at a door of the round, with a reason (ppd:emergency)', async () => {
    rpc.answers['ppd.loadRound'] = (p) => ({ ...roundOut, doorIds: p.doorIds, emergencyDoorId: 12 });
    renderScreen(ADMIN);
    await userEvent.click(await screen.findByRole('checkbox', { name: 'Select Archive' }));
    await userEvent.click(screen.getByRole('checkbox', { name: 'Select Store room' }));
    await waitFor(() => expect(callsOf('ppd.ports')).toHaveLength(1));
    await userEvent.click(screen.getByRole('checkbox', { name: /Add an emergency opening/ }));
    await userEvent.click(button('Load round for 2 locks'));
    expect(screen.getByText('Choose the door to open: one of the selected locks.')).toBeDefined();
    expect(screen.getByText('Say why the door must be opened.')).toBeDefined();
    expect(callsOf('ppd.loadRound')).toEqual([]);
    const door = screen.getByRole('combobox', { name: /^Door to open/ });
    expect(
      within(door)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(['—', 'Store room', 'Archive']);
    await userEvent.selectOptions(door, 'Archive');
    await userEvent.type(screen.getByRole('textbox', { name: /^Reason/ }), 'Lock jammed, key holder away');
    await userEvent.click(button('Load round for 2 locks'));
    await waitFor(() =>
      expect(callsOf('ppd.loadRound')).toEqual([
        {
          path: '/dev/ttyUSB0',
          doorIds: [11, 12],
          emergency: { doorId: 12, reason: 'Lock jammed, key holder away' },
          operationId: expect.any(String),
        },
      ]),
    );
    expect(await screen.findByText(/^Round R-2030-0002 loaded: 2 locks to visit/)).toBeDefined();
  });
});

describe('syncing and the rounds', () => {
  it('syncs the PPD and shows what was imported for each lock', async () => {
    rpc.answers['ppd.sync'] = () => ({ rounds: [roundSynced], imported: 2 });
    renderScreen();
    await waitFor(() => expect(callsOf('ppd.ports')).toHaveLength(1));
    await userEvent.click(button('Sync'));
    expect(await screen.findByText('Synced: 2 visit results imported.')).toBeDefined();
    expect(callsOf('ppd.sync')).toEqual([{ path: '/dev/ttyUSB0', operationId: expect.any(String) }]);
    const table = screen.getByRole('table', { name: 'The visits of the rounds synced, lock by lock' });
    const rows = within(table)
      .getAllByRole('row')
      .slice(1)
      .map((r) => r.textContent);
    expect(rows).toEqual([
      'Store roomUpdated—5Feb 20, 2030, 10:00 AM',
      'ArchiveFailedThe lock refused the PPD’s key: initialise it again0Feb 20, 2030, 10:10 AM',
    ]);
    // Synced again: nothing is imported twice.
    rpc.answers['ppd.sync'] = () => ({ rounds: [], imported: 0 });
    await userEvent.click(button('Sync'));
    expect(await screen.findByText('Synced: the PPD had nothing new.')).toBeDefined();
    expect(screen.queryByRole('table', { name: 'The visits of the rounds synced, lock by lock' })).toBeNull();
  });

  it('lists the rounds newest first, with their visits', async () => {
    renderScreen();
    const table = await screen.findByRole('table', { name: 'Rounds, newest first' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getByRole('rowheader').textContent)).toEqual([
      'R-2030-0002',
      'R-2030-0001',
    ]);
    const state = (row: HTMLElement) => within(row).getAllByRole('cell')[3]!.textContent;
    expect(rows.map(state)).toEqual(['Loaded', 'Synced']);
    expect(rows[0]!.textContent).toContain('Server roomEmergency opening at Server room');
    expect(rows[0]!.textContent).toContain('No visits yet.');
    expect(rows[1]!.textContent).toContain('Store room, Archive');
    expect(rows[1]!.textContent).toContain('Store room: UpdatedFeb 20, 2030, 10:00 AM · 5 audit records');
    expect(rows[1]!.textContent).toContain(
      'Archive: Failed (The lock refused the PPD’s key: initialise it again)Feb 20, 2030, 10:10 AM · 0 audit records',
    );
  });
});
