import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { noRules } from './test-rules.js';
import { ErrorCode } from '../../../../app/contract/errors.js';
import type { TimePeriod } from '../../../../app/contract/methods/schedules.js';
import { setLanguage } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import { RpcCallError } from '../../rpc/rpc-call-error.js';
import { renderInConsole } from '../../test-render.js';
import { TimePeriodForm } from '../time-period-form.js';
import { emptyRules } from './form-schemas.js';

vi.mock('../../rpc/client.js', () => ({ call: vi.fn(), subscribe: vi.fn(() => () => undefined) }));
const rpc = vi.mocked(call);

/** A saved time period, as the service answers. */
function saved(patch: Partial<TimePeriod> = {}): TimePeriod {
  return {
    id: 7,
    name: 'Office hours',
    description: '',
    rules: noRules(),
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    version: 0,
    ...patch,
  };
}

function renderForm(period?: TimePeriod) {
  const onSaved = vi.fn();
  const failure = vi.fn((err: unknown) => (err instanceof Error ? `failed: ${err.message}` : 'failed'));
  renderInConsole(
    <TimePeriodForm
      period={period}
      failure={failure}
      timeZone="Europe/Madrid"
      onSaved={onSaved}
      onClose={() => undefined}
    />,
  );
  const form = screen.getByRole('form', {
    name: period ? `Edit time period ${period.name}` : 'New time period',
  });
  return { form, onSaved, failure };
}

/** The track of a day, 1,440 px wide so that a pixel is a minute. */
function track(day: string): HTMLElement {
  const el = screen.getByTestId(`track-${day}`);
  el.getBoundingClientRect = () => ({
    left: 0,
    top: 0,
    width: 1440,
    height: 32,
    right: 1440,
    bottom: 32,
    x: 0,
    y: 0,
    toJSON: () => ({}),
  });
  return el;
}

/** Drags across an element from one x to another (pixels = minutes on a track). */
function drag(el: HTMLElement, from: number, to: number, { shiftKey = false } = {}) {
  fireEvent.pointerDown(el, { button: 0, pointerId: 1, clientX: from, shiftKey });
  fireEvent.pointerMove(el, { pointerId: 1, clientX: (from + to) / 2, shiftKey });
  fireEvent.pointerMove(el, { pointerId: 1, clientX: to, shiftKey });
  fireEvent.pointerUp(el, { pointerId: 1, clientX: to, shiftKey });
}

const interval = (form: HTMLElement, day: string, n: number) =>
  within(form).getByRole('group', { name: `${day}, interval ${n}` });
const startOf = (group: HTMLElement) => within(group).getByLabelText('Start') as HTMLInputElement;
const endOf = (group: HTMLElement) => within(group).getByLabelText('End') as HTMLInputElement;

async function typeInterval(form: HTMLElement, day: string, n: number, start: string, end: string) {
  await userEvent.click(
    within(form).getByRole('button', { name: new RegExp(`^Add an interval on ${day}$`, 'i') }),
  );
  const group = interval(form, day, n);
  await userEvent.type(startOf(group), start);
  await userEvent.type(endOf(group), end);
  return group;
}

beforeEach(() => {
  setLanguage('en');
  rpc.mockReset();
});
afterEach(() => setLanguage('en'));

