import { defineConfig } from 'vitest/config';

// One runner for unit, integration and end-to-end tests. Tests that start processes or a browser
// run in forks and get generous timeouts: the CI machine has two shared cores.
export default defineConfig({
  test: {
    include: ['app/**/*.test.ts', 'native/**/*.test.ts', 'main/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
