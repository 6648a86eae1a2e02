import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Device } from '../../../../app/contract/methods/devices.js';
import type { Permission } from '../../../../app/contract/permissions.js';
import { errorText } from '../../error-text.js';
import { setLanguage } from '../../i18n/i18n.js';
import type { SectionProps } from '../../section.js';
import { SiteTimeProvider } from '../../site-time.js';
import { renderInConsole } from '../../test-render.js';
import { rpcError } from '../auth/test-fixtures.js';
import { DevicesScreen } from './devices-screen.js';
import { enrolCommand, serviceHost } from './pairing-dialog.js';
import { controlUnit, gateway, link, pairing, waiting } from './test-devices.js';

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
const ADMIN: Permission[] = ['doors:read', 'settings:admin'];

/** The screen with a cache of its own, in Madrid's time zone. */
function renderScreen(granted: Permission[] = READER) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return renderInConsole(
    <QueryClientProvider client={client}>
      <SiteTimeProvider timeZone="Europe/Madrid">
        <DevicesScreen {...props(granted)} />
      </SiteTimeProvider>
    </QueryClientProvider>,
    '/devices',
  );
}

const onlineDoors = [
  { id: 7, name: 'Main entrance' },
  { id: 8, name: 'Back door' },
  { id: 9, name: 'Loading bay' },
];

/** The cells of a device's row, as text (the name is the row's header). */
async function cellsOf(name: string) {
  const row = await screen.findByRole('row', { name: new RegExp(`^${name}`) });
  return within(row)
    .getAllByRole('cell')
    .map((c) => c.textContent);
}

beforeEach(() => {
  setLanguage('en');
  rpc.calls = [];
  rpc.listeners.clear();
  rpc.answers = {
    'devices.list': () => ({ devices: [gateway, controlUnit, waiting], link }),
    'doors.list': (p) => ({
      items: onlineDoors.filter((d) => !p.search || d.name.includes(String(p.search))),
      total: 3,
    }),
  };
});

