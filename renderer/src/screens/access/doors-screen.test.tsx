import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../../../app/contract/errors.js';
import { setLanguage } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import { RpcCallError } from '../../rpc/rpc-call-error.js';
import { DoorsScreen } from '../doors-screen.js';
import { callsOf, mainEntrance, renderScreen, sectionProps, serve } from './test-access.js';

vi.mock('../../rpc/client.js', () => ({ call: vi.fn(), subscribe: vi.fn(() => () => undefined) }));

beforeEach(() => {
  setLanguage('en');
  vi.mocked(call).mockReset();
});

/** Opens a form (New door, or Edit of a door) and returns it. */
async function openForm(button: string, title: string) {
  renderScreen(<DoorsScreen {...sectionProps()} />);
  await userEvent.click(await screen.findByRole('button', { name: button }));
  return screen.findByRole('form', { name: title });
}

const answer = (_m: string, params: unknown) => ({ ...mainEntrance, ...(params as object), version: 7 });

describe('the doors list and form', () => {
  it('says how each door opens, what it asks for and its zones, by name', async () => {
    serve();
    renderScreen(<DoorsScreen {...sectionProps()} />);
    const row = await screen.findByRole('row', { name: /^Main entrance/ });
    await waitFor(() => expect(row.textContent).toContain('Third floor'));
    const cells = within(row)
      .getAllByRole('cell')
      .map((c) => c.textContent);
    expect(cells.slice(0, 4)).toEqual([
      'Offline',
      'Timed officeduring Office hours',
      'Card and PIN',
      'Third floor',
    ]);
  });

  it('asks for an office period only for the timed office mode', async () => {
    serve();
    const form = await openForm('New door', 'New door');
    expect(within(form).queryByLabelText('Office period')).toBeNull();
    await userEvent.selectOptions(within(form).getByLabelText('Open mode'), 'timed-office');
    const period = within(form).getByLabelText('Office period');
    expect([...(period as HTMLSelectElement).options].map((o) => o.text)).toEqual([
      'Choose a time period',
      'Office hours',
      'Nights',
    ]);
    await userEvent.selectOptions(within(form).getByLabelText('Open mode'), 'office');
    expect(within(form).queryByLabelText('Office period')).toBeNull();
  });

  it('marks every problem at once before sending, then creates the door', async () => {
    serve({}, answer);
    const form = await openForm('New door', 'New door');
    await userEvent.selectOptions(within(form).getByLabelText('Open mode'), 'timed-office');
    await userEvent.clear(within(form).getByLabelText('Open for (seconds)'));
    await userEvent.type(within(form).getByLabelText('Open for (seconds)'), '300');
    await userEvent.clear(within(form).getByLabelText('Extended opening (seconds)'));
    await userEvent.type(within(form).getByLabelText('Extended opening (seconds)'), '3');
    await userEvent.click(within(form).getByRole('button', { name: 'Create door' }));
    await waitFor(() =>
      expect(
        within(form)
          .getAllByRole('alert')
          .map((a) => a.textContent),
      ).toEqual([
        'Must not be empty: give it a name.',
        'Choose the time period during which the door stands open.',
        'Type whole seconds from 1 to 255, such as 5.',
      ]),
    );
    await userEvent.clear(within(form).getByLabelText('Open for (seconds)'));
    await userEvent.type(within(form).getByLabelText('Open for (seconds)'), '5');
    await userEvent.click(within(form).getByRole('button', { name: 'Create door' }));
    await waitFor(() =>
      expect(
        within(form)
          .getAllByRole('alert')
          .map((a) => a.textContent),
      ).toContain('Must be at least the normal opening (5 seconds): it is the longer one.'),
    );
    expect(callsOf('doors.create')).toEqual([]);

    await userEvent.type(within(form).getByLabelText('Name'), 'Side door');
    await userEvent.selectOptions(within(form).getByLabelText('Kind'), 'rf');
    await userEvent.selectOptions(within(form).getByLabelText('Office period'), 'Nights');
    await userEvent.selectOptions(within(form).getByLabelText('Authentication'), 'card+pin');
    await userEvent.selectOptions(within(form).getByLabelText('Calendar'), 'Madrid');
    await userEvent.clear(within(form).getByLabelText('Extended opening (seconds)'));
    await userEvent.type(within(form).getByLabelText('Extended opening (seconds)'), '30');
    await userEvent.click(within(form).getByRole('checkbox', { name: 'Lobby' }));
    await userEvent.click(within(form).getByRole('button', { name: 'Create door' }));
    expect((await screen.findByRole('status')).textContent).toBe('Door “Side door” created.');
    expect(callsOf('doors.create')).toEqual([
      {
        name: 'Side door',
        kind: 'rf',
        openMode: 'timed-office',
        officePeriodId: 2,
        auth: { mode: 'card+pin' },
        calendarId: 2,
        zoneIds: [4],
        openSeconds: 5,
        extendedOpenSeconds: 30,
      },
    ]);
  });

  it('saves an edit with its version, forgetting the office period of a mode that has none', async () => {
    serve({}, answer);
    const form = await openForm('Edit Main entrance', 'Edit door Main entrance');
    expect((within(form).getByLabelText('Office period') as HTMLSelectElement).value).toBe('1');
    expect((within(form).getByRole('checkbox', { name: 'Third floor' }) as HTMLInputElement).checked).toBe(
      true,
    );
    await userEvent.selectOptions(within(form).getByLabelText('Open mode'), 'standard');
    await userEvent.click(within(form).getByRole('button', { name: 'Save door' }));
    expect((await screen.findByRole('status')).textContent).toBe('Door “Main entrance” saved.');
    expect(callsOf('doors.update')).toEqual([
      {
        id: 7,
        version: 6,
        name: 'Main entrance',
        kind: 'offline',
        openMode: 'standard',
        // Its scheduled mode, set elsewhere, goes back as it was.
        auth: { mode: 'card+pin', scheduled: { periodId: 2, mode: 'card' } },
        calendarId: 1,
        zoneIds: [3],
        openSeconds: 5,
        extendedOpenSeconds: 20,
      },
    ]);
  });

  it('drops the scheduled mode once it equals the door’s own', async () => {
    serve({}, answer);
    const form = await openForm('Edit Main entrance', 'Edit door Main entrance');
    await userEvent.selectOptions(within(form).getByLabelText('Authentication'), 'card');
    await userEvent.click(within(form).getByRole('button', { name: 'Save door' }));
    await screen.findByRole('status');
    expect(callsOf('doors.update')).toEqual([expect.objectContaining({ auth: { mode: 'card' } })]);
  });

  it("puts the service's refusals beside the fields they name, a stale version above the form", async () => {
    serve({}, () => {
      throw new RpcCallError(ErrorCode.INVALID_PARAMS, 'Invalid params', {
        issues: [
          { path: 'auth.mode', message: 'is not supported by offline locks' },
          { path: 'zoneIds.0', message: 'zone 3 is outside your partition' },
        ],
      });
    });
    const form = await openForm('Edit Main entrance', 'Edit door Main entrance');
    await userEvent.click(within(form).getByRole('button', { name: 'Save door' }));
    const auth = within(form).getByLabelText('Authentication');
    await waitFor(() => expect(auth.getAttribute('aria-invalid')).toBe('true'));
    const zones = within(form).getByRole('group', { name: 'Zones' });
    expect(zones.parentElement?.textContent).toContain('Zone 3 is outside your partition.');
    expect(
      within(form)
        .getAllByRole('alert')
        .map((a) => a.textContent),
    ).toEqual(['Is not supported by offline locks.', 'Zone 3 is outside your partition.']);

    serve({}, () => {
      throw new RpcCallError(ErrorCode.CONFLICT, 'Version mismatch', { currentVersion: 7 });
    });
    await userEvent.click(within(form).getByRole('button', { name: 'Save door' }));
    await waitFor(() =>
      expect(within(form).getAllByRole('alert')[0]!.textContent).toMatch(/^Someone else changed this door/),
    );
  });

  it('reads in Spanish', async () => {
    setLanguage('es');
    serve();
    renderScreen(<DoorsScreen {...sectionProps()} />);
    const row = await screen.findByRole('row', { name: /^Main entrance/ });
    await waitFor(() => expect(row.textContent).toContain('durante Office hours'));
    expect(row.textContent).toContain('Autónoma');
    expect(row.textContent).toContain('Oficina con horario');
    expect(row.textContent).toContain('Tarjeta y PIN');
    await userEvent.click(screen.getByRole('button', { name: 'Nueva puerta' }));
    const form = await screen.findByRole('form', { name: 'Nueva puerta' });
    expect(within(form).getByLabelText('Modo de apertura')).toBeDefined();
    expect(within(form).getByRole('button', { name: 'Crear puerta' })).toBeDefined();
    setLanguage('en');
  });
});
