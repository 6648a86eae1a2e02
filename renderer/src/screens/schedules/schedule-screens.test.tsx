import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../../../app/contract/errors.js';
import type { Calendar, TimePeriod } from '../../../../app/contract/methods/schedules.js';
import type { Permission } from '../../../../app/contract/permissions.js';
import { setLanguage } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import { RpcCallError } from '../../rpc/rpc-call-error.js';
import type { SectionProps } from '../../section.js';
import { SiteTimeProvider } from '../../site-time.js';
import { renderInConsole } from '../../test-render.js';
import { createQueryClient } from '../../providers.js';
import { QueryClientProvider } from '@tanstack/react-query';
import type { ReactElement } from 'react';
import { CalendarsScreen } from '../calendars-screen.js';
import { TimePeriodsScreen } from '../time-periods-screen.js';
import { noRules } from './test-rules.js';

vi.mock('../../rpc/client.js', () => ({ call: vi.fn(), subscribe: vi.fn(() => () => undefined) }));
const rpc = vi.mocked(call);

const at = '2026-03-01T09:30:00.000Z';
const office = [
  { start: 480, end: 720 },
  { start: 780, end: 1020 },
];
const empty = noRules();

const period: TimePeriod = {
  id: 3,
  name: 'Office hours',
  description: 'Staff entrances',
  rules: {
    ...empty,
    mon: office,
    tue: office,
    wed: office,
    thu: office,
    fri: office,
    sat: [{ start: 540, end: 780 }],
  },
  createdAt: at,
  updatedAt: at,
  version: 2,
};
const siteCalendar: Calendar = {
  id: 1,
  name: 'Site calendar',
  days: [{ date: '2027-01-06', type: 'holiday' }],
  createdAt: at,
  updatedAt: at,
  version: 5,
};
const madrid: Calendar = { ...siteCalendar, id: 2, name: 'Madrid', days: [], version: 0 };

/** What the shell gives a section, with the permissions asked for. */
function sectionProps(permissions: Permission[] = ['doors:read', 'doors:write']): SectionProps {
  return {
    session: {} as SectionProps['session'],
    site: { timeZone: 'Pacific/Auckland' } as SectionProps['site'],
    can: (p) => permissions.includes(p),
    failure: (err) => (err instanceof Error ? `Failed: ${err.message}` : 'Failed'),
    onSiteChanged: () => undefined,
    onSessionRenewed: () => undefined,
  };
}

/** Renders a screen as the console would, with an RPC cache of its own (nothing read by another test). */
function renderScreen(ui: ReactElement) {
  return renderInConsole(<QueryClientProvider client={createQueryClient()}>{ui}</QueryClientProvider>);
}

/** Answers list calls with these items, and other calls as given. */
function serve(items: unknown[], other: (method: string, params: unknown) => unknown = () => undefined) {
  rpc.mockImplementation((async (method: string, params: unknown) => {
    if (method.endsWith('.list')) return { items, total: items.length };
    return other(method, params);
  }) as typeof call);
}

beforeEach(() => {
  setLanguage('en');
  rpc.mockReset();
});

