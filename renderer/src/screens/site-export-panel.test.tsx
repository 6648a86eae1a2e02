import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { errorText } from '../error-text.js';
import { call } from '../rpc/client.js';
import { renderInConsole } from '../test-render.js';
import { rpcError } from './auth/test-fixtures.js';
import { SiteExportPanel } from './site-export-panel.js';

vi.mock('../rpc/client.js', () => ({ call: vi.fn(), subscribe: vi.fn(() => () => undefined) }));
const callMock = vi.mocked(call);

beforeEach(() => callMock.mockReset());

const PASSPHRASE = 'moving day to the server';
const FILE = '/srv/lintel/exports/harbour-office-2030-01-02T030405Z.lintel-site';

const passphraseField = () => screen.getByLabelText(/^Export passphrase/) as HTMLInputElement;
const confirmField = () => screen.getByLabelText(/^Confirm export passphrase/) as HTMLInputElement;
const exportButton = () => screen.getByRole('button', { name: 'Export the site' });

async function fill(passphrase: string, confirm = passphrase) {
  await userEvent.type(passphraseField(), passphrase);
  await userEvent.type(confirmField(), confirm);
}

describe('the site export panel', () => {
  it('says what the file holds and that its passphrase is needed to import it', () => {
    renderInConsole(<SiteExportPanel failure={errorText} />);
    expect(screen.getByRole('form', { name: 'Move this site' })).toBeDefined();
    expect(screen.getByRole('note').textContent).toMatch(
      /holds everything in this site.*Importing it needs this passphrase/,
    );
  });

  it('refuses a short passphrase and two that differ without calling the service', async () => {
    renderInConsole(<SiteExportPanel failure={errorText} />);
    await fill('short one');
    await userEvent.click(exportButton());
    expect((await screen.findAllByRole('alert')).map((a) => a.textContent)).toContain(
      'Too short: at least 12 characters.',
    );
    expect(passphraseField().getAttribute('aria-invalid')).toBe('true');

    await userEvent.clear(passphraseField());
    await userEvent.clear(confirmField());
    await fill(PASSPHRASE, `${PASSPHRASE}!`);
    await userEvent.click(exportButton());
    expect((await screen.findByRole('alert')).textContent).toBe('The two passphrases differ.');
    expect(callMock).not.toHaveBeenCalled();
  });

  it('shows that it is working, then where the file is and how to import it, and forgets the passphrase', async () => {
    let finish!: (r: { file: string; bytes: number; exportedAt: string }) => void;
    callMock.mockReturnValueOnce(new Promise((resolve) => (finish = resolve)) as never);
    renderInConsole(<SiteExportPanel failure={errorText} />);
    await fill(PASSPHRASE);
    await userEvent.click(exportButton());

    expect((await screen.findByRole('status')).textContent).toMatch(/^Exporting: deriving the key/);
    expect(screen.getByRole('form', { name: 'Move this site' }).getAttribute('aria-busy')).toBe('true');
    expect(callMock).toHaveBeenCalledWith('site.exportBundle', { passphrase: PASSPHRASE });

    finish({ file: FILE, bytes: 3 * 1024 * 1024 + 200_000, exportedAt: '2030-01-02T03:04:05.000Z' });
    expect(await screen.findByText('Site exported (3.2 MiB).')).toBeDefined();
    expect((screen.getByLabelText(/^File/) as HTMLInputElement).value).toBe(FILE);
    expect(screen.getByText(/lintel site import --in/).textContent).toBe(
      'lintel site import --in harbour-office-2030-01-02T030405Z.lintel-site',
    );
    expect(passphraseField().value).toBe('');
    expect(confirmField().value).toBe('');
    expect(screen.queryByText(/^Exporting/)).toBeNull();
  });

  it('puts the service’s refusal of the passphrase beside it, and other failures above the form', async () => {
    callMock
      .mockRejectedValueOnce(
        rpcError('INVALID_PARAMS', 'Invalid params', {
          issues: [{ path: 'passphrase', message: 'the passphrase must be at least 16 characters long' }],
        }),
      )
      .mockRejectedValueOnce(
        rpcError('UNAVAILABLE', 'This host keeps no folder for site exports', { reason: 'no-export-folder' }),
      );
    renderInConsole(<SiteExportPanel failure={errorText} />);
    await fill(PASSPHRASE);
    await userEvent.click(exportButton());
    expect((await screen.findByRole('alert')).textContent).toBe(
      'The passphrase must be at least 16 characters long.',
    );

    await userEvent.click(exportButton());
    expect((await screen.findByRole('alert')).textContent).toBe(
      'This host keeps no folder for site exports.',
    );
    expect(screen.queryByText(/^Site exported/)).toBeNull();
  });
});
