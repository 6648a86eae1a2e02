import { render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter } from 'react-router';
import { Providers } from './providers.js';

/** Renders a component as the console would: theme, RPC cache, strings and a router. */
export function renderInConsole(ui: ReactElement, route = '/'): RenderResult {
  return render(
    <Providers>
      <MemoryRouter initialEntries={[route]}>{ui}</MemoryRouter>
    </Providers>,
  );
}