describe('the gateways and control units', () => {
  it('shows each device as it last reported, in the site’s time', async () => {
    renderScreen();
    expect(await screen.findByRole('table', { name: '3 devices' })).toBeDefined();
    expect(await cellsOf('GW basement')).toEqual([
      'Gateway',
      '—',
      'Onlinelast seen Mar 1, 2030, 11:15 AMfrom 10.0.0.20:51820Lintel 1.4.0',
      'Up to daterevision 12 of 12',
      '0',
      '1.5 s ahead',
      '—',
      'forged: 3, replayed: 1',
    ]);
    await waitFor(async () => expect((await cellsOf('CU main entrance'))[6]).toContain('Main entrance'));
    const cu = await cellsOf('CU main entrance');
    expect(cu.slice(0, 2)).toEqual(['Control unit', 'GW basement']);
    expect(cu[3]).toBe('2 behindrevision 10 of 12');
    expect(cu.slice(4, 6)).toEqual(['4', '250 ms behind']);
    expect(cu[6]).toBe(
      'Reader 0 · Main entranceSecureClosed, Locked, Lockdown' +
        'Reader 1 · Back doorNot secure · Tamper2 frames refused',
    );
    expect(cu[7]).toBe('None');
    const pending = await cellsOf('CU loading bay');
    expect(pending.slice(1, 4)).toEqual([
      'Direct to the Service',
      'Not pairedpairing code valid until Mar 1, 2030, 12:00 PM',
      'Not received yet',
    ]);

    const panel = screen.getByRole('region', { name: 'Service link' });
    expect(panel.textContent).toContain('Listening on 0.0.0.0:51820');
    expect(panel.textContent).toContain('a1b2 c3d4 e5f6 0718');
    expect(panel.textContent).toContain('bad-mac1: 7');
    // Looking needs doors:read only; registering needs settings:admin.
    expect(screen.queryByRole('button', { name: 'Register a device' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Remove GW basement' })).toBeNull();
  });

  it('follows devices.changed live', async () => {
    renderScreen();
    expect((await cellsOf('CU main entrance'))[2]).toMatch(/^Online/);
    emit('devices.changed', { ...controlUnit, online: false, updatedAt: '2030-03-01T10:20:00.000Z' });
    await waitFor(async () => expect((await cellsOf('CU main entrance'))[2]).toMatch(/^Offline/));
    // A device registered elsewhere joins the table.
    emit('devices.changed', { ...waiting, id: 4, name: 'CU car park' });
    expect(await screen.findByRole('row', { name: /^CU car park/ })).toBeDefined();
  });

  it('registers a control unit and shows its pairing code once, with the command to run', async () => {
    const created: Device = { ...waiting, id: 5, name: 'CU side door', readers: [{ address: 0, doorId: 9 }] };
    rpc.answers['devices.create'] = () => ({ device: created, pairing });
    renderScreen(ADMIN);
    await userEvent.click(await screen.findByRole('button', { name: 'Register a device' }));
    const form = await screen.findByRole('form', { name: 'Register a gateway or control unit' });
    await userEvent.click(within(form).getByRole('button', { name: 'Register and get a pairing code' }));
    expect(within(form).getByRole('alert').textContent).toBe('Give it a name of at most 100 characters.');
    await userEvent.type(within(form).getByLabelText('Name'), 'CU side door');
    await userEvent.selectOptions(within(form).getByLabelText('Reports through'), 'GW basement');
    await userEvent.click(within(form).getByRole('button', { name: 'Add a reader' }));
    const reader = within(form).getByRole('group', { name: 'Reader 1' });
    expect(within(reader).getByLabelText('OSDP address')).toHaveProperty('value', '0');
    await userEvent.click(within(form).getByRole('button', { name: 'Register and get a pairing code' }));
    expect(within(reader).getByRole('alert').textContent).toBe('Choose the door this reader opens.');
    await userEvent.click(within(reader).getByLabelText('Door', { selector: 'input' }));
    await userEvent.type(within(reader).getByLabelText('Door', { selector: 'input' }), 'Loading');
    // Only online doors are offered.
    await waitFor(() =>
      expect(callsOf('doors.list')).toContainEqual({
        search: 'Loading',
        kind: 'online',
        sort: 'name',
        limit: 50,
      }),
    );
    await userEvent.click(await screen.findByRole('option', { name: 'Loading bay', hidden: true }));
    await userEvent.click(within(form).getByRole('button', { name: 'Register and get a pairing code' }));

    await waitFor(() =>
      expect(callsOf('devices.create')).toEqual([
        { kind: 'control-unit', name: 'CU side door', gatewayId: 1, readers: [{ address: 0, doorId: 9 }] },
      ]),
    );
    const dialog = await screen.findByRole('dialog', { name: 'Pairing code for CU side door' });
    expect(within(dialog).getByRole('status', { name: 'Pairing code' }).textContent).toBe(pairing.code);
    expect(within(dialog).getByRole('status', { name: 'Command to run on the device' }).textContent).toBe(
      // The host the console was loaded from (happy-dom's), the port the Service answered.
      `lintel sim cu --data-dir DIR --reader PATH --enrol ${pairing.code} --service localhost:51820`,
    );
    expect(dialog.textContent).toContain('Shown only this once');
    expect(dialog.textContent).toContain('Valid until Mar 1, 2030, 12:00 PM');
    expect(dialog.textContent).toContain('a1b2 c3d4');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Done: I have noted the code' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.queryByText(pairing.code)).toBeNull();
    expect(screen.getByText('“CU side door” registered.')).toBeDefined();
  });

  it('issues a new pairing code for a device after asking', async () => {
    rpc.answers['devices.pair'] = () => pairing;
    renderScreen(ADMIN);
    await userEvent.click(await screen.findByRole('button', { name: 'New pairing code for GW basement' }));
    const ask = screen.getByRole('dialog', { name: 'Issue a new pairing code for GW basement?' });
    await userEvent.click(within(ask).getByRole('button', { name: 'Issue pairing code' }));
    const dialog = await screen.findByRole('dialog', { name: 'Pairing code for GW basement' });
    expect(callsOf('devices.pair')).toEqual([{ id: 1 }]);
    expect(within(dialog).getByRole('status', { name: 'Command to run on the device' }).textContent).toBe(
      `lintel gateway --data-dir /var/lib/lintel-gateway --enrol ${pairing.code} --service localhost:51820`,
    );
    // A control unit: one --reader per reader it was registered with, by its OSDP address.
    expect(enrolCommand(controlUnit, 'CODE', serviceHost(null), 4750)).toBe(
      'lintel sim cu --data-dir DIR --reader PATH --reader PATH@1 --enrol CODE --service localhost:4750',
    );
  });

  it('edits the readers of a control unit with its version', async () => {
    rpc.answers['devices.update'] = (p) => ({ ...controlUnit, ...p, version: 6 });
    renderScreen(ADMIN);
    await userEvent.click(await screen.findByRole('button', { name: 'Edit CU main entrance' }));
    const form = await screen.findByRole('form', { name: 'Edit CU main entrance' });
    await userEvent.click(within(form).getByRole('button', { name: 'Remove reader 2' }));
    await userEvent.click(within(form).getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(callsOf('devices.update')).toEqual([
        { id: 2, version: 5, name: 'CU main entrance', readers: [{ address: 0, doorId: 7 }] },
      ]),
    );
    expect(await screen.findByText('“CU main entrance” saved.')).toBeDefined();
  });

  it('removes a device after asking, and explains a gateway the Service refuses', async () => {
    rpc.answers['devices.remove'] = () => {
      throw rpcError('CONFLICT', 'The gateway has control units behind it');
    };
    renderScreen(ADMIN);
    await userEvent.click(await screen.findByRole('button', { name: 'Remove GW basement' }));
    const ask = screen.getByRole('dialog', { name: 'Remove GW basement?' });
    await userEvent.click(within(ask).getByRole('button', { name: 'Remove device' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'The gateway has control units behind it. A gateway with control units behind it cannot be removed: remove those control units (or register them again without this gateway) first.',
    );
    expect(callsOf('devices.remove')).toEqual([{ id: 1 }]);

    rpc.answers['devices.remove'] = () => {
      rpc.answers['devices.list'] = () => ({ devices: [gateway, controlUnit], link });
      return { removed: true };
    };
    await userEvent.click(screen.getByRole('button', { name: 'Remove CU loading bay' }));
    await userEvent.click(
      within(screen.getByRole('dialog', { name: 'Remove CU loading bay?' })).getByRole('button', {
        name: 'Remove device',
      }),
    );
    await waitFor(() => expect(screen.queryByRole('row', { name: /^CU loading bay/ })).toBeNull());
    expect(screen.getByText('“CU loading bay” removed.')).toBeDefined();
  });
});
