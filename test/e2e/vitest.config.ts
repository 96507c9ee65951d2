import { defineConfig } from 'vitest/config';

/**
 * The deployment test (npm run e2e:deploy): hosts booted with systemd-nspawn in network
 * namespaces, so it runs as root, alone (one file, no parallel suites competing for two
 * cores) and within CI's budget: the hooks bound each phase, the whole file ~10 minutes.
 */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 900_000,
    reporters: ['default'],
  },
});
