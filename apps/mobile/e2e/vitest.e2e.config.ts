import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// The browser journey drives the real server and an engine on a wall clock, so it gets minutes, not seconds.
export default defineConfig({
  root: resolve(import.meta.dirname, '..'),
  test: {
    name: 'mobile-e2e',
    include: ['e2e/**/*.e2e.test.ts'],
    environment: 'node',
    testTimeout: 180_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
});
