import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { User } from '../../../../app/contract/methods/users.js';
import { renderInConsole } from '../../test-render.js';
import { UserTable } from './user-table.js';

const TOTAL = 100_000;
const calls: { limit: number; offset: number; search?: string }[] = [];

/** users.list over a virtual 100,000 users: page p holds users p*100+1 … */
vi.mock('../../rpc/client.js', () => ({
  call: vi.fn((method: string, p: { limit: number; offset: number; search?: string }) => {
    if (method !== 'users.list') throw new Error(method);
    calls.push(p);
    if (p.search === 'zzz') return Promise.resolve({ items: [], total: 0 });
    const items = Array.from({ length: Math.min(p.limit, TOTAL - p.offset) }, (_, i): User => {
      const id = p.offset + i + 1;
      return {
        id,
        firstName: `First${id}`,
        lastName: `Last${id}`,
        identifier: `E${id}`,
        department: 'Dept',
        validFrom: null,
        validUntil: null,
        pinSet: false,
        fingerprintEnrolled: false,
        privileges: { office: false, privacyOverride: false, extendedOpening: false },
        notes: '',
        accessLevelIds: [],
        activeKeys: 1,
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
        version: 0,
      };
    });
    return Promise.resolve({ items, total: TOTAL });
  }),
}));

beforeEach(() => {
  calls.length = 0;
});

// happy-dom lays nothing out: give every element the size of a 600 px tall viewport, which is what the
// virtualizer measures its scroll box with.
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'offsetHeight', { configurable: true, get: () => 600 });
  Object.defineProperty(HTMLElement.prototype, 'offsetWidth', { configurable: true, get: () => 1000 });
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 600 });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 1000 });
  HTMLElement.prototype.getBoundingClientRect = () => new DOMRect(0, 0, 1000, 600);
});

describe('the users table', () => {
  it('tells assistive tech how many rows there are, puts only a window in the document, and fetches only its page', async () => {
    const onOpen = vi.fn();
    const onSort = vi.fn();
    const onSelect = vi.fn();
    renderInConsole(
      <UserTable
        query={{ sort: 'lastName', order: 'asc' }}
        onSort={onSort}
        selected={new Set([2])}
        onSelect={onSelect}
        onOpen={onOpen}
      />,
    );
    const table = await screen.findByRole('table', { name: '100000 users' });
    expect(table.getAttribute('aria-rowcount')).toBe(String(TOTAL + 1));
    await screen.findByRole('button', { name: 'First1 Last1' });
    const rows = table.querySelectorAll('tbody tr[aria-rowindex]');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(100);
    expect(calls.every((c) => c.offset === 0 && c.limit === 100)).toBe(true);
    expect(rows[1]!.getAttribute('aria-selected')).toBe('true');

    await userEvent.click(screen.getByRole('button', { name: 'First1 Last1' }));
    expect(onOpen).toHaveBeenCalledWith(expect.objectContaining({ id: 1 }));
    await userEvent.click(screen.getByRole('checkbox', { name: 'Select First3 Last3' }));
    expect(onSelect).toHaveBeenCalledWith(3, true);
    await userEvent.click(screen.getByRole('button', { name: 'Identifier' }));
    expect(onSort).toHaveBeenCalledWith('identifier');
    expect(screen.getByRole('columnheader', { name: /Name/ }).getAttribute('aria-sort')).toBe('ascending');
  });

  it('says what to do when nothing matches', async () => {
    renderInConsole(
      <UserTable
        query={{ search: 'zzz', sort: 'lastName', order: 'asc' }}
        onSort={() => {}}
        selected={new Set()}
        onSelect={() => {}}
        onOpen={() => {}}
      />,
    );
    await screen.findByText('No user matches this search. Check the spelling, or clear the filters.');
    expect(calls).toEqual([{ search: 'zzz', sort: 'lastName', order: 'asc', limit: 100, offset: 0 }]);
  });
});
