import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Permission } from '../../../../app/contract/permissions.js';
import { errorText } from '../../error-text.js';
import { setLanguage } from '../../i18n/i18n.js';
import type { SectionProps } from '../../section.js';
import { SiteTimeProvider } from '../../site-time.js';
import { renderInConsole } from '../../test-render.js';
import { rpcError } from '../auth/test-fixtures.js';
import { keyOf } from '../users/test-users.js';
import { EncoderScreen } from './encoder-screen.js';
import { UID, adaCard, encoderIn, stepOf } from './test-encoder.js';

// The RPC boundary: each method answers from `answers` (a test sets what it needs); a held call waits
// for the test to settle it; subscribe hands the live listeners to the test.
const rpc = vi.hoisted(() => ({
  calls: [] as { method: string; params: Record<string, unknown> }[],
  answers: {} as Record<string, (params: Record<string, unknown>) => unknown>,
  listeners: new Map<string, (e: { at: string; payload: unknown }) => void>(),
  held: undefined as { resolve: (v: unknown) => void; reject: (e: unknown) => void } | undefined,
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

/** Makes a method wait until the test settles it through `rpc.held`. */
const hold = () => () => new Promise((resolve, reject) => (rpc.held = { resolve, reject }));

/** Delivers a live event, as the transport would. */
function emit(topic: string, payload: unknown) {
  act(() => rpc.listeners.get(topic)?.({ at: new Date().toISOString(), payload }));
}

const callsOf = (method: string) => rpc.calls.filter((c) => c.method === method);
/** The operationId of the last call of a method. */
const operationOf = (method: string) => callsOf(method).at(-1)!.params.operationId as string;

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

const OPERATOR: Permission[] = ['site:read', 'users:read', 'keys:encode'];
const ADMIN: Permission[] = [...OPERATOR, 'settings:admin'];

/** The screen with a cache of its own, in Madrid's time zone; `route` is its address. */
function renderScreen(granted: Permission[] = OPERATOR, route = '/encoder') {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return renderInConsole(
    <QueryClientProvider client={client}>
      <SiteTimeProvider timeZone="Europe/Madrid">
        <EncoderScreen {...props(granted)} />
      </SiteTimeProvider>
    </QueryClientProvider>,
    route,
  );
}

const encoderPanel = () => screen.getByRole('region', { name: 'The NCoder' });
const cardPanel = () => screen.getByRole('region', { name: 'The card' });
const button = (name: string) => within(cardPanel()).getByRole('button', { name });
/** Waits until the card is on a ready encoder and the card buttons can be used. */
async function cardPlaced() {
  await within(encoderPanel()).findByText(UID);
  await waitFor(() => expect(button('Read')).toHaveProperty('disabled', false));
}

beforeEach(() => {
  setLanguage('en');
  rpc.calls = [];
  rpc.listeners.clear();
  rpc.held = undefined;
  rpc.answers = {
    'encoder.status': () => encoderIn('ready'),
    'operations.cancel': () => ({ cancelled: true }),
    'users.get': ({ id }) => ({ id, firstName: 'Ada', lastName: 'Lovelace' }),
    'users.list': () => ({ items: [], total: 0 }),
  };
});

describe('the encoder status', () => {
  it.each([
    ['absent', /Plug in the NCoder/, /lintel sim ncoder provides a simulated one/],
    ['unpaired', /not paired with any site yet/, /An administrator \(with settings:admin\) can pair it here/],
    [
      'paired-elsewhere',
      /belongs to another site: factory-reset it to pair it here/,
      /Paired with another site/,
    ],
    ['busy', /An operation is using the encoder/, /NC-0042/],
  ] as const)('%s: says what to do', async (state, guidance, more) => {
    rpc.answers['encoder.status'] = () => encoderIn(state);
    renderScreen();
    const panel = encoderPanel();
    expect((await within(panel).findByText(guidance)).textContent).toMatch(guidance);
    expect(panel.textContent).toMatch(more);
    // Nothing can be done to a card.
    expect(button('Read')).toHaveProperty('disabled', true);
    expect(button('Encode the card')).toHaveProperty('disabled', true);
    expect(within(panel).queryByRole('button', { name: 'Pair with this site' })).toBeNull();
  });

  it('ready: shows the serial, firmware and the card on it, or asks for a card', async () => {
    rpc.answers['encoder.status'] = () => encoderIn('ready', null);
    renderScreen();
    const panel = encoderPanel();
    expect(await within(panel).findByText('Place a card on the encoder.')).toBeDefined();
    expect(panel.textContent).toMatch(/Ready.*Serial number.*NC-0042.*Firmware.*2\.1\.0/);
    expect(within(cardPanel()).getByText('Place a card on the encoder to read or write it.')).toBeDefined();

    // A card arrives: the poll sees it.
    rpc.answers['encoder.status'] = () => encoderIn('ready', { uid: '08112233', randomId: true });
    expect(await within(panel).findByText('08112233', {}, { timeout: 3_000 })).toBeDefined();
    expect(panel.textContent).toMatch(/random ID: the card hides its real UID/);
    await waitFor(() => expect(button('Read')).toHaveProperty('disabled', false));
  });

  it('follows encoder.changed at once: plugged in, then unplugged', async () => {
    rpc.answers['encoder.status'] = () => encoderIn('absent');
    renderScreen();
    await within(encoderPanel()).findByText(/Plug in the NCoder/);
    rpc.answers['encoder.status'] = () => encoderIn('ready');
    emit('encoder.changed', encoderIn('ready', null));
    expect(await within(encoderPanel()).findByText('Ready to read and write cards.')).toBeDefined();
    await within(encoderPanel()).findByText(UID);
  });

  it('offers Pair only to operators with settings:admin, and pairs after confirmation', async () => {
    rpc.answers['encoder.status'] = () => encoderIn('unpaired');
    const { unmount } = renderScreen(OPERATOR);
    await within(encoderPanel()).findByText(/can pair it here/);
    expect(screen.queryByRole('button', { name: 'Pair with this site' })).toBeNull();
    unmount();

    rpc.answers['encoder.pair'] = () => encoderIn('ready', null);
    renderScreen(ADMIN);
    await userEvent.click(await screen.findByRole('button', { name: 'Pair with this site' }));
    const dialog = screen.getByRole('dialog', { name: 'Pair this NCoder with this site?' });
    expect(callsOf('encoder.pair')).toHaveLength(0);
    rpc.answers['encoder.status'] = () => encoderIn('ready', null);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Pair the NCoder' }));
    expect(await screen.findByText('The NCoder is paired with this site and ready.')).toBeDefined();
    expect(callsOf('encoder.pair')).toEqual([{ method: 'encoder.pair', params: {} }]);
    expect(screen.queryByRole('button', { name: 'Pair with this site' })).toBeNull();
  });
});

describe('encoding a card', () => {
  it('encodes for the user from the address, step by step, then shows what the card holds', async () => {
    rpc.answers['encoder.encode'] = hold();
    renderScreen(OPERATOR, '/encoder?user=7');
    await cardPlaced();
    const form = screen.getByRole('form', { name: 'Encode a key' });
    await waitFor(() =>
      expect(within(form).getByLabelText('Cardholder', { selector: 'input' })).toHaveProperty(
        'value',
        'Ada Lovelace',
      ),
    );
    await userEvent.type(within(form).getByLabelText(/^Revalidate within/), '168');
    await userEvent.click(within(form).getByRole('button', { name: 'Encode the card' }));

    await waitFor(() => expect(callsOf('encoder.encode')).toHaveLength(1));
    const operationId = operationOf('encoder.encode');
    expect(callsOf('encoder.encode')[0]!.params).toEqual({ userId: 7, revalidationHours: 168, operationId });
    const progress = screen.getByRole('group', { name: 'Card operation progress' });
    const steps = within(progress).getByRole('list', { name: 'Steps' });
    expect(
      within(steps)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['Detect the card', 'Authenticate', 'Format', 'Write', 'Verify']);
    expect(within(progress).getByRole('status').textContent).toBe('Starting. Keep the card on the encoder.');
    // The card buttons wait for this operation.
    expect(button('Read')).toHaveProperty('disabled', true);

    // Another operation's progress is not this one's.
    emit('operation.progress', stepOf(crypto.randomUUID(), 'encoder.read', 'verify', 4));
    expect(within(progress).getByRole('status').textContent).toBe('Starting. Keep the card on the encoder.');

    emit('operation.progress', stepOf(operationId, 'encoder.encode', 'detect', 0));
    expect(within(progress).getByRole('status').textContent).toBe(
      'Step 1 of 5: Detect the card. Keep the card on the encoder.',
    );
    emit('operation.progress', stepOf(operationId, 'encoder.encode', 'authenticate', 1));
    expect(within(progress).getByRole('status').textContent).toBe(
      'Step 2 of 5: Authenticate. Keep the card on the encoder.',
    );
    const current = () =>
      within(steps)
        .getAllByRole('listitem')
        .find((li) => li.getAttribute('aria-current'));
    expect(current()?.textContent).toBe('Authenticate (in progress)');
    expect(within(steps).getAllByRole('listitem')[0]!.textContent).toBe('Detect the card (done)');
    expect(within(progress).getByRole('button', { name: 'Cancel: Encoding the card' })).toHaveProperty(
      'disabled',
      false,
    );
    expect(
      within(progress).getByRole('progressbar', { name: 'Card operation progress' }).getAttribute('value'),
    ).toBe('1');

    // The card was formatted already: the service goes on to write, and the card's commit is made
    // there: no more cancelling, and the screen says so.
    emit('operation.progress', stepOf(operationId, 'encoder.encode', 'write', 2, 4, 'writing'));
    expect(within(progress).getByRole('status').textContent).toMatch(
      /^Step 3 of 4: Write\. Committed: this can no longer be cancelled/,
    );
    expect(
      within(steps)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual([
      'Detect the card (done)',
      'Authenticate (done)',
      'Format (not needed)',
      'Write (in progress)',
      'Verify',
    ]);
    expect(within(progress).getByRole('button', { name: 'Cancel: Encoding the card' })).toHaveProperty(
      'disabled',
      true,
    );
    emit('operation.progress', stepOf(operationId, 'encoder.encode', 'verify', 3, 4, 'writing'));
    expect(current()?.textContent).toBe('Verify (in progress)');

    act(() => rpc.held!.resolve({ key: keyOf(11, UID), card: adaCard() }));
    expect(await screen.findByText(`Key ${UID} encoded for Ada Lovelace.`)).toBeDefined();
    expect(screen.queryByRole('group', { name: 'Card operation progress' })).toBeNull();
    expect(rpc.listeners.has('operation.progress')).toBe(false);
    const report = screen.getByRole('region', { name: 'What the card holds' });
    expect(within(report).getByRole('link', { name: 'Ada Lovelace' }).getAttribute('href')).toBe(
      '/users?user=7',
    );
    // The form is cleared for the next card.
    expect(within(form).getByLabelText('Cardholder', { selector: 'input' })).toHaveProperty('value', '');
  });

  it('refuses to encode without a cardholder, or with a last day in the past', async () => {
    renderScreen();
    await cardPlaced();
    const form = screen.getByRole('form', { name: 'Encode a key' });
    fireEvent.change(within(form).getByLabelText(/^Last valid day/), { target: { value: '2001-01-01' } });
    await userEvent.click(within(form).getByRole('button', { name: 'Encode the card' }));
    const alerts = (await within(form).findAllByRole('alert')).map((a) => a.textContent);
    expect(alerts).toContain('Choose the cardholder to encode the key for.');
    expect(alerts).toContain('The last valid day cannot be in the past.');
    expect(callsOf('encoder.encode')).toHaveLength(0);
  });

  it('sends the last valid day as the end of that day in the site’s time zone', async () => {
    rpc.answers['encoder.encode'] = () => ({ key: keyOf(11, UID), card: adaCard() });
    renderScreen(OPERATOR, '/encoder?user=7');
    await cardPlaced();
    const form = screen.getByRole('form', { name: 'Encode a key' });
    await waitFor(() =>
      expect(within(form).getByLabelText('Cardholder', { selector: 'input' })).toHaveProperty(
        'value',
        'Ada Lovelace',
      ),
    );
    fireEvent.change(within(form).getByLabelText(/^Last valid day/), { target: { value: '2099-12-31' } });
    await userEvent.click(within(form).getByRole('button', { name: 'Encode the card' }));
    await screen.findByText(`Key ${UID} encoded for Ada Lovelace.`);
    // Midnight starting 2100-01-01 in Madrid (CET, UTC+1).
    expect(callsOf('encoder.encode')[0]!.params).toMatchObject({
      userId: 7,
      expiresAt: '2099-12-31T23:00:00.000Z',
    });
  });
});

describe('cancelling and failures', () => {
  it('cancels a running read by its operationId', async () => {
    rpc.answers['encoder.read'] = hold();
    renderScreen();
    await cardPlaced();
    await userEvent.click(button('Read'));
    await waitFor(() => expect(callsOf('encoder.read')).toHaveLength(1));
    const operationId = operationOf('encoder.read');
    const progress = screen.getByRole('group', { name: 'Card operation progress' });
    expect(
      within(within(progress).getByRole('list', { name: 'Steps' }))
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['Detect the card', 'Authenticate']);
    emit('operation.progress', stepOf(operationId, 'encoder.read', 'authenticate', 1, 2));

    await userEvent.click(within(progress).getByRole('button', { name: 'Cancel: Reading the card' }));
    expect(callsOf('operations.cancel')).toEqual([{ method: 'operations.cancel', params: { operationId } }]);
    expect(within(progress).getByRole('button', { name: 'Cancel: Reading the card' }).textContent).toBe(
      'Cancelling…',
    );
    act(() => rpc.held!.reject(rpcError('CANCELLED', 'Cancelled')));
    expect(await screen.findByText('Cancelled: the card was not changed.')).toBeDefined();
    expect(screen.queryByRole('group', { name: 'Card operation progress' })).toBeNull();
    expect(screen.queryByRole('region', { name: 'What the card holds' })).toBeNull();
  });

  it('says when it was too late to cancel', async () => {
    rpc.answers['encoder.update'] = hold();
    rpc.answers['operations.cancel'] = () => ({ cancelled: false });
    renderScreen();
    await cardPlaced();
    await userEvent.click(button('Update'));
    await waitFor(() => expect(callsOf('encoder.update')).toHaveLength(1));
    await userEvent.click(screen.getByRole('button', { name: 'Cancel: Updating the card' }));
    expect(await screen.findByText(/^Too late to cancel/)).toBeDefined();
    act(() => rpc.held!.resolve({ key: keyOf(11, UID), card: adaCard() }));
    expect(
      await screen.findByText(`Card ${UID} rewritten with the current access; its key is revalidated.`),
    ).toBeDefined();
  });

  it('cancels the running operation when the operator leaves the screen', async () => {
    rpc.answers['encoder.encode'] = hold();
    const { unmount } = renderScreen(OPERATOR, '/encoder?user=7');
    await cardPlaced();
    const form = screen.getByRole('form', { name: 'Encode a key' });
    await waitFor(() =>
      expect(within(form).getByLabelText('Cardholder', { selector: 'input' })).toHaveProperty(
        'value',
        'Ada Lovelace',
      ),
    );
    await userEvent.click(within(form).getByRole('button', { name: 'Encode the card' }));
    await waitFor(() => expect(callsOf('encoder.encode')).toHaveLength(1));
    const operationId = operationOf('encoder.encode');
    unmount();
    expect(callsOf('operations.cancel')).toEqual([{ method: 'operations.cancel', params: { operationId } }]);
    expect(rpc.listeners.has('operation.progress')).toBe(false);
  });

  it.each([
    [
      rpcError('CARD_ERROR', 'card removed', { reason: 'removed' }),
      'The card was taken off the encoder too soon. Nothing was half-written: place the card again and retry.',
    ],
    [
      rpcError('CARD_ERROR', 'unverified', { reason: 'unverified' }),
      'The write could not be confirmed: the card holds either its old data or the new. Place the card again and press Read to check what it holds.',
    ],
    [
      rpcError('CARD_ERROR', 'other site', { reason: 'other-site' }),
      'This card belongs to another Lintel site. Erase it on that site before encoding it here.',
    ],
    [
      rpcError('CARD_ERROR', 'The card is not what we thought', { reason: 'something-new' }),
      'The card is not what we thought.',
    ],
    [
      rpcError('ENCODER_UNAVAILABLE', 'unplugged', { reason: 'unplugged' }),
      'The NCoder was unplugged. Plug it in again, place the card and press Read to check what it holds.',
    ],
    [
      rpcError('ENCODER_UNAVAILABLE', 'busy', { reason: 'busy' }),
      'The NCoder is busy with another operation. Wait for it to finish, then try again.',
    ],
  ])('says what to do about %s', async (err, words) => {
    rpc.answers['encoder.update'] = () => Promise.reject(err);
    renderScreen();
    await cardPlaced();
    await userEvent.click(button('Update'));
    expect((await within(cardPanel()).findByRole('alert')).textContent).toBe(words);
    expect(screen.queryByRole('group', { name: 'Card operation progress' })).toBeNull();
  });

  it('says it in Spanish too', async () => {
    setLanguage('es');
    rpc.answers['encoder.read'] = () =>
      Promise.reject(rpcError('CARD_ERROR', 'no card', { reason: 'no-card' }));
    renderScreen();
    await within(screen.getByRole('region', { name: 'El NCoder' })).findByText(UID);
    const panel = screen.getByRole('region', { name: 'La tarjeta' });
    await waitFor(() =>
      expect(within(panel).getByRole('button', { name: 'Leer' })).toHaveProperty('disabled', false),
    );
    await userEvent.click(within(panel).getByRole('button', { name: 'Leer' }));
    expect((await within(panel).findByRole('alert')).textContent).toBe(
      'No hay ninguna tarjeta en el codificador. Coloque una y vuelva a intentarlo.',
    );
    setLanguage('en');
  });
});

describe('what a card holds', () => {
  it('shows holder, key, validity, flags, rights and audit records after Read', async () => {
    rpc.answers['encoder.read'] = () => adaCard();
    renderScreen();
    await cardPlaced();
    await userEvent.click(button('Read'));
    expect(await screen.findByText(`Card ${UID} read.`)).toBeDefined();
    const report = screen.getByRole('region', { name: 'What the card holds' });
    const text = report.textContent!;
    expect(text).toMatch(/Holder\s*Ada Lovelace/);
    expect(text).toMatch(new RegExp(`Key\\s*${UID}\\s*Key status\\s*Issued`));
    expect(text).toMatch(/Valid from\s*No limit/);
    // 2030-12-31T23:00Z is midnight in Madrid.
    expect(text).toMatch(/Valid until\s*Jan 1, 2031/);
    expect(text).toMatch(/Blacklist entries carried\s*3 cancelled keys \(newest #42\)/);
    expect(text).toMatch(/Card format 1, written with version 2 of the site’s card keys/);
    expect(text).toMatch(/Up to date with the database/);

    const flags = within(report).getByRole('region', { name: 'Flags' }).textContent;
    expect(flags).toMatch(/PIN required\s*Yes/);
    expect(flags).toMatch(/Office mode\s*No/);
    expect(flags).toMatch(/Privacy override\s*No/);
    expect(flags).toMatch(/Extended opening\s*Yes/);

    const rights = within(report).getByRole('table', { name: '2 rights on the card' });
    const rightRows = within(rights)
      .getAllByRole('row')
      .slice(1)
      .map((r) => r.textContent);
    expect(rightRows).toEqual(['DoorMain entranceOffice hours', 'Zonedeleted (#4)deleted (#2)']);

    const audit = within(report).getByRole('table', { name: '3 audit records on the card, oldest first' });
    const auditRows = within(audit).getAllByRole('row').slice(1);
    // 09:30Z, 19:45Z and 07:00Z in Madrid (CET, UTC+1).
    expect(auditRows[0]!.textContent).toMatch(/^Mar 1, 2030, 10:30\sAM\s*Main entrance\s*Granted—$/);
    expect(auditRows[1]!.textContent).toMatch(
      /^Mar 1, 2030, 8:45\sPM\s*deleted \(#5\)\s*Refused\s*Outside the time period$/,
    );
    expect(auditRows[2]!.textContent).toMatch(
      /^Mar 2, 2030, 8:00\sAM\s*Main entrance\s*Newer blacklist passed to the lock—$/,
    );
  });

  it('offers Update when the card differs from the database', async () => {
    rpc.answers['encoder.read'] = () => adaCard({ upToDate: false });
    rpc.answers['encoder.update'] = () => ({ key: keyOf(11, UID), card: adaCard() });
    renderScreen();
    await cardPlaced();
    await userEvent.click(button('Read'));
    const report = await screen.findByRole('region', { name: 'What the card holds' });
    expect(within(report).getByText(/Differs from the database/)).toBeDefined();
    await userEvent.click(within(report).getByRole('button', { name: 'Update the card' }));
    expect(
      await screen.findByText(`Card ${UID} rewritten with the current access; its key is revalidated.`),
    ).toBeDefined();
    expect(callsOf('encoder.update')).toHaveLength(1);
    expect(
      within(screen.getByRole('region', { name: 'What the card holds' })).getByText(
        'Up to date with the database.',
      ),
    ).toBeDefined();
  });

  it.each([
    ['blank', /This card is blank: it holds no application/],
    ['foreign', /This card is used by another system/],
  ] as const)('says plainly that a %s card is one', async (kind, words) => {
    rpc.answers['encoder.read'] = () =>
      adaCard({ kind, key: null, holder: null, access: null, formatVersion: undefined, audit: [] });
    renderScreen();
    await cardPlaced();
    await userEvent.click(button('Read'));
    const report = await screen.findByRole('region', { name: 'What the card holds' });
    expect(within(report).getByText(words)).toBeDefined();
    expect(within(report).queryByRole('table')).toBeNull();
  });

  it('cancels the key on the card only once the operator confirms', async () => {
    rpc.answers['encoder.cancel'] = () => ({
      key: keyOf(11, UID, 'cancelled'),
      card: adaCard({ access: null, key: keyOf(11, UID, 'cancelled') }),
    });
    renderScreen();
    await cardPlaced();
    await userEvent.click(button('Cancel key'));
    let dialog = screen.getByRole('dialog', { name: 'Cancel the key on this card?' });
    expect(dialog.textContent).toMatch(/goes on the blacklist/);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(callsOf('encoder.cancel')).toHaveLength(0);

    await userEvent.click(button('Cancel key'));
    dialog = screen.getByRole('dialog', { name: 'Cancel the key on this card?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel the key' }));
    expect(
      await screen.findByText(`Key ${UID} cancelled and blacklisted; the card holds no access now.`),
    ).toBeDefined();
    expect(screen.getByText(/formatted for this site but holds no key/)).toBeDefined();
  });

  it('erases the card for reuse after confirmation', async () => {
    rpc.answers['encoder.erase'] = () => ({ uid: UID });
    renderScreen();
    await cardPlaced();
    await userEvent.click(button('Erase for reuse'));
    const dialog = screen.getByRole('dialog', { name: 'Erase this card for reuse?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Erase the card' }));
    expect(await screen.findByText(`Card ${UID} erased: it is blank, ready for reuse.`)).toBeDefined();
    expect(callsOf('encoder.erase')[0]!.params).toEqual({ operationId: expect.any(String) });
  });
});
