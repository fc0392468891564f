import { defineConfig } from 'vitest/config';

// Every command test loads data and runs real models; on a loaded 2-core CI machine a few
// seconds is not enough, and a slow machine is not a failure.
export default defineConfig({ test: { include: ['src/**/*.test.ts'], testTimeout: 60_000 } });
