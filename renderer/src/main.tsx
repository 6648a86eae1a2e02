import './zod-config.js';
import '@mantine/core/styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { HashRouter } from 'react-router';
import { App } from './app.js';
import { currentLanguage } from './i18n/i18n.js';
import { Providers } from './providers.js';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('renderer: index.html has no #root element');
document.documentElement.lang = currentLanguage();
// Hash routes: the same build runs from https:// (lintel serve) and the desktop shell's app://
// without server-side routes, reloading keeps the place and Back works.
createRoot(root).render(
  <StrictMode>
    <Providers>
      <HashRouter>
        <App />
      </HashRouter>
    </Providers>
  </StrictMode>,
);
