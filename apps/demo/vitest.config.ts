import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    globalSetup: ['src/test-support/require-chromium.ts'],
    testTimeout: 60_000,
    // The model tests switch tfjs's global backend; separate processes keep files from racing on it.
    pool: 'forks',
  },
});
