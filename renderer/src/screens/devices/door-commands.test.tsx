import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Door } from '../../../../app/contract/methods/doors.js';
import { setLanguage } from '../../i18n/i18n.js';
import { call, subscribe } from '../../rpc/client.js';
import { DoorsScreen } from '../doors-screen.js';
import { callsOf, mainEntrance, renderScreen, sectionProps, serve } from '../access/test-access.js';
import { controlUnit, link } from './test-devices.js';

vi.mock('../../rpc/client.js', () => ({ call: vi.fn(), subscribe: vi.fn(() => () => undefined) }));

/** The main entrance, wired to the control unit; the back door too; a radio lock beside them. */
const front: Door = { ...mainEntrance, kind: 'online', openMode: 'standard', officePeriodId: undefined };
const back: Door = { ...front, id: 8, name: 'Back door', zoneIds: [] };
const radio: Door = { ...front, id: 9, name: 'Store room', kind: 'rf' };

/** Serves the site with online doors, the control unit, and doors.command answering `answer`. */
function site(answer: (params: Record<string, unknown>) => unknown) {
  serve({ 'doors.list': [front, back, radio] }, (method, params) => {
    if (method === 'devices.list') return { devices: [controlUnit], link };
    if (method === 'doors.command') return answer(params as Record<string, unknown>);
    return undefined;
  });
}

const applied = (p: Record<string, unknown>) => ({
  applied: (p.doorIds as number[] | undefined) ?? [7],
  unreachable: [],
  notOnline: [],
});

beforeEach(() => {
  setLanguage('en');
  vi.mocked(call).mockReset();
  vi.mocked(subscribe).mockClear();
});

describe('door commands', () => {
  it('opens an online door and says it was done; offline doors take no commands', async () => {
    site(applied);
    renderScreen(<DoorsScreen {...sectionProps(['doors:read', 'doors:command'])} />);
    const row = await screen.findByRole('row', { name: /^Main entrance/ });
    // The door's state as its control unit reports it.
    await waitFor(() => expect(row.textContent).toContain('Closed, Locked, Lockdown'));
    expect(within(screen.getByRole('row', { name: /^Back door/ })).queryByText('No control unit')).toBeNull();
    expect(within(screen.getByRole('row', { name: /^Store room/ })).queryAllByRole('button')).toEqual([]);

    await userEvent.click(within(row).getByRole('button', { name: 'Open Main entrance' }));
    await waitFor(() => expect(callsOf('doors.command')).toEqual([{ command: 'open', doorIds: [7] }]));
    expect((await screen.findByRole('status')).textContent).toBe('Open: done at Main entrance.');

    await userEvent.click(within(row).getByRole('button', { name: 'Office mode on at Main entrance' }));
    await userEvent.click(within(row).getByRole('button', { name: 'Office mode off at Main entrance' }));
    await waitFor(() =>
      expect(callsOf('doors.command').slice(1)).toEqual([
        { command: 'office-on', doorIds: [7] },
        { command: 'office-off', doorIds: [7] },
      ]),
    );
  });

  it('asks before a lockdown, and says which doors did not take it', async () => {
    site(() => ({ applied: [], unreachable: [7], notOnline: [] }));
    renderScreen(<DoorsScreen {...sectionProps(['doors:read', 'doors:command'])} />);
    const row = await screen.findByRole('row', { name: /^Main entrance/ });
    await userEvent.click(within(row).getByRole('button', { name: 'Lockdown on at Main entrance' }));
    let ask = screen.getByRole('dialog', { name: 'Lock down Main entrance?' });
    await userEvent.click(within(ask).getByRole('button', { name: 'Cancel' }));
    expect(callsOf('doors.command')).toEqual([]);

    await userEvent.click(within(row).getByRole('button', { name: 'Lockdown on at Main entrance' }));
    ask = screen.getByRole('dialog', { name: 'Lock down Main entrance?' });
    await userEvent.click(within(ask).getByRole('button', { name: 'Lock down' }));
    await waitFor(() => expect(callsOf('doors.command')).toEqual([{ command: 'lockdown-on', doorIds: [7] }]));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Lockdown on: not done at Main entrance: the control unit did not answer.',
    );

    await userEvent.click(within(row).getByRole('button', { name: 'Lockdown off at Main entrance' }));
    ask = screen.getByRole('dialog', { name: 'Lift the lockdown of Main entrance?' });
    await userEvent.click(within(ask).getByRole('button', { name: 'Lift lockdown' }));
    await waitFor(() =>
      expect(callsOf('doors.command').at(-1)).toEqual({ command: 'lockdown-off', doorIds: [7] }),
    );
  });

  it('locks down a zone', async () => {
    site(() => ({ applied: [7], unreachable: [], notOnline: [8] }));
    renderScreen(<DoorsScreen {...sectionProps(['doors:read', 'doors:command'])} />);
    const zone = await screen.findByRole('region', { name: 'Zone lockdown' });
    await userEvent.selectOptions(within(zone).getByLabelText('Zone'), 'Third floor');
    await userEvent.click(within(zone).getByRole('button', { name: 'Lock down the zone' }));
    const ask = screen.getByRole('dialog', { name: 'Lock down zone Third floor?' });
    await userEvent.click(within(ask).getByRole('button', { name: 'Lock down' }));
    await waitFor(() => expect(callsOf('doors.command')).toEqual([{ command: 'lockdown-on', zoneId: 3 }]));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Lockdown on: done at Main entrance.Lockdown on: not done at Back door: no online control unit serves it.',
    );
  });

  it('keeps the live state of a door from devices.changed', async () => {
    site(applied);
    renderScreen(<DoorsScreen {...sectionProps(['doors:read'])} />);
    const row = await screen.findByRole('row', { name: /^Main entrance/ });
    await waitFor(() => expect(row.textContent).toContain('Closed, Locked, Lockdown'));
    // Without doors:command there are no commands.
    expect(within(row).queryByRole('button', { name: 'Open Main entrance' })).toBeNull();
    expect(screen.queryByRole('region', { name: 'Zone lockdown' })).toBeNull();
    const listener = vi.mocked(subscribe).mock.calls.find(([topic]) => topic === 'devices.changed')![1];
    act(() =>
      listener({
        at: new Date().toISOString(),
        payload: {
          ...controlUnit,
          doorStates: [{ doorId: 7, unlocked: true, open: true, office: true, lockdown: false }],
          updatedAt: '2030-03-01T10:30:00.000Z',
        },
      } as never),
    );
    await waitFor(() => expect(row.textContent).toContain('Open, Unlocked, Office mode'));
  });
});
