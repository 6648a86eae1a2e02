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
import { RfLocksScreen } from './rf-locks-screen.js';
import { cellar, eastWing, gateway, lobby, waiting } from './test-rf.js';

// The RPC boundary: each method answers from `answers`; subscribe hands the live listeners to the test.
const rpc = vi.hoisted(() => ({
  calls: [] as { method: string; params: Record<string, unknown> }[],
  answers: {} as Record<string, (params: Record<string, unknown>) => unknown>,
  listeners: new Map<string, (e: { at: string; payload: unknown }) => void>(),
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

const callsOf = (method: string) => rpc.calls.filter((c) => c.method === method).map((c) => c.params);

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
const ADMIN: Permission[] = ['doors:read', 'settings:admin'];
const JOIN_CODE = '0123456789abcdef0123456789abcdef';

/** The screen with a cache of its own, in Madrid's time zone. */
function renderScreen(granted: Permission[] = ADMIN) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return renderInConsole(
    <QueryClientProvider client={client}>
      <SiteTimeProvider timeZone="Europe/Madrid">
        <RfLocksScreen {...props(granted)} />
      </SiteTimeProvider>
    </QueryClientProvider>,
    '/rf-locks',
  );
}

/** The cells of a lock's row, as text (the door is the row's header). */
async function cellsOf(door: string) {
  const table = await screen.findByRole('table', { name: /^\d+ (RF locks?|cerraduras? RF) ·/ });
  const row = await within(table).findByRole('row', { name: new RegExp(door) });
  return within(row)
    .getAllByRole('cell')
    .map((c) => c.textContent);
}

beforeEach(() => {
  setLanguage('en');
  rpc.calls = [];
  rpc.listeners.clear();
  rpc.answers = {
    'rf.locks.list': () => ({ locks: [lobby, cellar, waiting] }),
    'devices.list': () => ({ devices: [gateway, eastWing], link: {} }),
    'doors.list': (p) => ({
      items: [
        { id: 21, name: 'Lobby side door' },
        { id: 24, name: 'Bike store' },
      ].filter((d) => !p.search || d.name.includes(String(p.search))),
      total: 2,
    }),
  };
});

describe('the RF locks', () => {
  it('shows each lock with its unit, state, link quality, battery and configuration', async () => {
    renderScreen(READER);
    expect(await screen.findByRole('table', { name: '3 RF locks · 1 online' })).toBeDefined();
    expect(await cellsOf('Lobby side door')).toEqual([
      'CU east wing',
      '00:12:4B:00:01:A2:B3:C4',
      'OnlineJoined',
      'Good (220)',
      '90 %',
      'Mar 1, 2030, 10:30 AM',
      'Up to daterevision 7, blacklist entry 12',
    ]);
    const weak = await cellsOf('Cellar');
    expect(weak.slice(2)).toEqual([
      'OfflineJoined',
      'Poor: move the control unit or the lock closer, or remove what is in between (40)',
      '11 % (low)',
      'Mar 1, 2030, 9:00 AM',
      'Being updatedrevision 6, blacklist entry 12',
    ]);
    expect((await cellsOf('Roof hatch')).slice(2)).toEqual([
      'Waiting to joinEnter its join code on the lock',
      '—',
      '—',
      'Never heard',
      '—',
    ]);
    // The link quality is a meter a screen reader can name.
    const meter = screen.getByRole('meter', { name: 'Link quality 220 of 255' });
    expect(meter.getAttribute('value')).toBe('220');
    // Looking needs doors:read only: no adding, rejoining or removing.
    expect(screen.queryByRole('button', { name: 'Add RF lock' })).toBeNull();
    expect(screen.queryByRole('button', { name: /^Rejoin/ })).toBeNull();
    expect(callsOf('devices.list')).toEqual([]);
  });

  it('speaks Spanish too', async () => {
    setLanguage('es');
    renderScreen(READER);
    expect(await screen.findByRole('table', { name: '3 cerraduras RF · 1 en línea' })).toBeDefined();
    expect((await cellsOf('Roof hatch'))[2]).toBe(
      'Esperando uniónIntroduzca su código de unión en la cerradura',
    );
  });

  it('reads the list again when a control unit reports', async () => {
    renderScreen(READER);
    expect((await cellsOf('Roof hatch'))[2]).toMatch(/^Waiting to join/);
    rpc.answers['rf.locks.list'] = () => ({
      locks: [lobby, cellar, { ...waiting, state: 'joined', online: true, lqi: 120, battery: 100 }],
    });
    act(() => rpc.listeners.get('devices.changed')?.({ at: new Date().toISOString(), payload: eastWing }));
    await waitFor(async () => expect((await cellsOf('Roof hatch'))[2]).toBe('OnlineJoined'));
    expect((await cellsOf('Roof hatch'))[3]).toBe('Fair (120)');
    expect(screen.getByRole('table', { name: '3 RF locks · 2 online' })).toBeDefined();
  });

  it('says so when the site has no RF locks', async () => {
    rpc.answers['rf.locks.list'] = () => ({ locks: [] });
    renderScreen(READER);
    expect((await screen.findByRole('status')).textContent).toBe(
      'No RF locks yet. Create a door of kind RF on the Doors screen, then add its lock here. An administrator (with settings:admin) adds them.',
    );
  });
});

describe('adding, rejoining and removing', () => {
  it('adds a lock by door, control unit and EUI-64, and shows its join code once with what to do', async () => {
    rpc.answers['rf.locks.add'] = () => ({ joinCode: JOIN_CODE });
    renderScreen();
    await userEvent.click(await screen.findByRole('button', { name: 'Add RF lock' }));
    const form = await screen.findByRole('form', { name: 'Add an RF lock' });
    const submit = () =>
      userEvent.click(within(form).getByRole('button', { name: 'Add the lock and get its join code' }));
    await waitFor(() => expect(callsOf('devices.list')).toHaveLength(1));
    // Only control units are offered, and the only one is chosen already.
    const unit = within(form).getByRole('combobox', { name: /^Control unit/ });
    expect(
      within(unit)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(['—', 'CU east wing']);
    await waitFor(() => expect((unit as HTMLSelectElement).value).toBe('3'));
    await userEvent.type(within(form).getByRole('textbox', { name: /^EUI-64/ }), '00:12:4B:00:01:A2:B3');
    await submit();
    expect(
      within(form)
        .getAllByRole('alert')
        .map((a) => a.textContent),
    ).toEqual([
      'Choose the door the lock is on.',
      'The EUI-64 is 16 hex digits (0–9, A–F), as printed on the lock’s label.',
    ]);
    expect(callsOf('rf.locks.add')).toEqual([]);

    await userEvent.type(within(form).getByRole('textbox', { name: /^EUI-64/ }), ':c7');
    const door = within(form).getByLabelText(/^Door/, { selector: 'input' });
    await userEvent.click(door);
    await userEvent.type(door, 'B');
    // Only RF doors are offered, and not those that have a lock already.
    await waitFor(() =>
      expect(callsOf('doors.list')).toContainEqual({ search: 'B', kind: 'rf', sort: 'name', limit: 50 }),
    );
    expect(screen.queryByRole('option', { name: 'Lobby side door', hidden: true })).toBeNull();
    await userEvent.click(await screen.findByRole('option', { name: 'Bike store', hidden: true }));
    await submit();
    await waitFor(() =>
      expect(callsOf('rf.locks.add')).toEqual([{ doorId: 24, unitId: 3, eui64: '00124B0001A2B3C7' }]),
    );

    const dialog = await screen.findByRole('dialog', { name: 'Join code for the lock of Bike store' });
    expect(within(dialog).getByRole('textbox', { name: 'Join code' })).toHaveProperty(
      'value',
      '0123-4567-89AB-CDEF-0123-4567-89AB-CDEF',
    );
    expect(within(dialog).getByRole('textbox', { name: /^Command/ })).toHaveProperty(
      'value',
      'lintel sim rflock --state FILE --air HOST:PORT --eui 00124B0001A2B3C7 --join 0123-4567-89AB-CDEF-0123-4567-89AB-CDEF',
    );
    expect(dialog.textContent).toContain('shown only now');
    expect(dialog.textContent).toContain('00:12:4B:00:01:A2:B3:C7');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Done: I have noted the code' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.getByText(/^The lock of Bike store was added/)).toBeDefined();
    await waitFor(() => expect(callsOf('rf.locks.list').length).toBeGreaterThan(1));
  });

  it('shows the Service’s refusal of an EUI-64 already on another door', async () => {
    rpc.answers['rf.locks.add'] = () => {
      throw rpcError('CONFLICT', 'The lock 00124B0001A2B3C4 is on the door Lobby side door already');
    };
    renderScreen();
    await userEvent.click(await screen.findByRole('button', { name: 'Add RF lock' }));
    const form = await screen.findByRole('form', { name: 'Add an RF lock' });
    await waitFor(() =>
      expect((within(form).getByRole('combobox', { name: /^Control unit/ }) as HTMLSelectElement).value).toBe(
        '3',
      ),
    );
    await userEvent.type(within(form).getByRole('textbox', { name: /^EUI-64/ }), '00124B0001A2B3C4');
    const door = within(form).getByLabelText(/^Door/, { selector: 'input' });
    await userEvent.click(door);
    await userEvent.click(await screen.findByRole('option', { name: 'Bike store', hidden: true }));
    await userEvent.click(within(form).getByRole('button', { name: 'Add the lock and get its join code' }));
    expect((await within(form).findByRole('alert')).textContent).toBe(
      'The lock 00124B0001A2B3C4 is on the door Lobby side door already.',
    );
  });

  it('issues a new join code after asking, and removes a lock after asking', async () => {
    rpc.answers['rf.locks.rejoin'] = () => ({ joinCode: JOIN_CODE });
    rpc.answers['rf.locks.remove'] = () => ({ removed: true });
    renderScreen();
    await userEvent.click(await screen.findByRole('button', { name: 'Rejoin the lock of Cellar' }));
    const ask = screen.getByRole('dialog', { name: 'New join code for the lock of Cellar?' });
    await userEvent.click(within(ask).getByRole('button', { name: 'Issue a new join code' }));
    const dialog = await screen.findByRole('dialog', { name: 'Join code for the lock of Cellar' });
    expect(callsOf('rf.locks.rejoin')).toEqual([{ doorId: 22 }]);
    expect(within(dialog).getByRole('textbox', { name: /^Command/ })).toHaveProperty(
      'value',
      expect.stringContaining('--eui 00124B0001A2B3C5 --join 0123-'),
    );
    await userEvent.click(within(dialog).getByRole('button', { name: 'Done: I have noted the code' }));

    // Cancelling the question removes nothing.
    await userEvent.click(screen.getByRole('button', { name: 'Remove the lock of Cellar' }));
    await userEvent.click(
      within(screen.getByRole('dialog', { name: 'Remove the lock of Cellar?' })).getByRole('button', {
        name: 'Cancel',
      }),
    );
    expect(callsOf('rf.locks.remove')).toEqual([]);
    rpc.answers['rf.locks.list'] = () => ({ locks: [lobby, waiting] });
    await userEvent.click(screen.getByRole('button', { name: 'Remove the lock of Cellar' }));
    await userEvent.click(
      within(screen.getByRole('dialog', { name: 'Remove the lock of Cellar?' })).getByRole('button', {
        name: 'Remove the lock',
      }),
    );
    expect(await screen.findByText('The lock of Cellar was removed.')).toBeDefined();
    expect(callsOf('rf.locks.remove')).toEqual([{ doorId: 22 }]);
    expect(screen.queryByRole('row', { name: /Cellar/ })).toBeNull();
  });
});
