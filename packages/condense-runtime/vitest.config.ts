import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    globalSetup: ['src/test-support/global-setup.ts'],
    testTimeout: 60_000,
    // Each file may switch the global tfjs backend; isolated forks keep files from racing on it.
    pool: 'forks',
  },
});
