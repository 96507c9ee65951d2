import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Integration suites start real PostgreSQL and TLS servers: give them room on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
