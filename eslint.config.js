// ESLint flat config. The layout boundaries of ../shared/ARCHITECTURE.md are enforced here, not by memory.
import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'assert',
  'buffer',
  'child_process',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'https',
  'net',
  'os',
  'path',
  'process',
  'readline',
  'stream',
  'tls',
  'url',
  'util',
  'worker_threads',
  'zlib',
];
const hardware = ['node-hid', 'serialport', '@serialport/*'];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'release/**',
      'node_modules/**',
      'bench/results/**',
      'scratch/**',
      'test-results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    // app/ is the headless Service: never Electron, never a hardware module directly (native/ adapts them).
    files: ['app/**/*.ts'],
    ignores: ['app/contract/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'app/ runs without Electron (serve, gateway, tests): put it in main/.',
            },
          ],
          patterns: [
            {
              group: hardware,
              message: 'Only native/ imports node-hid and serialport; app/ uses its transport interfaces.',
            },
            { group: ['**/main/**', '**/renderer/**'], message: 'app/ must not depend on the shells.' },
          ],
        },
      ],
    },
  },
  ...[
    ['app/contract/*.ts', '../*'],
    ['app/contract/*/**/*.ts', '../../*'],
  ].map(([files, outside]) => ({
    // The contract is shared with the renderer: pure TypeScript and zod, no Node APIs, nothing outside it.
    files: [files],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'The contract is pure TypeScript + zod.' },
            ...nodeBuiltins.map((name) => ({
              name,
              message: 'The contract runs in the renderer: no Node APIs.',
            })),
          ],
          patterns: [
            { group: ['node:*'], message: 'The contract runs in the renderer: no Node APIs.' },
            { group: [outside], message: 'The contract imports only itself and zod.' },
            { group: hardware, message: 'The contract runs in the renderer.' },
          ],
        },
      ],
    },
  })),
  {
    // renderer/ sees only the typed RPC contract. (Its Vite config runs in Node at build time.)
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: ['renderer/vite.config.ts'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'The renderer talks only through window.lintel (preload) or HTTPS.',
            },
            ...nodeBuiltins.map((name) => ({ name, message: 'The renderer has no Node APIs.' })),
            {
              name: '@mantine/core',
              importNames: ['AppShell', 'Grid', 'SimpleGrid', 'Flex'],
              message:
                'These size themselves with a <style> element, which the console CSP (style-src self) refuses: use CSS in styles.css.',
            },
          ],
          patterns: [
            { group: ['node:*'], message: 'The renderer has no Node APIs.' },
            { group: hardware, message: 'Hardware belongs to native/.' },
            {
              group: ['**/app/**', '!**/app/contract', '!**/app/contract/**', '**/main/**', '**/native/**'],
              message: 'renderer/ may import only app/contract/.',
            },
          ],
        },
      ],
    },
  },
  {
    // main/ is the thin Electron shell: Service through app/, hardware only through native/.
    files: ['main/**/*.{ts,cts}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: hardware, message: 'Only native/ imports node-hid and serialport.' },
            { group: ['**/renderer/**'], message: 'main/ loads the renderer, never imports it.' },
          ],
        },
      ],
    },
  },
  {
    // native/ adapts hardware modules; it must not reach into the shells.
    files: ['native/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'native/ is used by headless processes too.' }],
          patterns: [
            { group: ['**/main/**', '**/renderer/**'], message: 'native/ must not depend on the shells.' },
          ],
        },
      ],
    },
  },
  {
    files: ['scripts/**/*.{js,mjs,ts}', 'bench/**/*.ts', 'bin/**/*.js', 'test/**/*.ts', '**/*.test.ts'],
    rules: { 'no-console': 'off' },
  },
);
