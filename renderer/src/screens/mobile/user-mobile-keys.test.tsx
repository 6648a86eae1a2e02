import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Permission } from '../../../../app/contract/permissions.js';
import { errorText } from '../../error-text.js';
import { setLanguage } from '../../i18n/i18n.js';
import { SiteTimeProvider } from '../../site-time.js';
import { renderInConsole } from '../../test-render.js';
import { rpcError } from '../auth/test-fixtures.js';
import { ada } from '../users/test-users.js';
import {
  deliveredKey,
  iphone,
  lostKey,
  pixel,
  relayNone,
  relayOk,
  revokedKey,
  sentKey,
} from './test-mobile.js';
import { UserMobileKeys } from './user-mobile-keys.js';

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

const LOOKER: Permission[] = ['users:read'];
const ENCODER: Permission[] = ['users:read', 'keys:encode', 'site:read'];
const invitation = {
  invitationId: 'inv-1',
  code: 'K7QD-93XF-PL2M',
  relayUrl: 'https://relay.example.com:8443',
  fingerprint: relayOk.fingerprint!,
  expiresAt: '2030-03-02T09:30:00.000Z',
};

/** Ada's mobile keys panel with a cache of its own, in Madrid's time zone. */
function renderPanel(granted: Permission[] = ENCODER, onChanged = vi.fn()) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  renderInConsole(
    <QueryClientProvider client={client}>
      <SiteTimeProvider timeZone="Europe/Madrid">
        <UserMobileKeys
          user={ada}
          timeZone="Europe/Madrid"
          can={(p) => granted.includes(p)}
          failure={errorText}
          onChanged={onChanged}
        />
      </SiteTimeProvider>
    </QueryClientProvider>,
  );
  return onChanged;
}

const panel = () => screen.getByRole('region', { name: 'Mobile keys of Ada Lovelace' });
const keyTable = () => screen.findByRole('table', { name: /mobile keys?$/ });
const rowsOf = async (table: Promise<HTMLElement>) =>
  within(await table)
    .getAllByRole('row')
    .slice(1)
    .map((r) => r.textContent);

beforeEach(() => {
  setLanguage('en');
  rpc.calls = [];
  rpc.listeners.clear();
  rpc.answers = {
    'mobile.phones.list': () => ({ phones: [pixel], invitations: [] }),
    'mobile.keys.list': () => ({ keys: [sentKey, deliveredKey, lostKey, revokedKey] }),
    'mobile.relay.get': () => relayOk,
  };
});

