import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    // tfjs keeps a global backend and the harness measures process memory: one process per file.
    pool: 'forks',
  },
});
