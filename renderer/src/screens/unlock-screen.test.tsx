import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from '../app.js';
import { setLanguage } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import { renderInConsole } from '../test-render.js';
import { rpcError } from './auth/test-fixtures.js';
import { UnlockScreen, type Lock } from './unlock-screen.js';

vi.mock('../rpc/client.js', () => ({ call: vi.fn(), subscribe: vi.fn(() => () => undefined) }));
const callMock = vi.mocked(call);

// A block, not an arrow returning the mock: vitest would call a returned function as a cleanup.
beforeEach(() => {
  callMock.mockReset();
});
afterEach(() => setLanguage('en'));

const REASON =
  'this desktop session has no OS keychain (Electron would use its "basic_text" store, whose password is built into the program, so it protects nothing)';
const NEW_SITE: Lock = { creating: true, reason: REASON, minLength: 12 };
const EXISTING: Lock = { creating: false, reason: 'this site was locked with a passphrase', minLength: 1 };
const PASSPHRASE = 'correct horse battery staple';

const passphraseField = () => screen.getByLabelText(/^Passphrase/) as HTMLInputElement;

describe('the unlock screen, for a new site', () => {
  it('says why, asks for the passphrase twice and catches the usual mistakes before calling', async () => {
    renderInConsole(<UnlockScreen lock={NEW_SITE} onUnlocked={vi.fn()} />);
    expect(screen.getByRole('heading', { level: 1, name: 'Choose the site passphrase' })).toBeDefined();
    expect(
      screen.getByText(/^This desktop session has no OS keychain .*protects nothing\)\.$/),
    ).toBeDefined();
    expect(screen.getByText(/^At least 12 characters\./)).toBeDefined();

    await userEvent.type(passphraseField(), 'too short');
    await userEvent.type(screen.getByLabelText(/^Confirm passphrase/), 'too short');
    await userEvent.click(screen.getByRole('button', { name: 'Create the site' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Too short: at least 12 characters.');
    expect(passphraseField().getAttribute('aria-invalid')).toBe('true');

    await userEvent.clear(passphraseField());
    await userEvent.type(passphraseField(), PASSPHRASE);
    await userEvent.click(screen.getByRole('button', { name: 'Create the site' }));
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toBe(
        'The two passphrases differ. Type the same passphrase twice.',
      ),
    );
    expect(screen.getByLabelText(/^Confirm passphrase/).getAttribute('aria-invalid')).toBe('true');
    expect(callMock).not.toHaveBeenCalled();
  });

  it('sends the passphrase alone, shows that it is working, and goes on once the site is open', async () => {
    let open!: (value: { created: boolean }) => void;
    callMock.mockReturnValueOnce(new Promise((resolve) => (open = resolve)) as never);
    const onUnlocked = vi.fn();
    renderInConsole(<UnlockScreen lock={NEW_SITE} onUnlocked={onUnlocked} />);
    await userEvent.type(passphraseField(), PASSPHRASE);
    await userEvent.type(screen.getByLabelText(/^Confirm passphrase/), PASSPHRASE);
    await userEvent.click(screen.getByRole('button', { name: 'Create the site' }));

    expect((await screen.findByRole('status')).textContent).toBe('Creating the site… this takes a moment.');
    expect(screen.getByRole('form', { name: 'Site passphrase' }).getAttribute('aria-busy')).toBe('true');
    expect(callMock).toHaveBeenCalledWith('custody.unlock', { passphrase: PASSPHRASE });
    expect(onUnlocked).not.toHaveBeenCalled();
    open({ created: true });
    await waitFor(() => expect(onUnlocked).toHaveBeenCalledOnce());
  });

  it("puts the service's policy words beside the field", async () => {
    callMock.mockRejectedValueOnce(
      rpcError('INVALID_PARAMS', 'Invalid params', {
        issues: [{ path: 'passphrase', message: 'the passphrase must be at least 16 characters long' }],
      }),
    );
    renderInConsole(<UnlockScreen lock={NEW_SITE} onUnlocked={vi.fn()} />);
    await userEvent.type(passphraseField(), PASSPHRASE);
    await userEvent.type(screen.getByLabelText(/^Confirm passphrase/), PASSPHRASE);
    await userEvent.click(screen.getByRole('button', { name: 'Create the site' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'The passphrase must be at least 16 characters long.',
    );
    expect(passphraseField().getAttribute('aria-invalid')).toBe('true');
  });
});

describe('the unlock screen, for an existing site', () => {
  it('asks once, refuses a wrong passphrase beside the field, and opens with the right one', async () => {
    callMock.mockRejectedValueOnce(
      rpcError('INVALID_CREDENTIALS', 'That passphrase does not open this site'),
    );
    callMock.mockResolvedValueOnce({ created: false });
    const onUnlocked = vi.fn();
    renderInConsole(<UnlockScreen lock={EXISTING} onUnlocked={onUnlocked} />);
    expect(screen.getByRole('heading', { level: 1, name: 'Unlock the site' })).toBeDefined();
    expect(screen.queryByLabelText(/^Confirm passphrase/)).toBeNull();

    await userEvent.type(passphraseField(), 'short');
    await userEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'That passphrase does not open this site. Type it again.',
    );
    expect(callMock).toHaveBeenLastCalledWith('custody.unlock', { passphrase: 'short' });
    expect(passphraseField().value).toBe('');
    expect(document.activeElement).toBe(passphraseField());
    expect(onUnlocked).not.toHaveBeenCalled();

    await userEvent.type(passphraseField(), PASSPHRASE);
    await userEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    await waitFor(() => expect(onUnlocked).toHaveBeenCalledOnce());
  });

  it('says how long to wait when guessing is slowed down, and carries on if the site is already open', async () => {
    callMock.mockRejectedValueOnce(rpcError('RATE_LIMITED', 'Too many', { retryAfterSeconds: 40 }));
    callMock.mockRejectedValueOnce(rpcError('CONFLICT', 'The site is already open', { reason: 'open' }));
    const onUnlocked = vi.fn();
    renderInConsole(<UnlockScreen lock={EXISTING} onUnlocked={onUnlocked} />);
    await userEvent.type(passphraseField(), PASSPHRASE);
    await userEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/40 seconds/);
    await userEvent.type(passphraseField(), PASSPHRASE);
    await userEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    await waitFor(() => expect(onUnlocked).toHaveBeenCalledOnce());
  });

  it('speaks Spanish', async () => {
    setLanguage('es');
    renderInConsole(<UnlockScreen lock={EXISTING} onUnlocked={vi.fn()} />);
    expect(
      await screen.findByRole('heading', { level: 1, name: 'Desbloquear la instalación' }),
    ).toBeDefined();
    expect(screen.getByRole('button', { name: 'Desbloquear' })).toBeDefined();
  });
});

describe('the console start', () => {
  it('shows the unlock screen while the site is locked, then starts again (here: setup)', async () => {
    let locked = true;
    callMock.mockImplementation(((method: string) => {
      if (method === 'custody.unlock') {
        locked = false;
        return Promise.resolve({ created: true });
      }
      if (locked) return Promise.reject(rpcError('SITE_LOCKED', 'Choose a passphrase', { ...NEW_SITE }));
      if (method === 'setup.status')
        return Promise.resolve({ siteName: 'My site', administratorExists: false });
      return Promise.reject(rpcError('UNAUTHENTICATED'));
    }) as typeof call);
    renderInConsole(<App />);
    expect(await screen.findByRole('heading', { name: 'Choose the site passphrase' })).toBeDefined();
    await userEvent.type(passphraseField(), PASSPHRASE);
    await userEvent.type(screen.getByLabelText(/^Confirm passphrase/), PASSPHRASE);
    await userEvent.click(screen.getByRole('button', { name: 'Create the site' }));
    expect(await screen.findByRole('heading', { name: 'Set up Lintel' })).toBeDefined();
    expect(callMock.mock.calls.map(([m]) => m)).toEqual(['setup.status', 'custody.unlock', 'setup.status']);
  });
});