describe('a user’s mobile keys', () => {
  it('lists the phones and the keys with their state, and only looks without keys:encode', async () => {
    rpc.answers['mobile.phones.list'] = () => ({
      phones: [pixel],
      invitations: [
        { invitationId: 'inv-0', userId: 7, createdAt: pixel.enrolledAt, expiresAt: invitation.expiresAt },
      ],
    });
    renderPanel(LOOKER);
    expect(await rowsOf(screen.findByRole('table', { name: '1 phone' }))).toEqual([
      'Ada’s PixelMar 1, 2030, 10:30 AM1',
    ]);
    expect(await rowsOf(keyTable())).toEqual([
      '41Ada’s PixelSentThe relay holds it until the phone fetches it.Mar 1, 2030, 10:30 AMMar 1, 2031, 10:30 AM',
      '40Ada’s PixelDelivereddelivered Mar 1, 2030, 10:31 AMMar 1, 2030, 10:30 AMMar 1, 2031, 10:30 AM',
      '39Ada’s PixelLostThe relay dropped it before the phone fetched it: re-send it.Mar 1, 2030, 10:30 AMMar 1, 2031, 10:30 AM',
      '38Removed phoneRevokedrevoked Feb 1, 2030, 11:00 AMMar 1, 2030, 10:30 AMMar 1, 2031, 10:30 AM',
    ]);
    expect(panel().textContent).toContain(
      'Invitation waiting for a phone, valid until Mar 2, 2030, 10:30 AM',
    );
    expect(within(panel()).queryByRole('button', { name: 'Invite a phone' })).toBeNull();
    expect(within(panel()).queryByRole('button', { name: /^Revoke/ })).toBeNull();
    expect(within(panel()).queryByRole('form')).toBeNull();
    // Without site:read the relay is not asked.
    expect(callsOf('mobile.relay.get')).toEqual([]);
    expect(callsOf('mobile.keys.list')).toEqual([{ userId: 7 }]);
  });

  it('warns when no relay is set up', async () => {
    rpc.answers['mobile.relay.get'] = () => relayNone;
    renderPanel();
    expect(await within(panel()).findByText(/^No relay is set up yet/)).toBeDefined();
  });

  it('invites a phone and shows the code, relay URL, fingerprint and expiry once', async () => {
    rpc.answers['mobile.phones.invite'] = () => invitation;
    renderPanel();
    await userEvent.click(await within(panel()).findByRole('button', { name: 'Invite a phone' }));
    const dialog = await screen.findByRole('dialog', { name: 'Invitation for a phone of Ada Lovelace' });
    expect(callsOf('mobile.phones.invite')).toEqual([{ userId: 7 }]);
    const field = (name: string | RegExp) => within(dialog).getByRole('textbox', { name });
    expect(field('Enrolment code')).toHaveProperty('value', 'K7QD-93XF-PL2M');
    expect(field('Relay URL')).toHaveProperty('value', 'https://relay.example.com:8443');
    expect(field(/^Relay fingerprint/)).toHaveProperty(
      'value',
      'A1:B2:C3:D4:E5:F6:07:18:29:3A:4B:5C:6D:7E:8F:90:A1:B2:C3:D4:E5:F6:07:18:29:3A:4B:5C:6D:7E:8F:90',
    );
    expect(field('Phone command')).toHaveProperty(
      'value',
      `enrol https://relay.example.com:8443 ${relayOk.fingerprint} K7QD-93XF-PL2M`,
    );
    expect(dialog.textContent).toContain('Valid once, until Mar 2, 2030, 10:30 AM.');
    expect(dialog.textContent).toContain('shown only now');
    await userEvent.click(within(dialog).getAllByRole('button', { name: 'Copy' })[0]!);
    expect(await within(dialog).findByText('Copied.')).toBeDefined();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Done: I have handed over the code' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.queryByText('K7QD-93XF-PL2M')).toBeNull();
  });

  it('issues a key to a chosen phone until the end of a day of the site', async () => {
    rpc.answers['mobile.phones.list'] = () => ({ phones: [pixel, iphone], invitations: [] });
    rpc.answers['mobile.keys.issue'] = () => ({ credentialId: 42, state: 'sent' });
    const onChanged = renderPanel();
    const form = await within(panel()).findByRole('form', { name: 'Issue a mobile key' });
    const submit = () => userEvent.click(within(form).getByRole('button', { name: 'Issue mobile key' }));
    const until = within(form).getByLabelText(/^Valid until/);
    fireEvent.change(until, { target: { value: '2020-01-01' } });
    await submit();
    expect(
      within(form)
        .getAllByRole('alert')
        .map((a) => a.textContent),
    ).toEqual(['Choose the phone to send the key to.', 'Give a day from today on, or leave it empty.']);
    expect(callsOf('mobile.keys.issue')).toEqual([]);

    await userEvent.selectOptions(within(form).getByRole('combobox', { name: 'Phone' }), 'Work iPhone');
    fireEvent.change(until, { target: { value: '2099-06-30' } });
    await submit();
    await waitFor(() =>
      expect(callsOf('mobile.keys.issue')).toEqual([
        // The end of 30 June in Madrid (CEST, UTC+2).
        { userId: 7, phoneId: 'ph_iphone', validUntil: '2099-06-30T22:00:00.000Z' },
      ]),
    );
    expect(
      await within(panel()).findByText('Mobile key 42 was issued and sent to Work iPhone.'),
    ).toBeDefined();
    expect(onChanged).toHaveBeenCalled();
    // Empty: the Service's default validity.
    await userEvent.selectOptions(within(form).getByRole('combobox', { name: 'Phone' }), 'Ada’s Pixel');
    await submit();
    await waitFor(() => expect(callsOf('mobile.keys.issue')[1]).toEqual({ userId: 7, phoneId: 'ph_pixel' }));
  });

  it('says to connect the NCoder when it cannot seal', async () => {
    rpc.answers['mobile.keys.issue'] = () => {
      throw rpcError('ENCODER_UNAVAILABLE', 'No NCoder is connected');
    };
    renderPanel();
    const form = await within(panel()).findByRole('form', { name: 'Issue a mobile key' });
    // The only phone is chosen already.
    await userEvent.click(within(form).getByRole('button', { name: 'Issue mobile key' }));
    expect((await within(form).findByRole('alert')).textContent).toBe(
      'The card encoder (NCoder) seals mobile keys: connect and pair it, then issue again.',
    );
  });

  it('tells to invite a phone before a key can be issued', async () => {
    rpc.answers['mobile.phones.list'] = () => ({ phones: [], invitations: [] });
    rpc.answers['mobile.keys.list'] = () => ({ keys: [] });
    renderPanel();
    expect(
      await within(panel()).findByText('Invite a phone first: a key goes to an enrolled phone.'),
    ).toBeDefined();
    expect(within(panel()).getByText('No phone enrolled yet.')).toBeDefined();
    expect(within(panel()).getByText('No mobile key yet.')).toBeDefined();
  });

  it('re-sends a key, and revokes one after asking', async () => {
    rpc.answers['mobile.keys.resend'] = () => ({ credentialId: 39, state: 'sent' });
    rpc.answers['mobile.keys.revoke'] = () => ({ credentialId: 41, state: 'revoked' });
    renderPanel();
    // A revoked key has nothing to do; one whose phone was removed cannot be re-sent.
    await keyTable();
    expect(within(panel()).queryByRole('button', { name: 'Revoke key 38' })).toBeNull();
    await userEvent.click(within(panel()).getByRole('button', { name: 'Re-send key 39' }));
    expect(await within(panel()).findByText('Key 39 was sealed again and sent to the phone.')).toBeDefined();
    expect(callsOf('mobile.keys.resend')).toEqual([{ credentialId: 39 }]);

    await userEvent.click(within(panel()).getByRole('button', { name: 'Revoke key 41' }));
    const ask = screen.getByRole('dialog', { name: 'Revoke mobile key 41?' });
    expect(ask.textContent).toContain('put on the blacklist');
    await userEvent.click(within(ask).getByRole('button', { name: 'Revoke the key' }));
    expect(await within(panel()).findByText('Key 41 was revoked.')).toBeDefined();
    expect(callsOf('mobile.keys.revoke')).toEqual([{ credentialId: 41 }]);
  });

  it('removes a phone after asking, revoking its keys', async () => {
    rpc.answers['mobile.phones.remove'] = () => ({ revoked: [41, 40] });
    renderPanel();
    await userEvent.click(
      await within(panel()).findByRole('button', { name: 'Remove the phone Ada’s Pixel' }),
    );
    const ask = screen.getByRole('dialog', { name: 'Remove the phone Ada’s Pixel?' });
    await userEvent.click(within(ask).getByRole('button', { name: 'Remove the phone' }));
    expect(
      await within(panel()).findByText('The phone Ada’s Pixel was removed and its 2 keys revoked.'),
    ).toBeDefined();
    expect(callsOf('mobile.phones.remove')).toEqual([{ phoneId: 'ph_pixel' }]);
  });

  it('follows mobile.changed: a phone enrolling, a key delivered', async () => {
    rpc.answers['mobile.phones.list'] = () => ({ phones: [], invitations: [] });
    rpc.answers['mobile.keys.list'] = () => ({ keys: [] });
    renderPanel();
    expect(await within(panel()).findByText('No phone enrolled yet.')).toBeDefined();
    rpc.answers['mobile.phones.list'] = () => ({ phones: [pixel], invitations: [] });
    act(() =>
      rpc.listeners.get('mobile.changed')?.({
        at: new Date().toISOString(),
        payload: { what: 'phones', userId: 7 },
      }),
    );
    expect(await screen.findByRole('table', { name: '1 phone' })).toBeDefined();
    rpc.answers['mobile.keys.list'] = () => ({ keys: [deliveredKey] });
    // Another user's change is not ours.
    const before = callsOf('mobile.keys.list').length;
    act(() =>
      rpc.listeners.get('mobile.changed')?.({
        at: new Date().toISOString(),
        payload: { what: 'keys', userId: 8 },
      }),
    );
    act(() =>
      rpc.listeners.get('mobile.changed')?.({
        at: new Date().toISOString(),
        payload: { what: 'keys', userId: 7 },
      }),
    );
    expect(await rowsOf(keyTable())).toEqual([expect.stringMatching(/^40Ada’s PixelDelivered/)]);
    expect(callsOf('mobile.keys.list').length).toBeLessThanOrEqual(before + 2);
  });
});
