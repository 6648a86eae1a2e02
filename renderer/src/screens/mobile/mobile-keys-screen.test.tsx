import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Permission } from '../../../../app/contract/permissions.js';
import { errorText } from '../../error-text.js';
import { setLanguage } from '../../i18n/i18n.js';
import type { SectionProps } from '../../section.js';
import { SiteTimeProvider } from '../../site-time.js';
import { renderInConsole } from '../../test-render.js';
import { rpcError } from '../auth/test-fixtures.js';
import { ada } from '../users/test-users.js';
import { MobileKeysScreen } from './mobile-keys-screen.js';
import { deliveredKey, relayNone, relayOk, sentKey } from './test-mobile.js';

// The RPC boundary: each method answers from `answers`.
const rpc = vi.hoisted(() => ({
  calls: [] as { method: string; params: Record<string, unknown> }[],
  answers: {} as Record<string, (params: Record<string, unknown>) => unknown>,
}));

vi.mock('../../rpc/client.js', () => ({
  call: vi.fn(async (method: string, params: Record<string, unknown>) => {
    rpc.calls.push({ method, params });
    const answer = rpc.answers[method];
    if (!answer) throw new Error(`unexpected call ${method}`);
    return answer(params);
  }),
  subscribe: vi.fn(() => () => undefined),
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

const LOOKER: Permission[] = ['users:read', 'site:read'];
const ADMIN: Permission[] = ['users:read', 'site:read', 'settings:admin'];
const SECRET = 'c2VydmljZS1zZWNyZXQtZXhhbXBsZS0wMTIzNDU2Nzg';

function renderScreen(granted: Permission[] = ADMIN) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return renderInConsole(
    <QueryClientProvider client={client}>
      <SiteTimeProvider timeZone="Europe/Madrid">
        <MobileKeysScreen {...props(granted)} />
      </SiteTimeProvider>
    </QueryClientProvider>,
    '/mobile-keys',
  );
}

const relayPanel = () => screen.getByRole('region', { name: 'Relay' });

beforeEach(() => {
  setLanguage('en');
  rpc.calls = [];
  rpc.answers = {
    'mobile.relay.get': () => relayOk,
    'mobile.keys.list': () => ({
      keys: [sentKey, deliveredKey, { ...sentKey, credentialId: 50, userId: null }],
    }),
    'users.get': (p) => ({ ...ada, id: p.id }),
  };
});

describe('the Mobile keys screen', () => {
  it('shows the relay and every mobile key of the site with its user', async () => {
    renderScreen(LOOKER);
    const facts = (await within(relayPanel()).findByText('Answering')).closest('dl')!;
    expect(facts.textContent).toContain('URLhttps://relay.example.com:8443');
    expect(facts.textContent).toContain('A1:B2:C3:D4:E5:F6');
    expect(facts.textContent).toContain('Last answeredMar 1, 2030, 10:30 AM');
    expect(within(relayPanel()).queryByRole('button', { name: /relay/ })).toBeNull();
    const table = await screen.findByRole('table', { name: '3 mobile keys' });
    await waitFor(() =>
      expect(within(table).getAllByRole('link', { name: 'Open Ada Lovelace' })).toHaveLength(2),
    );
    expect(within(table).getAllByRole('link')[0]!.getAttribute('href')).toBe('/users?user=7');
    expect(callsOf('mobile.keys.list')).toEqual([{}]);
    // Each user is read once, however many keys they hold.
    expect(callsOf('users.get')).toEqual([{ id: 7 }]);
    expect(within(table).queryByRole('button')).toBeNull();
  });

  it('says why the relay last failed', async () => {
    rpc.answers['mobile.relay.get'] = () => ({
      ...relayOk,
      lastError: 'The relay’s certificate does not match the fingerprint',
      lastErrorAt: '2030-03-01T10:00:00.000Z',
    });
    renderScreen(LOOKER);
    const facts = (await within(relayPanel()).findByText('Not answering')).closest('dl')!;
    expect(facts.textContent).toContain(
      'Last failureThe relay’s certificate does not match the fingerprint (Mar 1, 2030, 11:00 AM)',
    );
  });

  it('sets up the relay, refusing in place what the Service would refuse', async () => {
    rpc.answers['mobile.relay.get'] = () => relayNone;
    rpc.answers['mobile.relay.set'] = () => relayOk;
    renderScreen();
    expect(await within(relayPanel()).findByText('Not set up')).toBeDefined();
    await userEvent.click(within(relayPanel()).getByRole('button', { name: 'Set up the relay' }));
    const form = screen.getByRole('form', { name: 'Relay settings' });
    const save = () =>
      userEvent.click(within(form).getByRole('button', { name: 'Save and check the relay' }));
    await userEvent.type(
      within(form).getByRole('textbox', { name: /^Relay URL/ }),
      'http://relay.example.com',
    );
    await userEvent.type(within(form).getByRole('textbox', { name: /^Certificate fingerprint/ }), 'A1:B2');
    await save();
    expect(
      within(form)
        .getAllByRole('alert')
        .map((a) => a.textContent),
    ).toEqual([
      'Give the relay’s https:// URL.',
      'The fingerprint is 64 hex digits (colons allowed).',
      'Paste the service secret lintel relay printed.',
    ]);
    expect(callsOf('mobile.relay.set')).toEqual([]);

    await userEvent.clear(within(form).getByRole('textbox', { name: /^Relay URL/ }));
    await userEvent.type(
      within(form).getByRole('textbox', { name: /^Relay URL/ }),
      'https://relay.example.com:8443',
    );
    await userEvent.clear(within(form).getByRole('textbox', { name: /^Certificate fingerprint/ }));
    // Pasted, as an operator does with what lintel relay printed.
    await userEvent.click(within(form).getByRole('textbox', { name: /^Certificate fingerprint/ }));
    await userEvent.paste(relayOk.fingerprint!.toLowerCase());
    await userEvent.click(within(form).getByLabelText(/^Service secret/));
    await userEvent.paste(SECRET);
    await save();
    await waitFor(() =>
      expect(callsOf('mobile.relay.set')).toEqual([
        {
          url: 'https://relay.example.com:8443',
          fingerprint: relayOk.fingerprint!.toLowerCase(),
          secret: SECRET,
        },
      ]),
    );
    expect(await screen.findByText('The relay answered and is set up.')).toBeDefined();
    expect(screen.queryByRole('form', { name: 'Relay settings' })).toBeNull();
    expect(within(relayPanel()).getByText('Answering')).toBeDefined();
  });

  it('shows the Service’s answer when the relay does not answer to the settings', async () => {
    rpc.answers['mobile.relay.set'] = () => {
      throw rpcError(
        'UNAVAILABLE',
        'The relay at https://relay.example.com:8443 did not answer: check it runs',
      );
    };
    renderScreen();
    await userEvent.click(await within(relayPanel()).findByRole('button', { name: 'Change the relay' }));
    const form = screen.getByRole('form', { name: 'Relay settings' });
    // The URL and fingerprint are kept; the secret is typed anew.
    expect(within(form).getByRole('textbox', { name: /^Relay URL/ })).toHaveProperty(
      'value',
      'https://relay.example.com:8443',
    );
    await userEvent.click(within(form).getByLabelText(/^Service secret/));
    await userEvent.paste(SECRET);
    await userEvent.click(within(form).getByRole('button', { name: 'Save and check the relay' }));
    expect((await within(form).findByRole('alert')).textContent).toBe(
      'The relay at https://relay.example.com:8443 did not answer: check it runs.',
    );
  });
});