describe('the time periods list', () => {
  it("sums up each period's days, joining the weekdays that share intervals", async () => {
    serve([period]);
    renderScreen(<TimePeriodsScreen {...sectionProps()} />);
    const row = await screen.findByRole('row', { name: /^Office hours/ });
    expect(row.textContent).toContain('Monday–Friday 08:00–12:00, 13:00–17:00; Saturday 09:00–13:00');
    expect(row.textContent).toContain('Staff entrances');
    expect(screen.getByRole('table').querySelector('caption')?.textContent).toBe('1 time period');
    expect(rpc).toHaveBeenCalledWith('timePeriods.list', { limit: 25, offset: 0 });
  });

  it('shows when it changed in the site’s time zone', async () => {
    serve([period]);
    renderScreen(
      <SiteTimeProvider timeZone="Pacific/Auckland">
        <TimePeriodsScreen {...sectionProps()} />
      </SiteTimeProvider>,
    );
    const row = await screen.findByRole('row', { name: /^Office hours/ });
    // 09:30 UTC is 22:30 in Auckland (NZDT, UTC+13).
    expect(row.textContent).toMatch(/10:30\sPM|22:30/);
  });

  it('offers nothing to change without doors:write', async () => {
    serve([period]);
    renderScreen(<TimePeriodsScreen {...sectionProps(['doors:read'])} />);
    await screen.findByRole('row', { name: /^Office hours/ });
    expect(screen.queryByRole('button', { name: 'New time period' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Edit Office hours' })).toBeNull();
  });

  it('searches as the operator types, from the first page', async () => {
    serve([period]);
    renderScreen(<TimePeriodsScreen {...sectionProps()} />);
    await userEvent.type(await screen.findByRole('searchbox', { name: 'Search time periods' }), 'off');
    await waitFor(() =>
      expect(rpc).toHaveBeenCalledWith('timePeriods.list', { search: 'off', limit: 25, offset: 0 }),
    );
  });

  it('opens the editor on the period, and says it was saved', async () => {
    serve([period], () => ({ ...period, version: 3 }));
    renderScreen(<TimePeriodsScreen {...sectionProps()} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Edit Office hours' }));
    const form = screen.getByRole('form', { name: 'Edit time period Office hours' });
    expect(within(form).getByText(/Pacific\/Auckland/)).toBeDefined();
    expect(within(form).getAllByRole('group', { name: /^Friday, interval/ })).toHaveLength(2);
    await userEvent.click(within(form).getByRole('button', { name: 'Save time period' }));
    expect((await screen.findByRole('status')).textContent).toBe('Time period “Office hours” saved.');
    expect(screen.queryByRole('form')).toBeNull();
    expect(rpc).toHaveBeenCalledWith('timePeriods.update', expect.objectContaining({ id: 3, version: 2 }));
    // The list is read again after the change.
    await waitFor(() => expect(rpc.mock.calls.filter(([m]) => m === 'timePeriods.list')).toHaveLength(2));
  });

  it('asks before deleting, and says why the service refused', async () => {
    serve([period], (method) => {
      if (method === 'timePeriods.delete')
        throw new RpcCallError(ErrorCode.CONFLICT, 'Time period in use by door Main entrance', {
          reason: 'in use',
        });
    });
    renderScreen(<TimePeriodsScreen {...sectionProps()} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Delete Office hours' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete the time period Office hours?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(rpc).not.toHaveBeenCalledWith('timePeriods.delete', expect.anything());

    await userEvent.click(screen.getByRole('button', { name: 'Delete Office hours' }));
    await userEvent.click(screen.getByRole('button', { name: 'Delete time period' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Failed: Time period in use by door Main entrance',
    );
    expect(rpc).toHaveBeenCalledWith('timePeriods.delete', { id: 3, version: 2 });
  });

  it('says a deletion happened', async () => {
    serve([period], () => ({ deleted: true }));
    renderScreen(<TimePeriodsScreen {...sectionProps()} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Delete Office hours' }));
    await userEvent.click(screen.getByRole('button', { name: 'Delete time period' }));
    expect((await screen.findByRole('status')).textContent).toBe('Time period “Office hours” deleted.');
  });

  it('reads in Spanish', async () => {
    setLanguage('es');
    serve([period]);
    renderScreen(<TimePeriodsScreen {...sectionProps()} />);
    const row = await screen.findByRole('row', { name: /^Office hours/ });
    expect(row.textContent).toContain('Lunes a Viernes 08:00–12:00, 13:00–17:00; Sábado 09:00–13:00');
    expect(screen.getByRole('button', { name: 'Nuevo horario' })).toBeDefined();
    setLanguage('en');
  });
});

describe('the calendars list and form', () => {
  it('lists the days of each calendar, and never offers to delete the site calendar', async () => {
    serve([siteCalendar, madrid]);
    renderScreen(<CalendarsScreen {...sectionProps()} />);
    const site = await screen.findByRole('row', { name: /^Site calendar/ });
    expect(site.textContent).toContain('1 day');
    expect(site.textContent).toContain('2027-01-06 Holiday');
    expect(within(site).queryByRole('button', { name: 'Delete Site calendar' })).toBeNull();
    expect(site.textContent).toContain('Site default');
    expect(screen.getByRole('button', { name: 'Delete Madrid' })).toBeDefined();
    expect(screen.getByRole('row', { name: /^Madrid/ }).textContent).toContain('0 days');
  });

  it('adds a holiday, refusing an empty date and the same date twice beside the field', async () => {
    serve([siteCalendar], (method, params) => ({ ...siteCalendar, ...(params as object), version: 6 }));
    renderScreen(<CalendarsScreen {...sectionProps()} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Edit Site calendar' }));
    const form = screen.getByRole('form', { name: 'Edit calendar Site calendar' });
    expect(within(form).getByText('Falls on a Wednesday.')).toBeDefined();
    await userEvent.click(within(form).getByRole('button', { name: 'Add a day' }));
    await userEvent.click(within(form).getByRole('button', { name: 'Add a day' }));
    const day = (n: number) => within(form).getByRole('group', { name: `Special day ${n}` });
    await userEvent.type(within(day(2)).getByLabelText('Date'), '2027-01-06');
    await userEvent.selectOptions(within(day(2)).getByLabelText('Type'), 'special2');
    await userEvent.click(within(form).getByRole('button', { name: 'Save calendar' }));
    // In date order first: the empty row goes last.
    expect((await within(day(2)).findByRole('alert')).textContent).toBe(
      '2027-01-06 is listed twice: remove one of the rows.',
    );
    expect(within(day(3)).getByRole('alert').textContent).toBe('Choose a date, or remove the row.');
    expect(rpc).not.toHaveBeenCalledWith('calendars.update', expect.anything());

    await userEvent.click(within(day(3)).getByRole('button', { name: 'Remove Special day 3' }));
    await userEvent.clear(within(day(2)).getByLabelText('Date'));
    await userEvent.type(within(day(2)).getByLabelText('Date'), '2027-01-01');
    await userEvent.click(within(form).getByRole('button', { name: 'Save calendar' }));
    expect((await screen.findByRole('status')).textContent).toBe('Calendar “Site calendar” saved.');
    expect(rpc).toHaveBeenCalledWith('calendars.update', {
      id: 1,
      version: 5,
      name: 'Site calendar',
      days: [
        { date: '2027-01-01', type: 'special2' },
        { date: '2027-01-06', type: 'holiday' },
      ],
    });
  });

  it("puts the service's refusals beside the day they name, and a stale version above the form", async () => {
    serve([madrid], (method) => {
      if (method === 'calendars.update')
        throw new RpcCallError(ErrorCode.INVALID_PARAMS, 'Invalid params', {
          issues: [{ path: 'days.0.date', message: 'must be a date the locks can store' }],
        });
    });
    renderScreen(<CalendarsScreen {...sectionProps()} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Edit Madrid' }));
    const form = screen.getByRole('form', { name: 'Edit calendar Madrid' });
    await userEvent.click(within(form).getByRole('button', { name: 'Add a day' }));
    await userEvent.type(within(form).getByLabelText('Date'), '2099-12-31');
    await userEvent.click(within(form).getByRole('button', { name: 'Save calendar' }));
    const day = within(form).getByRole('group', { name: 'Special day 1' });
    expect((await within(day).findByRole('alert')).textContent).toBe('Must be a date the locks can store.');

    serve([madrid], () => {
      throw new RpcCallError(ErrorCode.CONFLICT, 'Version mismatch', { currentVersion: 1 });
    });
    await userEvent.click(within(form).getByRole('button', { name: 'Save calendar' }));
    await waitFor(() =>
      expect(within(form).getAllByRole('alert')[0]!.textContent).toMatch(
        /^Someone else changed this calendar/,
      ),
    );
  });

  it('creates a calendar, its name checked by the contract before sending', async () => {
    serve([siteCalendar], (_m, params) => ({ ...madrid, ...(params as object) }));
    renderScreen(<CalendarsScreen {...sectionProps()} />);
    await userEvent.click(await screen.findByRole('button', { name: 'New calendar' }));
    const form = screen.getByRole('form', { name: 'New calendar' });
    await userEvent.click(within(form).getByRole('button', { name: 'Create calendar' }));
    expect((await within(form).findByRole('alert')).textContent).toBe('Must not be empty: give it a name.');
    await userEvent.type(within(form).getByLabelText('Name'), 'Madrid');
    await userEvent.click(within(form).getByRole('button', { name: 'Create calendar' }));
    expect((await screen.findByRole('status')).textContent).toBe('Calendar “Madrid” created.');
    expect(rpc).toHaveBeenCalledWith('calendars.create', { name: 'Madrid', days: [] });
  });
});
