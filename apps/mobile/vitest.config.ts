import { defineConfig } from 'vitest/config';

// Unit tests run in node; the few component tests opt into jsdom per file and render through
// react-native-web, the same renderer the web build uses.
export default defineConfig({
  root: import.meta.dirname,
  resolve: {
    alias: [{ find: /^react-native$/, replacement: 'react-native-web' }],
  },
  test: {
    name: 'mobile',
    include: ['{api,state,forms,components,theme}/**/*.test.{ts,tsx}'],
    environment: 'node',
    testTimeout: 20_000,
  },
});