describe('the weekly editor', () => {
  it('has a row per day type, the site zone, and no access anywhere to start with', () => {
    const { form } = renderForm();
    for (const day of ['Monday', 'Sunday', 'Holiday', 'Special day 1', 'Special day 3'])
      expect(within(form).getByRole('group', { name: day })).toBeDefined();
    expect(within(form).getAllByText('No access.')).toHaveLength(11);
    expect(within(form).getByText(/site’s local time \(Europe\/Madrid\)/)).toBeDefined();
  });

  it('adds intervals from the keyboard and draws each as a bar where it falls', async () => {
    const { form } = renderForm();
    await typeInterval(form, 'Monday', 1, '08:00', '12:00');
    const bar = within(track('mon')).getByText('08:00–12:00').parentElement!;
    expect(bar.style.left).toBe(`${(480 / 1440) * 100}%`);
    expect(bar.style.width).toBe(`${(240 / 1440) * 100}%`);
    expect(startOf(interval(form, 'Monday', 1)).value).toBe('08:00');
  });

  it('adds an interval by dragging across a row, snapped to 15 minutes (5 with Shift)', async () => {
    const { form } = renderForm();
    drag(track('tue'), 543, 782);
    await waitFor(() => expect(startOf(interval(form, 'Tuesday', 1)).value).toBe('09:00'));
    expect(endOf(interval(form, 'Tuesday', 1)).value).toBe('13:00');
    expect(screen.getByRole('status').textContent).toBe('Added Tuesday 09:00–13:00.');

    drag(track('tue'), 1100, 900, { shiftKey: true });
    await waitFor(() =>
      expect(within(form).getAllByRole('group', { name: /^Tuesday, interval/ })).toHaveLength(2),
    );
    expect(startOf(interval(form, 'Tuesday', 2)).value).toBe('15:00');
    expect(endOf(interval(form, 'Tuesday', 2)).value).toBe('18:20');
  });

  it('never drags an interval into its neighbour, and keeps the day in order', async () => {
    const { form } = renderForm();
    await typeInterval(form, 'Wednesday', 1, '13:00', '17:00');
    drag(track('wed'), 480, 900);
    await waitFor(() => expect(startOf(interval(form, 'Wednesday', 1)).value).toBe('08:00'));
    expect(endOf(interval(form, 'Wednesday', 1)).value).toBe('13:00');
    expect(startOf(interval(form, 'Wednesday', 2)).value).toBe('13:00');
  });

  it('adds an hour on a click, moves a bar, drags its ends, and puts the focus in its fields on a click', async () => {
    const { form } = renderForm();
    const mon = track('mon');
    fireEvent.pointerDown(mon, { button: 0, pointerId: 1, clientX: 610 });
    fireEvent.pointerUp(mon, { pointerId: 1, clientX: 610 });
    await waitFor(() => expect(startOf(interval(form, 'Monday', 1)).value).toBe('10:00'));
    expect(endOf(interval(form, 'Monday', 1)).value).toBe('11:00');

    const bar = () => within(mon).getByTitle(/–/);
    drag(within(bar()).getByText(/–/), 620, 740); // the body: moves by two hours
    await waitFor(() => expect(startOf(interval(form, 'Monday', 1)).value).toBe('12:00'));
    expect(endOf(interval(form, 'Monday', 1)).value).toBe('13:00');

    drag(bar().querySelector<HTMLElement>('[data-edge="end"]')!, 780, 1050);
    await waitFor(() => expect(endOf(interval(form, 'Monday', 1)).value).toBe('17:30'));
    drag(bar().querySelector<HTMLElement>('[data-edge="start"]')!, 720, 2000);
    await waitFor(() => expect(startOf(interval(form, 'Monday', 1)).value).toBe('17:15'));

    fireEvent.pointerDown(bar(), { button: 0, pointerId: 1, clientX: 1040 });
    fireEvent.pointerUp(bar(), { pointerId: 1, clientX: 1040 });
    await waitFor(() => expect(document.activeElement).toBe(startOf(interval(form, 'Monday', 1))));
  });

  it('drops a drag on Escape', async () => {
    const { form } = renderForm();
    const thu = track('thu');
    fireEvent.pointerDown(thu, { button: 0, pointerId: 1, clientX: 480 });
    fireEvent.pointerMove(thu, { pointerId: 1, clientX: 700 });
    expect(within(thu).getByText('08:00–11:45')).toBeDefined();
    act(() => void fireEvent.keyDown(window, { key: 'Escape' }));
    fireEvent.pointerUp(thu, { pointerId: 1, clientX: 700 });
    expect(within(thu).queryByText(/–/)).toBeNull();
    expect(within(form).queryByRole('group', { name: 'Thursday, interval 1' })).toBeNull();
  });

  it('holds at most 8 intervals a day, by keyboard or pointer', async () => {
    const { form } = renderForm();
    for (let i = 0; i < 8; i++) drag(track('fri'), i * 120, i * 120 + 60);
    await waitFor(() =>
      expect(within(form).getAllByRole('group', { name: /^Friday, interval/ })).toHaveLength(8),
    );
    expect(within(form).getByRole('button', { name: 'Add an interval on Friday' })).toHaveProperty(
      'disabled',
      true,
    );
    expect(within(form).getByText('At most 8 intervals a day: merge two to add another.')).toBeDefined();
    drag(track('fri'), 1000, 1100);
    expect(within(form).getAllByRole('group', { name: /^Friday, interval/ })).toHaveLength(8);
  });

  it('copies Monday to Tuesday–Friday, replacing what they had', async () => {
    const { form } = renderForm();
    await typeInterval(form, 'Monday', 1, '08:00', '12:00');
    await typeInterval(form, 'Monday', 2, '13:00', '17:00');
    await typeInterval(form, 'Wednesday', 1, '06:00', '07:00');
    await userEvent.click(within(form).getByRole('button', { name: 'Copy Monday to other days' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Copy to the chosen days' }));
    expect(within(dialog).getByRole('alert').textContent).toBe('Choose at least one day.');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Other weekdays' }));
    expect(within(dialog).getByRole('checkbox', { name: 'Friday' })).toHaveProperty('checked', true);
    expect(within(dialog).getByRole('checkbox', { name: 'Saturday' })).toHaveProperty('checked', false);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Copy to the chosen days' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    for (const day of ['Tuesday', 'Wednesday', 'Thursday', 'Friday']) {
      expect(startOf(interval(form, day, 1)).value).toBe('08:00');
      expect(endOf(interval(form, day, 2)).value).toBe('17:00');
    }
    expect(within(form).queryByRole('group', { name: 'Saturday, interval 1' })).toBeNull();
    expect(screen.getByRole('status').textContent).toBe(
      'Copied Monday to Tuesday, Wednesday, Thursday, and Friday.',
    );
  });
});

describe('the time period form', () => {
  it('refuses an overlapping interval beside its field, before sending anything', async () => {
    const { form } = renderForm();
    await userEvent.type(within(form).getByLabelText('Name'), 'Office hours');
    await typeInterval(form, 'Monday', 1, '08:00', '12:00');
    await typeInterval(form, 'Monday', 2, '13:00', '17:00');
    const third = await typeInterval(form, 'Monday', 3, '16:30', '18:00');
    await userEvent.click(within(form).getByRole('button', { name: 'Create time period' }));
    expect((await within(third).findByRole('alert')).textContent).toBe(
      'Overlaps the Monday interval before it, which ends at 17:00: start at 17:00 or later.',
    );
    expect(startOf(third).getAttribute('aria-invalid')).toBe('true');
    expect(startOf(interval(form, 'Monday', 2)).getAttribute('aria-invalid')).toBeNull();
    expect(within(track('mon')).getByTitle('16:30–18:00').className).toContain('tp-bar--invalid');
    expect(rpc).not.toHaveBeenCalled();

    // Mending it clears the message as it is typed.
    await userEvent.clear(startOf(third));
    await userEvent.type(startOf(third), '17:00');
    await waitFor(() => expect(within(third).queryByRole('alert')).toBeNull());
  });

  it('says what is wrong with a time as the operator leaves it', async () => {
    const { form } = renderForm();
    const group = await typeInterval(form, 'Saturday', 1, '9', '08:00:30');
    await userEvent.tab();
    const alerts = within(group)
      .getAllByRole('alert')
      .map((a) => a.textContent);
    expect(alerts).toEqual([
      'Type the start as HH:MM, such as 08:30.',
      'Times are whole minutes: write 08:00 without the seconds.',
    ]);
    await userEvent.clear(startOf(group));
    await userEvent.type(startOf(group), '10:00');
    await userEvent.clear(endOf(group));
    await userEvent.type(endOf(group), '09:00');
    await userEvent.tab();
    await waitFor(() =>
      expect(within(group).getByRole('alert').textContent).toBe(
        'Must end after it starts; split an interval that crosses midnight over two days.',
      ),
    );
    const sunday = await typeInterval(form, 'Sunday', 1, '24:00', '25:00');
    await userEvent.tab();
    expect(
      within(sunday)
        .getAllByRole('alert')
        .map((a) => a.textContent),
    ).toEqual([
      'There is no 24:00: hours go from 00 to 23 and minutes from 00 to 59 (24:00 only as an end).',
      'There is no 25:00: hours go from 00 to 23 and minutes from 00 to 59 (24:00 only as an end).',
    ]);
  });

  it('asks for a name in its own words', async () => {
    const { form } = renderForm();
    await userEvent.click(within(form).getByRole('button', { name: 'Create time period' }));
    const name = within(form).getByLabelText('Name');
    await waitFor(() => expect(name.getAttribute('aria-invalid')).toBe('true'));
    expect(within(form).getByRole('alert').textContent).toBe('Must not be empty: give it a name.');
  });

  it('sends each day in order of start, in minutes, and puts the rows in that order', async () => {
    rpc.mockResolvedValue(saved());
    const { form, onSaved } = renderForm();
    await userEvent.type(within(form).getByLabelText('Name'), ' Office hours ');
    await typeInterval(form, 'Monday', 1, '13:00', '17:00');
    await typeInterval(form, 'Monday', 2, '08:00', '12:00');
    await typeInterval(form, 'Holiday', 1, '10:00', '24:00');
    await userEvent.click(within(form).getByRole('button', { name: 'Create time period' }));
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(saved(), true));
    expect(rpc).toHaveBeenCalledWith('timePeriods.create', {
      name: 'Office hours',
      description: '',
      rules: {
        ...emptyRules(),
        mon: [
          { start: 480, end: 720 },
          { start: 780, end: 1020 },
        ],
        holiday: [{ start: 600, end: 1440 }],
      },
    });
    expect(startOf(interval(form, 'Monday', 1)).value).toBe('08:00');
  });

  it("updates with the version it was opened at, and places the service's refusals beside their fields", async () => {
    const period = saved({ version: 3, rules: { ...saved().rules, tue: [{ start: 480, end: 1020 }] } });
    rpc.mockRejectedValue(
      new RpcCallError(ErrorCode.INVALID_PARAMS, 'Invalid params', {
        issues: [
          { path: 'rules.tue.0.end', message: 'must end before the lock sleeps' },
          { path: 'rules.sun', message: 'no access on Sundays here' },
          { path: 'colour', message: 'unrecognized key' },
        ],
      }),
    );
    const { form } = renderForm(period);
    expect(endOf(interval(form, 'Tuesday', 1)).value).toBe('17:00');
    await userEvent.click(within(form).getByRole('button', { name: 'Save time period' }));
    await waitFor(() => expect(rpc).toHaveBeenCalled());
    expect(rpc.mock.calls[0]![0]).toBe('timePeriods.update');
    expect(rpc.mock.calls[0]![1]).toMatchObject({ id: 7, version: 3, name: 'Office hours' });
    const tuesday = interval(form, 'Tuesday', 1);
    expect((await within(tuesday).findByRole('alert')).textContent).toBe('Must end before the lock sleeps.');
    expect(endOf(tuesday).getAttribute('aria-invalid')).toBe('true');
    expect(within(within(form).getByRole('group', { name: 'Sunday' })).getByRole('alert').textContent).toBe(
      'No access on Sundays here.',
    );
    expect(within(form).getAllByRole('alert')[0]!.textContent).toBe('Check these: colour: unrecognized key.');
  });

  it('says when someone else saved first, and when the name is taken', async () => {
    const { form } = renderForm(saved());
    rpc.mockRejectedValueOnce(new RpcCallError(ErrorCode.CONFLICT, 'Stale version', { currentVersion: 4 }));
    await userEvent.click(within(form).getByRole('button', { name: 'Save time period' }));
    expect((await within(form).findByRole('alert')).textContent).toMatch(
      /^Someone else changed this time period/,
    );

    rpc.mockRejectedValueOnce(
      new RpcCallError(ErrorCode.CONFLICT, 'a time period with that name exists', {}),
    );
    await userEvent.click(within(form).getByRole('button', { name: 'Save time period' }));
    await waitFor(() =>
      expect(within(form).getByLabelText('Name').getAttribute('aria-invalid')).toBe('true'),
    );
    expect(within(form).getByRole('alert').textContent).toBe(
      'A time period with that name exists. Choose another name.',
    );
  });

  it('speaks Spanish', async () => {
    setLanguage('es');
    renderInConsole(
      <TimePeriodForm failure={() => undefined} onSaved={() => undefined} onClose={() => undefined} />,
    );
    const form = await screen.findByRole('form', { name: 'Nuevo horario' });
    expect(within(form).getByRole('group', { name: 'Lunes' })).toBeDefined();
    await userEvent.click(within(form).getByRole('button', { name: 'Añadir un intervalo el lunes' }));
    await userEvent.type(within(form).getByLabelText('Inicio'), '8');
    await userEvent.click(within(form).getByRole('button', { name: 'Crear horario' }));
    const group = within(form).getByRole('group', { name: 'Lunes, intervalo 1' });
    expect((await within(group).findAllByRole('alert')).map((a) => a.textContent)).toEqual([
      'Escriba el inicio como HH:MM, por ejemplo 08:30.',
      'Escriba el fin como HH:MM, por ejemplo 17:00 (24:00 para medianoche).',
    ]);
  });
});
