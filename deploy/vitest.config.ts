import { defineConfig } from 'vitest/config';
import { sharedResolve } from '../vitest.shared.ts';

export default defineConfig({
  resolve: sharedResolve,
  test: {
    include: ['test/**/*.test.ts'],
    // the migration test starts real services against MariaDB
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
