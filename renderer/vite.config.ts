import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

// Relative asset URLs so the same build loads from https://host/ (lintel serve) and from the
// Electron shell's app protocol.
export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  build: {
    outDir: path.join(here, '..', 'dist', 'renderer'),
    emptyOutDir: true,
    sourcemap: true,
    assetsInlineLimit: 0,
    // Modules run in import order even across chunks, so main.tsx's first import (zod-config.ts,
    // which keeps zod from probing for eval under the CSP) runs before any schema is built.
    rolldownOptions: { output: { strictExecutionOrder: true } },
  },
});
