import { defineConfig } from 'vitest/config';

/**
 * `npm test`: the server, packages and benchmarks' smoke tests, plus the mobile app's component and
 * store tests (its own config: react-native-web, jsdom per file). The browser journey is separate
 * (`npm run test:e2e`), because it builds the web app and drives Chromium.
 */
export default defineConfig({
  test: {
    globalSetup: ['apps/server/test/support/global-log-scan.ts'],
    projects: [
      {
        test: {
          name: 'server',
          include: ['packages/*/src/**/*.test.ts', 'apps/server/src/**/*.test.ts', 'apps/server/test/**/*.test.ts', 'bench/**/*.test.ts'],
          testTimeout: 20_000,
          hookTimeout: 30_000,
          pool: 'forks',
        },
      },
      'apps/mobile/vitest.config.ts',
    ],
  },
});
