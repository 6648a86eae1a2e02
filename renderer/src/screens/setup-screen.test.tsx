import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setLanguage } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import { renderInConsole } from '../test-render.js';
import { adminSession, rpcError } from './auth/test-fixtures.js';
import { SetupScreen } from './setup-screen.js';

vi.mock('../rpc/client.js', () => ({ call: vi.fn(), subscribe: vi.fn(() => () => undefined) }));
const callMock = vi.mocked(call);

beforeEach(() => callMock.mockReset());
afterEach(() => setLanguage('en'));

/** Fills the whole form in, the confirmation as given. */
async function fill(confirm = 'correct horse battery staple') {
  await userEvent.type(screen.getByLabelText(/^Setup token/), '  ABCD-EFGH-JKLM-NPQR ');
  await userEvent.type(screen.getByLabelText(/^Administrator username/), 'admin');
  await userEvent.type(screen.getByLabelText(/^Password/), 'correct horse battery staple');
  await userEvent.type(screen.getByLabelText(/^Confirm password/), confirm);
}

const submit = () => userEvent.click(screen.getByRole('button', { name: 'Create administrator' }));

describe('the setup screen', () => {
  it('refuses a mismatched confirmation beside it, before calling the service', async () => {
    renderInConsole(<SetupScreen siteName="Lintel site" onCreated={vi.fn()} onAlreadyDone={vi.fn()} />);
    await fill('correct horse battery stapl');
    await submit();
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('The two passwords differ. Type the same password twice.');
    expect(screen.getByLabelText(/^Confirm password/).getAttribute('aria-invalid')).toBe('true');
    expect(callMock).not.toHaveBeenCalled();
  });

  it('puts a wrong token beside the token field', async () => {
    callMock.mockRejectedValueOnce(
      rpcError('SETUP_TOKEN_INVALID', 'The setup token is wrong, used or expired'),
    );
    renderInConsole(<SetupScreen siteName="Lintel site" onCreated={vi.fn()} onAlreadyDone={vi.fn()} />);
    await fill();
    await submit();
    expect((await screen.findByRole('alert')).textContent).toBe('The setup token is wrong, used or expired');
    const token = screen.getByLabelText(/^Setup token/);
    expect(token.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(token);
  });

  it('creates the administrator, sending only what was given', async () => {
    callMock.mockResolvedValueOnce({ operator: adminSession.operator });
    const onCreated = vi.fn();
    renderInConsole(<SetupScreen siteName="Lintel site" onCreated={onCreated} onAlreadyDone={vi.fn()} />);
    await fill();
    await submit();
    await waitFor(() => expect(onCreated).toHaveBeenCalledWith('admin'));
    expect(callMock).toHaveBeenCalledWith('setup.createAdmin', {
      token: 'ABCD-EFGH-JKLM-NPQR',
      username: 'admin',
      password: 'correct horse battery staple',
    });
  });

  it('asks for no token in the desktop app’s own window, and sends none', async () => {
    callMock.mockResolvedValueOnce({ operator: adminSession.operator });
    const onCreated = vi.fn();
    renderInConsole(
      <SetupScreen
        siteName="Lintel site"
        tokenRequired={false}
        onCreated={onCreated}
        onAlreadyDone={vi.fn()}
      />,
    );
    expect(screen.queryByLabelText(/^Setup token/)).toBeNull();
    expect(screen.getByText(/no setup token is needed/)).toBeTruthy();
    await userEvent.type(screen.getByLabelText(/^Administrator username/), 'admin');
    await userEvent.type(screen.getByLabelText(/^Password/), 'correct horse battery staple');
    await userEvent.type(screen.getByLabelText(/^Confirm password/), 'correct horse battery staple');
    await submit();
    await waitFor(() => expect(onCreated).toHaveBeenCalledWith('admin'));
    expect(callMock).toHaveBeenCalledWith('setup.createAdmin', {
      username: 'admin',
      password: 'correct horse battery staple',
    });
  });

  it('sends a new site name and display name, and goes to login when setup is already done', async () => {
    callMock.mockRejectedValueOnce(rpcError('SETUP_ALREADY_DONE'));
    const onAlreadyDone = vi.fn();
    renderInConsole(<SetupScreen siteName="Lintel site" onCreated={vi.fn()} onAlreadyDone={onAlreadyDone} />);
    const siteName = screen.getByLabelText(/^Site name/);
    await userEvent.clear(siteName);
    await userEvent.type(siteName, 'Harbour Office');
    await userEvent.type(screen.getByLabelText('Display name (optional)'), 'Site Administrator');
    await fill();
    await submit();
    await waitFor(() => expect(onAlreadyDone).toHaveBeenCalled());
    expect(callMock).toHaveBeenCalledWith(
      'setup.createAdmin',
      expect.objectContaining({ siteName: 'Harbour Office', displayName: 'Site Administrator' }),
    );
  });

  it('refuses an emptied site name and a username the service would refuse', async () => {
    renderInConsole(<SetupScreen siteName="Lintel site" onCreated={vi.fn()} onAlreadyDone={vi.fn()} />);
    await userEvent.clear(screen.getByLabelText(/^Site name/));
    await userEvent.type(screen.getByLabelText(/^Administrator username/), 'the admin');
    await submit();
    const texts = (await screen.findAllByRole('alert')).map((a) => a.textContent);
    expect(texts).toContain('Use only letters, digits and . _ @ -');
    expect(screen.getByLabelText(/^Site name/).getAttribute('aria-invalid')).toBe('true');
    expect(callMock).not.toHaveBeenCalled();
  });

  it('offers a demo site after the form, as a command to copy, and calls nothing for it', async () => {
    renderInConsole(<SetupScreen siteName="Lintel site" onCreated={vi.fn()} onAlreadyDone={vi.fn()} />);
    const section = screen.getByRole('region', { name: 'Just looking?' });
    const form = screen.getByRole('form', { name: 'First administrator' });
    expect(form.compareDocumentPosition(section) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(section.textContent).toContain('without touching this one');
    expect(within(section).getByText('lintel demo', { selector: 'code' })).toBeDefined();
    const command = within(section).getByRole('textbox', { name: 'Command to try the demo' });
    expect(command).toHaveProperty('value', 'npm start -- --demo');
    expect(command).toHaveProperty('readOnly', true);
    await userEvent.click(within(section).getByRole('button', { name: 'Copy' }));
    expect(await within(section).findByText('Copied.')).toBeDefined();
    expect(await navigator.clipboard.readText()).toBe('npm start -- --demo');
    expect(callMock).not.toHaveBeenCalled();
  });

  it('offers the demo in the desktop app’s own window too', () => {
    renderInConsole(
      <SetupScreen
        siteName="Lintel site"
        tokenRequired={false}
        onCreated={vi.fn()}
        onAlreadyDone={vi.fn()}
      />,
    );
    expect(screen.getByRole('region', { name: 'Just looking?' })).toBeDefined();
  });

  it('speaks Spanish', async () => {
    setLanguage('es');
    renderInConsole(<SetupScreen siteName="Lintel site" onCreated={vi.fn()} onAlreadyDone={vi.fn()} />);
    expect(screen.getByRole('heading', { level: 1, name: 'Configurar Lintel' })).toBeDefined();
    expect(screen.getByRole('region', { name: '¿Solo quiere echar un vistazo?' })).toBeDefined();
    await userEvent.click(screen.getByRole('button', { name: 'Crear administrador' }));
    expect((await screen.findAllByRole('alert'))[0]!.textContent).toBe('Rellene este campo.');
  });
});
