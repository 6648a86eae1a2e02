import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditEntry, AuditVerification } from '../../../../app/contract/methods/audit.js';
import { setLanguage } from '../../i18n/i18n.js';
import type { SectionProps } from '../../section.js';
import { renderInConsole } from '../../test-render.js';
import { AuditScreen } from '../audit-screen.js';

const rpc = vi.hoisted(() => ({
  calls: [] as { method: string; params: Record<string, unknown> }[],
  entries: [] as AuditEntry[],
  verification: undefined as AuditVerification | undefined,
}));

vi.mock('../../rpc/client.js', () => ({
  call: vi.fn(async (method: string, params: Record<string, unknown>) => {
    rpc.calls.push({ method, params });
    if (method === 'audit.list') {
      const action = params.action as string | undefined;
      const entries = rpc.entries.filter((e) => !action || e.action.startsWith(action));
      const before = params.before as number | undefined;
      const page = entries.filter((e) => !before || e.seq < before).slice(0, 2);
      const last = page.at(-1);
      return {
        entries: page,
        ...(last && entries.some((e) => e.seq < last.seq) ? { nextBefore: last.seq } : {}),
      };
    }
    if (method === 'audit.verify') return rpc.verification;
    throw new Error(`unexpected call ${method}`);
  }),
  subscribe: vi.fn(() => () => undefined),
}));

const entry = (seq: number, action: string, outcome = 'ok'): AuditEntry => ({
  seq,
  at: `2026-11-0${seq}T09:00:00.000Z`,
  operatorId: 1,
  actor: 'admin',
  action,
  target: `operator:${seq}`,
  outcome,
  source: 'https 127.0.0.1',
  detail: { n: seq },
  hash: 'ab'.repeat(32),
});

function renderScreen() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const props = {
    session: {},
    site: { name: 'Harbour Office', timeZone: 'America/New_York', version: 1 },
    can: () => true,
    failure: () => 'failed',
    onSiteChanged: () => undefined,
    onSessionRenewed: () => undefined,
  } as unknown as SectionProps;
  return renderInConsole(
    <QueryClientProvider client={client}>
      <AuditScreen {...props} />
    </QueryClientProvider>,
  );
}

beforeEach(() => {
  rpc.calls = [];
  rpc.entries = [
    entry(4, 'operators.update'),
    entry(3, 'session.login', 'INVALID_CREDENTIALS'),
    entry(2, 'operators.create'),
    entry(1, 'setup.createAdmin'),
  ];
  rpc.verification = { ok: true, entries: 4, head: { seq: 4, hash: 'ab'.repeat(32) } };
});

describe('the audit log screen', () => {
  it('lists entries newest first in the site time zone, and pages back in time', async () => {
    renderScreen();
    const table = await screen.findByRole('table', {
      name: '2 entries, newest first (older ones on request)',
    });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows[0]!.textContent).toContain('operators.update');
    // 09:00 UTC is 04:00 in New York in November.
    expect(rows[0]!.textContent).toContain('4:00:00');
    expect(rows[1]!.className).toContain('failed');
    await userEvent.click(screen.getByRole('button', { name: 'Older entries' }));
    await screen.findByRole('table', { name: '4 entries, newest first' });
    expect(rpc.calls.at(-1)).toEqual({ method: 'audit.list', params: { limit: 100, before: 3 } });
  });

  it('applies the filters on request, times read in the site zone', async () => {
    renderScreen();
    await screen.findByRole('table', { name: /entries/ });
    await userEvent.type(screen.getByLabelText('Action'), 'operators.');
    await userEvent.type(screen.getByLabelText('From'), '2026-11-01T00:00');
    expect(rpc.calls).toHaveLength(1);
    await userEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() =>
      expect(rpc.calls.at(-1)).toEqual({
        method: 'audit.list',
        params: { action: 'operators.', from: '2026-11-01T04:00:00.000Z', limit: 100 },
      }),
    );
    const table = await screen.findByRole('table', { name: '2 entries, newest first' });
    for (const cell of within(table).getAllByRole('row').slice(1))
      expect(cell.querySelector('td:nth-child(4)')!.textContent).toMatch(/^operators\./);
  });

  it('says whether the hash chain is intact', async () => {
    renderScreen();
    await screen.findByRole('table', { name: /entries/ });
    await userEvent.click(screen.getByRole('button', { name: 'Verify chain' }));
    const status = await screen.findByRole('status');
    expect(status.textContent).toBe(
      'The audit chain is intact: 4 entries, up to entry #4 (hash abababababababab…).',
    );
    rpc.verification = {
      ok: false,
      entries: 4,
      head: { seq: 4, hash: 'cd'.repeat(32) },
      firstBreak: { seq: 3, reason: 'the hash does not match' },
    };
    await userEvent.click(screen.getByRole('button', { name: 'Verify chain' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(
      /^The audit chain is broken at entry #3: the hash does not match\./,
    );
  });

  it('speaks Spanish', async () => {
    setLanguage('es');
    try {
      renderScreen();
      await screen.findByRole('table', {
        name: '2 entradas, de la más reciente a la más antigua (las anteriores, a petición)',
      });
      expect(screen.getByRole('button', { name: 'Verificar la cadena' })).toBeDefined();
      expect(screen.getByLabelText('Acción')).toBeDefined();
    } finally {
      setLanguage('en');
    }
  });
});
