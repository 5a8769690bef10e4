import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/unit/**/*.test.ts',
      'test/integration/**/*.test.ts',
      'test/golden/**/*.test.ts',
      'test/reliability/**/*.test.ts',
      'test/fuzz/**/*.test.ts',
      'test/security/**/*.test.ts',
    ],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Worker-thread and child-process tests compete for 2 cores; keep files from oversubscribing.
    maxWorkers: 2,
  },
});
