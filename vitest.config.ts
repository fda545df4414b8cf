import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['node_modules', 'data', 'bench'],
    // Two cores: integration tests each own a fresh database, so two files at a time is the sweet spot.
    pool: 'forks',
    globalSetup: ['scripts/test-global-setup.mjs'],
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
