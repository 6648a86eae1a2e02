import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { errorText } from '../error-text.js';
import { call } from '../rpc/client.js';
import { renderInConsole } from '../test-render.js';
import { rpcError, site } from './auth/test-fixtures.js';
import { SiteRenameForm, type Site } from './site-rename-form.js';

vi.mock('../rpc/client.js', () => ({ call: vi.fn(), subscribe: vi.fn(() => () => undefined) }));
const callMock = vi.mocked(call);

beforeEach(() => callMock.mockReset());

const nameField = () => screen.getByLabelText(/^Site name/) as HTMLInputElement;
const save = () => userEvent.click(screen.getByRole('button', { name: 'Save name' }));

describe('the site rename form', () => {
  it('follows a live rename while untouched, and keeps what the person typed', async () => {
    // The shell's reading of the site, which live events replace.
    let setSite!: (site: Site) => void;
    function Shell() {
      const [current, set] = useState(site('Harbour Office', 1));
      setSite = set;
      return <SiteRenameForm site={current} onSaved={vi.fn()} failure={errorText} />;
    }
    renderInConsole(<Shell />);
    expect(nameField().value).toBe('Harbour Office');
    act(() => setSite(site('Harbour Office North', 2)));
    expect(nameField().value).toBe('Harbour Office North');

    await userEvent.clear(nameField());
    await userEvent.type(nameField(), 'Mine');
    act(() => setSite(site('Theirs', 3)));
    expect(nameField().value).toBe('Mine');
  });

  it('saves from the version it was filled from, and says so', async () => {
    callMock.mockResolvedValueOnce(site('Harbour Office East', 2));
    const onSaved = vi.fn();
    renderInConsole(
      <SiteRenameForm site={site('Harbour Office', 1)} onSaved={onSaved} failure={errorText} />,
    );
    await userEvent.clear(nameField());
    await userEvent.type(nameField(), '  Harbour Office East ');
    await save();
    expect((await screen.findByRole('status')).textContent).toBe('Site renamed to “Harbour Office East”.');
    expect(callMock).toHaveBeenCalledWith('site.update', { version: 1, name: 'Harbour Office East' });
    expect(onSaved).toHaveBeenCalledWith(site('Harbour Office East', 2));
    expect(nameField().value).toBe('Harbour Office East');
  });

  it('does not call when the name is unchanged, and refuses an empty one', async () => {
    renderInConsole(
      <SiteRenameForm site={site('Harbour Office', 1)} onSaved={vi.fn()} failure={errorText} />,
    );
    await save();
    expect((await screen.findByRole('status')).textContent).toBe('That is already the site name.');
    await userEvent.clear(nameField());
    await save();
    expect((await screen.findByRole('alert')).textContent).toBe('Fill this in.');
    expect(nameField().getAttribute('aria-invalid')).toBe('true');
    expect(callMock).not.toHaveBeenCalled();
  });

  it('on a conflict shows the name now, keeps the typed one, and saves it over on purpose', async () => {
    callMock
      .mockRejectedValueOnce(rpcError('CONFLICT', 'stale', { currentVersion: 2 }))
      .mockResolvedValueOnce(site('Theirs', 2))
      .mockResolvedValueOnce(site('Mine', 3));
    const onSaved = vi.fn();
    renderInConsole(
      <SiteRenameForm site={site('Harbour Office', 1)} onSaved={onSaved} failure={errorText} />,
    );
    await userEvent.clear(nameField());
    await userEvent.type(nameField(), 'Mine');
    await save();
    expect((await screen.findByRole('alert')).textContent).toMatch(
      /^Someone else changed the site while you were editing; it is now called “Theirs”/,
    );
    expect(onSaved).toHaveBeenCalledWith(site('Theirs', 2));
    expect(nameField().value).toBe('Mine');

    await save();
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(site('Mine', 3)));
    expect(callMock).toHaveBeenLastCalledWith('site.update', { version: 2, name: 'Mine' });
  });
});
