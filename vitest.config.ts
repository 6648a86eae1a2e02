import { defineConfig } from 'vitest/config';

// One runner for unit, integration, component and end-to-end tests. Tests that start processes or a
// browser run in forks and get generous timeouts: the CI machine has two shared cores. Component
// tests (renderer/**/*.test.tsx) run in happy-dom.
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['app/**/*.test.ts', 'native/**/*.test.ts', 'main/**/*.test.ts', 'test/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'renderer',
          include: ['renderer/**/*.test.{ts,tsx}'],
          environment: 'happy-dom',
          setupFiles: ['renderer/src/test-setup.ts'],
        },
      },
    ],
  },
});
